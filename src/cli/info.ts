// `ssdkit env`: what the tensor engine runs on: the libtorch build (version, CUDA runtime), threads,
// the CUDA driver and each GPU's name and memory (torch.utils.collect_env's facts that matter here).
import type { Command } from './command.js';
import { buildConfig, getNumThreads, cudaInfo, torchVersion } from '../tensor/index.js';

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

export const infoCommand: Command = {
  name: 'env',
  summary: 'show the libtorch build, thread count, CUDA version and GPUs',
  usage: 'ssdkit env',
  run() {
    const cuda = cudaInfo();
    console.log(`libtorch: ${torchVersion()}${cuda.runtime ? ` (CUDA ${cuda.runtime})` : ' (CPU only)'}`);
    console.log(`threads: ${getNumThreads()}`);
    console.log(`cuda: ${cuda.available}${cuda.driver ? `, driver CUDA ${cuda.driver}` : ''}${cuda.problem ? ` (${cuda.problem})` : ''}`);
    for (const g of cuda.gpus) console.log(`gpu ${g.index}: ${g.name}, ${gib(g.totalMemory)}, compute capability ${g.capability}`);
    console.log(buildConfig().trim());
    return 0;
  },
};
