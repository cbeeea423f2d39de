// The training process crashSafety.test.ts kills: `ssdkit train`'s path (seed the weights, build, trainSSD) for
// the demo SSD at 64×64 on a synthetic VOC folder, with a checkpoint every epoch and a few validation images.
// Prints "epoch N" after each epoch's line (just before that epoch's checkpoint is written).
//
//   node dist/test/train/crashDriver.js DATA_ROOT SAVE_PREFIX EPOCHS [RESUME_CKPT]
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manualSeed, setNumThreads } from '../../src/tensor/index.js';
import { VOCDetection, SYNTH_CLASSES } from '../../src/data/index.js';
import { buildFromSpec, demoPreset } from '../../src/train/modelSpec.js';
import { trainSSD, type TrainOptions } from '../../src/train/trainSSD.js';

/** The run's settings; the test builds the same model and trainer to load the checkpoints. */
export const CRASH_RUN = { dataShape: 64, seed: 17, batchSize: 4, maxBatchesPerEpoch: 3, lr: 0.01, momentum: 0.9, wd: 5e-4 } as const;

export function crashSpec() {
  return { name: 'crash', preset: demoPreset(CRASH_RUN.dataShape), classes: [...SYNTH_CLASSES] };
}

async function main(argv: string[]): Promise<void> {
  const [root, savePrefix, epochs, resume] = argv;
  if (!root || !savePrefix || !epochs) throw new Error('usage: crashDriver DATA_ROOT SAVE_PREFIX EPOCHS [RESUME_CKPT]');
  setNumThreads(1); // the test runs beside others on a small machine
  const train = await VOCDetection.load(root, ['2007/trainval'], { classes: SYNTH_CLASSES });
  const val = await VOCDetection.load(root, ['2007/test'], { classes: SYNTH_CLASSES });
  const o: TrainOptions = {
    dataShape: CRASH_RUN.dataShape, batchSize: CRASH_RUN.batchSize, numWorkers: 1, epochs: Number(epochs), lr: CRASH_RUN.lr,
    lrDecay: 0.1, lrDecayEpoch: [4], momentum: CRASH_RUN.momentum, wd: CRASH_RUN.wd, warmupEpochs: 1, logInterval: 1,
    savePrefix, saveInterval: 1, valInterval: 1, valLimit: 2, seed: CRASH_RUN.seed, resume, startEpoch: 0,
    lossNorm: 'batch', predictorInit: 'default', decoder: 'per-class', maxBatchesPerEpoch: CRASH_RUN.maxBatchesPerEpoch,
    progress: false,
    log: (line) => {
      const m = /^\[epoch (\d+)\]/.exec(line);
      if (m) process.stdout.write(`epoch ${m[1]}\n`);
    },
  };
  manualSeed(o.seed); // as `ssdkit train` does: initial weights from the seed
  const net = buildFromSpec(crashSpec());
  await trainSSD(net, train, val, o);
  net.dispose();
  process.stdout.write('done\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  await main(process.argv.slice(2));
}
