// conv2d through oneDNN's Winograd algorithm (native/src/winograd.cc, src/tensor/convAlgorithm.ts) against a
// float64 direct convolution (libtorch's, itself checked by finite differences in autograd.test.ts): outputs and
// the gradients of input, weight and bias for several shapes, paddings, batch sizes, with and without bias and
// with only some inputs requiring gradients, whole batches and image by image; the dispatch ('direct' is libtorch's kernel bitwise, 'auto' takes
// Winograd only for large layers, ineligible convolutions never take it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  conv2d, manualSeed, noGrad, randn, setConvAlgorithm, tidy, winogradAvailable, withConvAlgorithm, type ConvAlgorithm, type Tensor,
} from '../../src/tensor/index.js';
import { N } from '../../src/tensor/native.js';

const skip = winogradAvailable() ? false : 'oneDNN Winograd is not available in this build or on this CPU';

/** max |a - b| / max |b|. */
function relErr(a: Tensor, b: Tensor): number {
  return tidy(() => a.to('float64').sub(b).abs().max().item() / Math.max(b.abs().max().item(), 1e-30));
}

interface Case {
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

const CASES: Case[] = [
  { n: 2, c: 64, k: 64, h: 20, w: 20, pad: 1, bias: true, grads: [true, true, true] },
  { n: 1, c: 16, k: 24, h: 7, w: 9, pad: 1, bias: true, grads: [true, true, true] },
  { n: 3, c: 32, k: 84, h: 12, w: 10, pad: 0, bias: false, grads: [true, true, false] },
  { n: 1, c: 48, k: 16, h: 5, w: 6, pad: 0, bias: true, grads: [false, true, true] },
  { n: 2, c: 16, k: 32, h: 11, w: 11, pad: 1, bias: true, grads: [true, false, false] },
];

// Each case runs twice: whole batches, and with a 1-byte scratchpad budget, so that every batch runs image by
// image (chunked outputs, summed weight gradients).
const SCRATCH_BUDGETS: [string, number][] = [['whole batch', 128 * 2 ** 20], ['image by image', 1]];

for (const k of CASES) for (const [budgetLabel, budget] of SCRATCH_BUDGETS) {
  const label = `(${k.n},${k.c},${k.h},${k.w}) * (${k.k},${k.c},3,3) pad ${k.pad}${k.bias ? '' : ' no bias'} grads [${k.grads}]`;
  test(`winograd conv2d ${label}, ${budgetLabel}: output and gradients match float64 direct convolution`, { skip }, () => {
    const before = N.ops.setWinogradScratchBudget!(budget) as number;
    try {
      tidy(() => {
        manualSeed(7);
        const x = randn([k.n, k.c, k.h, k.w]);
        const w = randn([k.k, k.c, 3, 3]).mul(1 / Math.sqrt(9 * k.c));
        const b = k.bias ? randn([k.k]) : null;
        const oh = k.h + 2 * k.pad - 2;
        const ow = k.w + 2 * k.pad - 2;
        const v = randn([k.n, k.k, oh, ow]); // s = sum(y * v): every output's gradient matters

        const leaves = (dtype: 'float32' | 'float64') => {
          const [xi, wi, bi] = [x, w, b].map((t) => (t === null ? null : t.to(dtype).detach()));
          [xi, wi, bi].forEach((t, i) => t?.requiresGrad_(k.grads[i]!));
          return [xi!, wi!, bi] as const;
        };
        const [x32, w32, b32] = leaves('float32');
        const y32 = withConvAlgorithm('winograd', () => conv2d(x32, w32, b32, { padding: k.pad }));
        const [x64, w64, b64] = leaves('float64');
        const y64 = conv2d(x64, w64, b64, { padding: k.pad });
        assert.deepEqual(y32.shape, [k.n, k.k, oh, ow]);
        assert.ok(relErr(y32, y64) < 1e-5, `output relative error ${relErr(y32, y64)}`);
        // Winograd really ran: its float32 rounding differs from libtorch's direct float32 kernel
        const direct32 = withConvAlgorithm('direct', () => noGrad(() => conv2d(x32, w32, b32, { padding: k.pad })));
        assert.ok(!y32.equal(direct32), 'winograd output is bitwise the direct kernel: the Winograd op did not run');

        y32.mul(v).sum().backward();
        y64.mul(v.to('float64')).sum().backward();
        const pairs: [string, Tensor | null, Tensor | null][] = [['input', x32, x64], ['weight', w32, w64], ['bias', b32, b64]];
        pairs.forEach(([name, a, ref], i) => {
          if (a === null || ref === null) return;
          if (!k.grads[i]) {
            assert.equal(a.grad, null, `${name} does not require grad, yet got one`);
            return;
          }
          const ga = a.grad!;
          const gr = ref.grad!;
          assert.deepEqual(ga.shape, gr.shape, `${name} gradient shape`);
          const e = relErr(ga, gr);
          assert.ok(e < 1e-4, `${name} gradient relative error ${e}`);
        });
      });
    } finally {
      N.ops.setWinogradScratchBudget!(before);
    }
  });
}

test('conv algorithm dispatch: direct is libtorch bitwise; auto takes Winograd only for large layers; strided/dilated never', { skip }, () => {
  tidy(() => {
    manualSeed(3);
    const libtorch = (x: Tensor, w: Tensor, o: { stride?: number; padding: number; dilation?: number }) =>
      noGrad(() => new (x.constructor as new (h: unknown) => Tensor)(
        N.ops.conv2d!(x.handle, w.handle, null, [o.stride ?? 1, o.stride ?? 1], [o.padding, o.padding], [o.dilation ?? 1, o.dilation ?? 1], 1),
      ));
    const big = randn([1, 64, 19, 19]);
    const wBig = randn([64, 64, 3, 3]).mul(0.05);
    const small = randn([1, 32, 19, 19]);
    const wSmall = randn([64, 32, 3, 3]).mul(0.05);
    noGrad(() => {
      assert.ok(withConvAlgorithm('direct', () => conv2d(big, wBig, null, { padding: 1 })).equal(libtorch(big, wBig, { padding: 1 })));
      assert.ok(!withConvAlgorithm('auto', () => conv2d(big, wBig, null, { padding: 1 })).equal(libtorch(big, wBig, { padding: 1 })), 'auto: 64 channels at 19x19 takes Winograd');
      assert.ok(withConvAlgorithm('auto', () => conv2d(small, wSmall, null, { padding: 1 })).equal(libtorch(small, wSmall, { padding: 1 })), 'auto: 32 input channels stay direct');
      assert.ok(!withConvAlgorithm('winograd', () => conv2d(small, wSmall, null, { padding: 1 })).equal(libtorch(small, wSmall, { padding: 1 })), 'winograd: every eligible layer');
      for (const o of [{ stride: 2, padding: 1 }, { padding: 6, dilation: 6 }, { padding: 2 }]) {
        assert.ok(withConvAlgorithm('winograd', () => conv2d(big, wBig, null, o)).equal(libtorch(big, wBig, o)), `ineligible ${JSON.stringify(o)} stays direct`);
      }
      // float64 is never Winograd's
      const b64 = big.to('float64');
      const w64 = wBig.to('float64');
      assert.ok(withConvAlgorithm('winograd', () => conv2d(b64, w64, null, { padding: 1 })).equal(libtorch(b64, w64, { padding: 1 })));
    });
  });
});

test('setConvAlgorithm rejects unknown names', () => {
  assert.throws(() => setConvAlgorithm('fast' as ConvAlgorithm), /setConvAlgorithm: expected one of auto, direct, winograd, winograd-gemm, got fast/);
});
