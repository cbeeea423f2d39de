// Test helper for the export tests: random batch-norm statistics and affine terms, so that an untrained SSD's
// outputs vary with the input (with the zoo's initial statistics and Uniform(0.07) defaults the demo network's
// features die at the ReLUs and every score is exactly 1/(C+1), which would make any comparison trivial).
import { noGrad, tidy, uniform } from '../../src/tensor/index.js';
import { type Block } from '../../src/nn/index.js';

export function randomizeBatchNorms(net: Block): void {
  noGrad(() => {
    for (const [name, p] of net.collectParams()) {
      const positive = name.endsWith('running_var') || name.endsWith('gamma');
      const centered = name.endsWith('beta') || name.endsWith('running_mean');
      if (positive || centered) tidy(() => void p.data().copy_(positive ? uniform([...p.shape], 0.5, 1.5) : uniform([...p.shape], -0.2, 0.2)));
    }
  });
}

/** The spread of a set of values (for asserting that outputs are not constant). */
export function spread(values: ArrayLike<number>): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]!);
    hi = Math.max(hi, values[i]!);
  }
  return hi - lo;
}
