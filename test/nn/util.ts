// Helpers shared by the src/nn tests: tensors from the fixture encoding {shape, data} and summary statistics.
import { type Tensor, tensor, tidy } from '../../src/tensor/index.js';

export interface ArraySpec {
  shape: number[];
  data: number[];
}

/** A float32 tensor from a fixture array. */
export function fromSpec(s: ArraySpec): Tensor {
  return tidy(() => tensor(s.data, { dtype: 'float32' }).reshape(s.shape));
}

export interface Stats {
  mean: number;
  std: number;
  min: number;
  max: number;
  n: number;
}

/** Population mean/std and range of all elements (computed in float64). */
export function stats(t: Tensor): Stats {
  return tidy(() => {
    const d = t.detach().double();
    return { mean: d.mean().item(), std: d.std([], false).item(), min: d.min().item(), max: d.max().item(), n: d.numel() };
  });
}
