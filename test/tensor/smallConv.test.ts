// Small convolutions without gradients (native/src/conv.cc): libtorch 1.13 sends inputs of <= 20,480 elements at
// batch 1 to its slow im2col kernel, the addon sends them to oneDNN instead. Checked against float64 convolution
// (a separate libtorch kernel), and the op trace shows which kernel ran, with and without gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conv2d, keep, manualSeed, noGrad, profileOps, randn, tidy, withConvAlgorithm, type Conv2dOptions, type Tensor } from '../../src/tensor/index.js';

interface Case { input: [number, number, number, number]; out: number; k: number; o: Conv2dOptions; bias: boolean; channelsLast?: boolean }

const CASES: Case[] = [
  { input: [1, 256, 5, 5], out: 24, k: 3, o: { padding: 1 }, bias: true }, // SSD300's 5x5 box predictor: 6 ms in the slow kernel
  { input: [1, 256, 5, 5], out: 512, k: 3, o: { stride: 2, padding: 1 }, bias: true },
  { input: [1, 128, 3, 3], out: 7, k: 3, o: { padding: 0 }, bias: false },
  { input: [1, 64, 7, 9], out: 10, k: 1, o: {}, bias: true },
  { input: [1, 32, 11, 11], out: 5, k: 3, o: { padding: 2, dilation: 2 }, bias: true },
  { input: [2, 16, 6, 6], out: 8, k: 3, o: { padding: 1 }, bias: true, channelsLast: true },
];

function tensors(c: Case): { x: Tensor; w: Tensor; b: Tensor | null } {
  const x = randn(c.input);
  return { x: c.channelsLast ? x.contiguous('channelsLast') : x, w: randn([c.out, c.input[1], c.k, c.k]).mul(0.1), b: c.bias ? randn([c.out]) : null };
}

test('small convolutions without gradients match float64 convolution', () => {
  manualSeed(3);
  for (const c of CASES) {
    tidy(() => {
      const { x, w, b } = tensors(c);
      const y = noGrad(() => conv2d(x, w, b, c.o));
      const ref = conv2d(x.double(), w.double(), b?.double() ?? null, c.o);
      assert.deepEqual(y.shape, ref.shape);
      const err = y.double().sub(ref).abs().max().item() / ref.abs().max().item();
      assert.ok(err < 1e-5, `${JSON.stringify(c)}: relative error ${err}`);
    });
  }
});

test("without gradients a batch-1 input this small runs oneDNN's kernel; with gradients libtorch still decides", () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-smallconv-'));
  try {
    const c = CASES[0]!;
    const t = keep(tidy(() => { const { x, w, b } = tensors(c); return [x, w.requiresGrad_(), b!]; }));
    const ops = (grad: boolean): Set<string> => {
      const path = join(dir, `${grad}.json`);
      profileOps(path, () => withConvAlgorithm('direct', () => tidy(() => {
        if (grad) conv2d(t[0]!, t[1]!, t[2]!, c.o).sum().backward();
        else noGrad(() => conv2d(t[0]!, t[1]!, t[2]!, c.o));
      })));
      return new Set((JSON.parse(readFileSync(path, 'utf8')) as { name: string }[]).map((e) => e.name));
    };
    const inference = ops(false);
    assert.ok(inference.has('aten::mkldnn_convolution') && !inference.has('aten::_slow_conv2d_forward'), [...inference].join(', '));
    assert.ok(ops(true).has('aten::_slow_conv2d_forward'), "with gradients: libtorch's own choice (its slow kernel for this shape)");
    t.forEach((x) => x.dispose());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
