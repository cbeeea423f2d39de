// The settings of the demo's short from-scratch runs (`ssdkit demo`, `ssdkit ablate`): the small MobileNet0.25
// SSD at 256 trained with Adam 3e-3 on resize+flip augmentation, the rate ×0.1 for the last 20% of the budget.
// Measured here: mAP 0.10 after ~200 s, where train_ssd.py's SGD 1e-3 with the full augmentation was at 0.002.
import { init } from '../nn/index.js';
import type { SSD } from '../models/index.js';
import type { TrainOptions } from './trainSSD.js';

/** Plain BatchNorm statistics (mean 0, var 1, gamma 1, beta 0) for a from-scratch backbone. */
export function resetBatchNormStats(net: SSD): void {
  for (const [name, p] of net.collectParams()) {
    if (/(running_var|moving_var|gamma)$/.test(name)) p.initialize(init.One(), { forceReinit: true });
    else if (/(running_mean|moving_mean|beta)$/.test(name)) p.initialize(init.Zero(), { forceReinit: true });
  }
}

export function demoTrainOptions(timeBudgetSec: number): Omit<TrainOptions, 'seed' | 'savePrefix'> {
  return {
    dataShape: 256, batchSize: 16, numWorkers: 1, epochs: 1000, lr: 0.003, lrDecay: 0.1, lrDecayEpoch: [1000],
    momentum: 0.9, wd: 0.0005, warmupEpochs: 0.5, logInterval: 10, saveInterval: 1000, valInterval: 1000, startEpoch: 0,
    lossNorm: 'batch', predictorInit: 'default', decoder: 'per-class', timeBudgetSec, decayAtBudgetFraction: 0.8,
    optimizer: 'adam', augment: 'light',
  };
}

/**
 * The ablation's per-arm settings: the demo's, but a fixed number of epochs instead of a time budget, so every
 * arm gets the same number of steps whatever else the machine is doing (the rate drops x0.1 for the last 20%).
 */
export function ablationTrainOptions(epochs: number): Omit<TrainOptions, 'seed' | 'savePrefix' | 'lossNorm' | 'predictorInit' | 'decoder'> {
  return {
    ...demoTrainOptions(0),
    timeBudgetSec: undefined,
    decayAtBudgetFraction: undefined,
    epochs,
    lrDecayEpoch: [Math.max(1, Math.floor(epochs * 0.8))],
    progress: false,
    log: () => {},
  };
}
