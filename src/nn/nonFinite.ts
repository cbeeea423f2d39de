// Finding NaN and infinity in a set of tensors with one host synchronization: what the training loop's
// non-finite checks and the GradScaler's overflow check share. The common case (everything finite) costs one
// reduction per tensor: a sum is NaN or infinite whenever any of its elements is (NaN and infinity propagate
// through addition, and +inf + -inf is NaN). A float32 sum of large finite values can also overflow, so a
// non-finite sum only sends the set to the exact check (isfinite().all() per tensor), which names the tensor.
import { type Tensor, noGrad, stack, tidy } from '../tensor/index.js';

type Named = readonly [string, Tensor];

/** The name of the first tensor that holds a NaN or an infinity; null if none (or no tensor was given). */
export function firstNonFinite(named: readonly (readonly [string, Tensor | null])[]): string | null {
  return noGrad(() =>
    tidy(() => {
      const list = named.filter((e): e is Named => e[1] !== null);
      if (list.length === 0) return null;
      const sums = stack(list.map(([, t]) => t.sum()));
      const totals = sums.toArray() as number[];
      if (totals.every(Number.isFinite)) return null;
      const suspects = list.filter((_, i) => !Number.isFinite(totals[i]));
      const finite = stack(suspects.map(([, t]) => t.isfinite().all())).toArray();
      const i = finite.findIndex((v) => !v);
      return i < 0 ? null : suspects[i]![0];
    }),
  );
}
