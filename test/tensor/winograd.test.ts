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
import { caseLabel, checkAgainstFloat64, type ConvCase } from './convReference.js';

const skip = winogradAvailable() ? false : 'oneDNN Winograd is not available in this build or on this CPU';

const CASES: ConvCase[] = [
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
  const label = caseLabel(k);
  test(`winograd conv2d ${label}, ${budgetLabel}: output and gradients match float64 direct convolution`, { skip }, () => {
    const before = N.ops.setWinogradScratchBudget!(budget) as number;
    try {
      checkAgainstFloat64(k, 'winograd', 7);
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
