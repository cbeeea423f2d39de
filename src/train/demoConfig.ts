// The demo's recipe (`ssdkit demo`, `ssdkit ablate`): a small MobileNet0.25 SSD trained from scratch with Adam,
// a linear warm-up then a cosine decay to zero over a fixed number of epochs (GluonCV's LRScheduler 'linear' +
// 'cosine' in an LRSequential, gluoncv/utils/lr_scheduler.py), on resize+flip augmentation, batch 8, with the
// demo preset's stride-8 first grid (modelSpec.ts demoPreset) and anchor sizes 0.1-1.1 chosen so that 96% of the
// synthetic objects (box sides 6-69% of the image, median 18%) have an anchor at IoU >= 0.5
// (scripts/fixtures/anchor_coverage.py; test/train/demoAnchors.test.ts).
// A fixed number of epochs rather than a time budget, so a run's result does not depend on the machine's load.
import { init, LRScheduler, LRSequential } from '../nn/index.js';
import type { SSD } from '../models/index.js';
import type { TrainOptions } from './trainSSD.js';
import type { DemoBase } from './modelSpec.js';

/** Plain BatchNorm statistics (mean 0, var 1, gamma 1, beta 0) for a from-scratch backbone. */
export function resetBatchNormStats(net: SSD): void {
  for (const [name, p] of net.collectParams()) {
    if (/(running_var|moving_var|gamma)$/.test(name)) p.initialize(init.One(), { forceReinit: true });
    else if (/(running_mean|moving_mean|beta)$/.test(name)) p.initialize(init.Zero(), { forceReinit: true });
  }
}

/** What the demo trains: input side, anchors, and the schedule. */
export interface DemoRecipe {
  /** The backbone: MobileNet of this width (modelSpec.ts demoPreset). */
  base: DemoBase;
  /** Square input side in pixels (a multiple of 32). */
  dataShape: number;
  /** Synthetic images to generate (a fifth is the test split); with `epochs`, how often each is seen. */
  images: number;
  /** The 7 anchor sizes as fractions of the input side (SSD's sizes: layer i uses s_i and sqrt(s_i s_i+1)). */
  anchorSizes: number[];
  epochs: number;
  batchSize: number;
  /** Adam's peak rate. */
  lr: number;
  warmupEpochs: number;
  wd: number;
}

/** The demo's default recipe (README "The demo": mAP over 3 seeds, images/s, and how it was chosen). */
export const DEMO_RECIPE: Readonly<DemoRecipe> = Object.freeze({
  base: 'mobilenet0.25',
  dataShape: 192,
  images: 1200,
  anchorSizes: [0.1, 0.18, 0.32, 0.52, 0.75, 0.95, 1.1],
  epochs: 18,
  batchSize: 8,
  lr: 0.004,
  warmupEpochs: 0.5,
  wd: 0.0005,
});

/** Resolution of the schedule: GluonCV's schedulers count updates; here an "update" is 1/1000 of an epoch. */
const TICKS_PER_EPOCH = 1000;

/** The rate at a fractional epoch: linear warm-up from 0 to lr over warmupEpochs, then cosine to 0 at `epochs`. */
export function demoSchedule(r: Pick<DemoRecipe, 'lr' | 'warmupEpochs' | 'epochs'>): (epoch: number) => number {
  const warm = Math.round(r.warmupEpochs * TICKS_PER_EPOCH);
  const total = Math.round(r.epochs * TICKS_PER_EPOCH);
  const parts = warm > 0 ? [new LRScheduler('linear', { baseLr: 0, targetLr: r.lr, niters: warm })] : [];
  const seq = new LRSequential([...parts, new LRScheduler('cosine', { baseLr: r.lr, targetLr: 0, niters: Math.max(1, total - warm) })]);
  return (epoch) => seq.at(Math.floor(epoch * TICKS_PER_EPOCH));
}

/** Training options for a recipe. */
export function demoTrainOptions(r: DemoRecipe = DEMO_RECIPE): Omit<TrainOptions, 'seed' | 'savePrefix'> {
  return {
    dataShape: r.dataShape, batchSize: r.batchSize, numWorkers: 1, epochs: r.epochs, lr: r.lr, lrDecay: 0.1, lrDecayEpoch: [r.epochs + 1],
    momentum: 0.9, wd: r.wd, warmupEpochs: 0, logInterval: 10, saveInterval: r.epochs, valInterval: r.epochs, startEpoch: 0,
    lossNorm: 'batch', predictorInit: 'default', decoder: 'per-class', optimizer: 'adam', augment: 'light', channelsLast: true,
    lrAt: demoSchedule(r),
  };
}

/**
 * The ablation's per-arm settings: the demo's recipe for `epochs` epochs, quiet (every arm gets the same number
 * of steps whatever else the machine is doing).
 */
export function ablationTrainOptions(epochs: number, r: DemoRecipe = DEMO_RECIPE): Omit<TrainOptions, 'seed' | 'savePrefix' | 'lossNorm' | 'predictorInit' | 'decoder'> {
  return { ...demoTrainOptions({ ...r, epochs }), progress: false, log: () => {} };
}
