// Shared by the Winograd tests (winograd.test.ts: oneDNN's; winogradGemm.test.ts: ours over BLAS): a 3x3 stride-1
// float32 convolution through one algorithm against libtorch's float64 direct convolution — output (relative
// error < 1e-5), proof that the algorithm ran (not bitwise the direct float32 kernel), and the gradients of input,
// weight and bias of s = sum(y * v) (relative error < 1e-4; none for a leaf that does not require one).
import assert from 'node:assert/strict';
import { conv2d, manualSeed, noGrad, randn, tidy, withConvAlgorithm, type ConvAlgorithm, type Tensor } from '../../src/tensor/index.js';

/** max |a - b| / max |b|. */
export function relErr(a: Tensor, b: Tensor): number {
  return tidy(() => a.to('float64').sub(b).abs().max().item() / Math.max(b.abs().max().item(), 1e-30));
}

export interface ConvCase {
  n: number;
  c: number;
  k: number;
  h: number;
  w: number;
  pad: number;
  bias: boolean;
  /** Which of input, weight, bias require gradients. */
  grads: [boolean, boolean, boolean];
}

export function caseLabel(k: ConvCase): string {
  return `(${k.n},${k.c},${k.h},${k.w}) * (${k.k},${k.c},3,3) pad ${k.pad}${k.bias ? '' : ' no bias'} grads [${k.grads}]`;
}

/** Runs one case through `algorithm` and checks it against float64 direct convolution (see the file header). */
export function checkAgainstFloat64(k: ConvCase, algorithm: ConvAlgorithm, seed: number): void {
  tidy(() => {
    manualSeed(seed);
    const x = randn([k.n, k.c, k.h, k.w]);
    const w = randn([k.k, k.c, 3, 3]).mul(1 / Math.sqrt(9 * k.c));
    const b = k.bias ? randn([k.k]) : null;
    const [oh, ow] = [k.h + 2 * k.pad - 2, k.w + 2 * k.pad - 2];
    const v = randn([k.n, k.k, oh, ow]); // s = sum(y * v): every output's gradient matters
    const leaves = (dtype: 'float32' | 'float64') => {
      const [xi, wi, bi] = [x, w, b].map((t) => (t === null ? null : t.to(dtype).detach()));
      [xi, wi, bi].forEach((t, i) => t?.requiresGrad_(k.grads[i]!));
      return [xi!, wi!, bi] as const;
    };
    const [x32, w32, b32] = leaves('float32');
    const y32 = withConvAlgorithm(algorithm, () => conv2d(x32, w32, b32, { padding: k.pad }));
    const [x64, w64, b64] = leaves('float64');
    const y64 = conv2d(x64, w64, b64, { padding: k.pad });
    assert.deepEqual(y32.shape, [k.n, k.k, oh, ow]);
    assert.ok(relErr(y32, y64) < 1e-5, `output relative error ${relErr(y32, y64)}`);
    // The algorithm really ran: its float32 rounding differs from libtorch's direct float32 kernel.
    const direct32 = withConvAlgorithm('direct', () => noGrad(() => conv2d(x32, w32, b32, { padding: k.pad })));
    assert.ok(!y32.equal(direct32), `${algorithm} output is bitwise the direct kernel: the ${algorithm} op did not run`);

    y32.mul(v).sum().backward();
    y64.mul(v.to('float64')).sum().backward();
    ([['input', x32, x64], ['weight', w32, w64], ['bias', b32, b64]] as const).forEach(([name, a, ref], i) => {
      if (a === null || ref === null) return;
      if (!k.grads[i]) return assert.equal(a.grad, null, `${name} does not require grad, yet got one`);
      assert.deepEqual(a.grad!.shape, ref.grad!.shape, `${name} gradient shape`);
      const e = relErr(a.grad!, ref.grad!);
      assert.ok(e < 1e-4, `${name} gradient relative error ${e}`);
    });
  });
}
