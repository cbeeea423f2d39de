// `ssdkit env`: what the tensor engine runs on (libtorch build, threads, CUDA).
import type { Command } from './command.js';
import { buildConfig, getNumThreads, cudaIsAvailable } from '../tensor/index.js';

export const infoCommand: Command = {
  name: 'env',
  summary: 'show the libtorch build, thread count and CUDA availability',
  usage: 'ssdkit env',
  run() {
    console.log(`threads: ${getNumThreads()}`);
    console.log(`cuda: ${cudaIsAvailable()}`);
    console.log(buildConfig().trim());
    return 0;
  },
};
