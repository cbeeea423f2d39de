// The seed tutorial's second tip: which initializer the class and box predictors get (GluonCV's
// scripts/detection/ssd/train_ssd.py re-initializes them with force_reinit; gluoncv/model_zoo/ssd/ssd.py's
// default is Xavier(uniform, avg, magnitude 2)).
import { init, type Initializer } from '../nn/index.js';
import type { SSD } from '../models/index.js';
import type { PredictorInit } from './trainOptions.js';

/** The predictor initializers of the seed's second tip. */
export function predictorInitializer(kind: PredictorInit): Initializer | null {
  switch (kind) {
    case 'default':
      return null; // GluonCV's own: Xavier(uniform, avg, magnitude 2)
    case 'xavier':
      return init.Xavier({ rndType: 'gaussian', factorType: 'out', magnitude: 2 });
    case 'uniform':
      return init.Uniform();
    case 'normal':
      return init.Normal();
  }
}

/** Re-initializes the class and box predictor weights with `kind` (force_reinit, as the seed does). */
export function reinitPredictors(net: SSD, kind: PredictorInit): number {
  const chosen = predictorInitializer(kind);
  if (chosen === null) return 0;
  const params = [...net.collectParams('.*convpredictor\\d+_conv0_weight').values()];
  for (const p of params) p.initialize(chosen, { forceReinit: true });
  return params.length;
}
