// Gradient clipping by global norm, as MXNet 1.9.1's `gluon.utils.clip_global_norm`: with
// total = sqrt(sum of squared elements of all arrays), every array is scaled in place by
// min(1, maxNorm / (total + 1e-8)). Returns total (warning when it is not finite).
//
//   tidy(() => clipGlobalNorm(trainer.params.map((p) => p.grad()).filter((g) => g !== null), 10));
import { type Tensor, noGrad, tidy } from '../tensor/index.js';

export function clipGlobalNorm(arrays: Tensor[], maxNorm: number, checkIsfinite = true): number {
  if (arrays.length === 0) throw new RangeError('clipGlobalNorm: no arrays');
  if (!(maxNorm > 0)) throw new RangeError(`clipGlobalNorm: maxNorm must be positive, got ${maxNorm}`);
  return noGrad(() =>
    tidy(() => {
      let sq = 0;
      for (const a of arrays) sq += a.double().square().sum().item();
      const total = Math.sqrt(sq);
      if (checkIsfinite && !Number.isFinite(total)) {
        process.emitWarning('nan or inf is detected. Clipping results will be undefined.', { type: 'UserWarning', code: 'SSDKIT_CLIP_NONFINITE' });
      }
      const scale = Math.min(1, maxNorm / (total + 1e-8));
      if (scale < 1) for (const a of arrays) a.mul_(scale);
      return total;
    }),
  );
}
