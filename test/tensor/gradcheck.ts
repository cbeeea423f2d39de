// Gradient checking by central finite differences in float64, compared with autograd's backward().
//
// The function's output is reduced to the scalar s = sum(fn(x) * v) with a fixed pseudo-random v (so every output
// element's gradient matters), then ds/dx from backward() is compared elementwise with
// (s(x + eps e_i) - s(x - eps e_i)) / (2 eps). The finite differences evaluate fn on zero-copy tensors over the
// input buffers, under noGrad, one element at a time.
//
//   gradcheck((x, w) => conv2d(x, w, null, { padding: 6, dilation: 6 }), [x, w]);
import { fromTypedArray, noGrad, tidy, type Tensor } from '../../src/tensor/index.js';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Allowed |analytic - numeric| is atol + rtol * |numeric| (defaults 1e-6 and 1e-4). */
  atol?: number;
  rtol?: number;
}

export interface GradcheckReport {
  /** Per input, ds/dx from backward(). */
  analytic: number[][];
  /** Per input, ds/dx from central differences. */
  numeric: number[][];
  /** The largest |analytic - numeric| over all elements. */
  maxAbsError: number;
}

/** Deterministic pseudo-random numbers in [-1, 1) (a 32-bit LCG; does not touch libtorch's generator). */
export function lcgValues(n: number, seed = 1): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** n distinct values (k - n/2) * step in a pseudo-random order: inputs without ties, for max pooling. */
export function distinctValues(n: number, step = 0.125, seed = 7): Float64Array {
  const order = Array.from(lcgValues(n, seed), (r, i) => [r, i] as const).sort((a, b) => a[0] - b[0]);
  return Float64Array.from(order, ([, i]) => (i - Math.floor(n / 2)) * step);
}

/** Checks backward() against central differences; throws an Error naming the worst mismatches. */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): GradcheckReport {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-6;
  const rtol = options.rtol ?? 1e-4;
  for (const t of inputs) {
    if (t.dtype !== 'float64') throw new TypeError(`gradcheck: inputs must be float64, got ${t.dtype}`);
  }
  const shapes = inputs.map((t) => t.shape);
  const bufs = inputs.map((t) => Float64Array.from(t.toTypedArray() as Float64Array));

  const report = tidy(() => {
    const outShape = noGrad(() => fn(...inputs).shape);
    const v = fromTypedArray(lcgValues(outShape.reduce((a, b) => a * b, 1), 12345), outShape);

    const leaves = bufs.map((b, k) => fromTypedArray(b, shapes[k], { copy: true }).requiresGrad_());
    const s = fn(...leaves).mul(v).sum();
    s.backward();
    const analytic = leaves.map((l, k) => l.grad?.toArray() ?? new Array<number>(bufs[k]!.length).fill(0));

    const views = bufs.map((b, k) => fromTypedArray(b, shapes[k]));
    const value = (): number => noGrad(() => tidy(() => fn(...views).mul(v).sum().item()));
    const numeric = bufs.map((b) => {
      const g = new Array<number>(b.length);
      for (let i = 0; i < b.length; i++) {
        const x0 = b[i]!;
        b[i] = x0 + eps;
        const up = value();
        b[i] = x0 - eps;
        const down = value();
        b[i] = x0;
        g[i] = (up - down) / (2 * eps);
      }
      return g;
    });
    return { analytic, numeric };
  });

  let maxAbsError = 0;
  const bad: string[] = [];
  report.numeric.forEach((num, k) =>
    num.forEach((n, i) => {
      const a = report.analytic[k]![i]!;
      const err = Math.abs(a - n);
      maxAbsError = Math.max(maxAbsError, err);
      if (!(err <= atol + rtol * Math.abs(n))) bad.push(`input ${k} [${i}]: backward ${a}, finite difference ${n}`);
    }),
  );
  if (bad.length > 0) {
    throw new Error(`gradcheck: ${bad.length} gradient elements disagree; first: ${bad.slice(0, 5).join('; ')}`);
  }
  return { ...report, maxAbsError };
}
