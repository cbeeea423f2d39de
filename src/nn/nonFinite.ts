// Finding NaN and infinity in a set of tensors with one host synchronization (one isfinite().all() per tensor,
// stacked, read once): what the training loop's non-finite checks and the GradScaler's overflow check share.
import { type Tensor, noGrad, stack, tidy } from '../tensor/index.js';

/** The name of the first tensor that holds a NaN or an infinity; null if none (or no tensor was given). */
export function firstNonFinite(named: readonly (readonly [string, Tensor | null])[]): string | null {
  return noGrad(() =>
    tidy(() => {
      const list = named.filter((e): e is readonly [string, Tensor] => e[1] !== null);
      if (list.length === 0) return null;
      const finite = stack(list.map(([, t]) => t.isfinite().all())).toArray();
      const i = finite.findIndex((v) => !v);
      return i < 0 ? null : list[i]![0];
    }),
  );
}
