// conv2d through our own Winograd F(4x4, 3x3) on BLAS products (native/src/winogradGemm.cc, 'winograd-gemm' in
// src/tensor/convAlgorithm.ts) against a float64 direct convolution: outputs and the gradients of input, weight
// and bias on odd shapes, paddings 0 and 1, whole batches and tile row by tile row; the gradients also by central
// finite differences of s = sum(y * v) (linear in x and in w, so the differences are exact up to rounding);
// and a short training run whose loss curve matches the direct kernel's.
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conv2d, fromTypedArray, manualSeed, noGrad, randn, tidy, winogradAvailable, withConvAlgorithm, type Tensor } from '../../src/tensor/index.js';
import { N } from '../../src/tensor/native.js';
import { caseLabel, checkAgainstFloat64, type ConvCase } from './convReference.js';

const CASES: ConvCase[] = [
  { n: 2, c: 64, k: 48, h: 20, w: 19, pad: 1, bias: true, grads: [true, true, true] },
  { n: 1, c: 16, k: 24, h: 7, w: 9, pad: 1, bias: true, grads: [true, true, true] },
  { n: 3, c: 5, k: 7, h: 12, w: 10, pad: 0, bias: false, grads: [true, true, false] },
  { n: 1, c: 3, k: 16, h: 3, w: 6, pad: 0, bias: true, grads: [false, true, true] },
  { n: 2, c: 16, k: 8, h: 1, w: 1, pad: 1, bias: true, grads: [true, false, false] },
];

// whole batches, and with a 1-byte budget so that every image runs one row of tiles at a time (blocks of output
// rows, summed weight gradients)
const BUDGETS: [string, number][] = [['whole batch', 64 * 2 ** 20], ['tile row by tile row', 1]];

const gemm = (x: Tensor, w: Tensor, b: Tensor | null, pad: number) => withConvAlgorithm('winograd-gemm', () => conv2d(x, w, b, { padding: pad }));

for (const k of CASES) for (const [budgetLabel, budget] of BUDGETS) {
  const label = caseLabel(k);
  test(`winograd-gemm conv2d ${label}, ${budgetLabel}: output and gradients match float64 direct convolution`, () => {
    const before = N.ops.setWinogradGemmBudget!(budget) as number;
    try {
      checkAgainstFloat64(k, 'winograd-gemm', 11);
    } finally {
      N.ops.setWinogradGemmBudget!(before);
    }
  });
}

test('winograd-gemm conv2d gradients agree with central finite differences of its own output', () => {
  tidy(() => {
    manualSeed(5);
    const [x, w, b] = [randn([2, 6, 9, 7]), randn([5, 6, 3, 3]).mul(0.2), randn([5])];
    const v = randn([2, 5, 9, 7]);
    const s = (xi: Tensor, wi: Tensor) => noGrad(() => gemm(xi, wi, b, 1).to('float64').mul(v).sum().item());
    const [xg, wg] = [x.detach().requiresGrad_(), w.detach().requiresGrad_()];
    gemm(xg, wg, b, 1).mul(v).sum().backward();
    const gx = xg.grad!.flatten().toArray() as number[];
    const gw = wg.grad!.flatten().toArray() as number[];
    // s is linear in x and in w: a step of 1 is exact up to float32 rounding of s (|s| ~ 30, rounding ~ 1e-5)
    const fd = (t: Tensor, i: number, sOf: (p: Tensor) => number) => {
      const step = new Float32Array(t.numel());
      step[i] = 1;
      const e = fromTypedArray(step, t.shape);
      return (sOf(t.add(e)) - sOf(t.sub(e))) / 2;
    };
    for (const i of [0, 17, 101, 377]) {
      const d = fd(x, i, (p) => s(p, w));
      assert.ok(Math.abs(d - gx[i]!) < 2e-3 * Math.max(1, Math.abs(gx[i]!)), `input[${i}]: finite difference ${d}, gradient ${gx[i]}`);
    }
    for (const i of [0, 44, 133, 269]) {
      const d = fd(w, i, (p) => s(x, p));
      assert.ok(Math.abs(d - gw[i]!) < 2e-3 * Math.max(1, Math.abs(gw[i]!)), `weight[${i}]: finite difference ${d}, gradient ${gw[i]}`);
    }
  });
});

/** Losses of 15 SGD steps of a two-convolution network on fixed random data, from one fixed initialisation. */
function lossCurve(algorithm: 'direct' | 'winograd-gemm'): number[] {
  return tidy(() => {
    manualSeed(21);
    const x = randn([4, 8, 13, 11]);
    const target = randn([4, 8, 13, 11]);
    const w1 = randn([16, 8, 3, 3]).mul(0.15).requiresGrad_();
    const w2 = randn([8, 16, 3, 3]).mul(0.1).requiresGrad_();
    const b1 = randn([16]).mul(0.1).requiresGrad_();
    const losses: number[] = [];
    for (let step = 0; step < 15; step++) {
      tidy(() => {
        const y = withConvAlgorithm(algorithm, () => conv2d(conv2d(x, w1, b1, { padding: 1 }).relu(), w2, null, { padding: 1 }));
        const loss = y.sub(target).square().mean();
        loss.backward();
        losses.push(loss.item());
        noGrad(() => {
          for (const p of [w1, w2, b1]) {
            p.sub_(p.grad!, 0.5);
            p.zeroGrad();
          }
        });
      });
    }
    return losses;
  });
}

test('a short training run with winograd-gemm follows the direct kernel\'s loss curve', () => {
  const direct = lossCurve('direct');
  const wino = lossCurve('winograd-gemm');
  assert.ok(direct[14]! < 0.9 * direct[0]!, `the run trains: loss ${direct[0]} -> ${direct[14]}`);
  direct.forEach((l, i) => assert.ok(Math.abs(wino[i]! - l) <= 1e-4 * l, `step ${i}: winograd-gemm loss ${wino[i]}, direct ${l}`));
  assert.ok(wino.some((l, i) => l !== direct[i]), 'bitwise the same curve: the Winograd op did not run');
});

test('winograd-gemm dispatch: ineligible convolutions stay libtorch\'s; auto takes it only without oneDNN Winograd, on large layers', () => {
  tidy(() => {
    manualSeed(3);
    const x = randn([1, 64, 19, 19]);
    const w = randn([64, 64, 3, 3]).mul(0.05);
    const libtorch = (o: { stride?: number; padding: number; dilation?: number }, xi = x, wi = w) =>
      noGrad(() => withConvAlgorithm('direct', () => conv2d(xi, wi, null, o)));
    noGrad(() => {
      for (const o of [{ stride: 2, padding: 1 }, { padding: 6, dilation: 6 }, { padding: 2 }]) {
        assert.ok(withConvAlgorithm('winograd-gemm', () => conv2d(x, w, null, o)).equal(libtorch(o)), `ineligible ${JSON.stringify(o)} stays direct`);
      }
      const [x64, w64] = [x.to('float64'), w.to('float64')];
      assert.ok(withConvAlgorithm('winograd-gemm', () => conv2d(x64, w64, null, { padding: 1 })).equal(libtorch({ padding: 1 }, x64, w64)), 'float64 stays direct');
    });
  });
  // auto's choice, in children whose oneDNN is capped at AVX2 (no Winograd there), and in this process
  const probe = `
    import { convPath } from '${new URL('../../src/tensor/convAlgorithm.js', import.meta.url).href}';
    const layer = (c, k, s, n = 1) => convPath({ batch: n, inChannels: c, outChannels: k, height: s, width: s, kernel: [3, 3], stride: [1, 1],
      padding: [1, 1], dilation: [1, 1], groups: 1, float32Cpu: true });
    console.log(JSON.stringify([layer(64, 64, 300), layer(512, 512, 38), layer(512, 512, 19), layer(512, 512, 19, 8), layer(512, 512, 10, 8),
      layer(128, 128, 150), layer(512, 84, 38, 8), layer(1024, 126, 19, 8), layer(512, 16, 38), layer(3, 64, 300)]));`;
  const run = (env: Record<string, string>) => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8', env: { ...process.env, SSDKIT_CONV: '', ...env } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as string[];
  };
  const g = 'winograd-gemm';
  for (const threads of ['1', '2']) {
    assert.deepEqual(run({ DNNL_MAX_CPU_ISA: 'AVX2', SSDKIT_THREADS: threads }), [g, g, 'direct', g, 'direct', g, 'direct', 'direct', 'direct', 'direct'], `${threads} thread(s)`);
  }
  if (winogradAvailable()) assert.ok(!run({}).includes(g), 'with oneDNN Winograd, auto never takes winograd-gemm');
});

test('the addon\'s at::parallel_for runs on libtorch\'s threads (the addon is built with OpenMP), so winograd-gemm\'s blocks do too', () => {
  // ATen's parallel_for is a header template: compiled without -fopenmp it runs serially at any thread count, and
  // winograd-gemm with two threads took as long as with one
  const probe = `import { N } from '${new URL('../../src/tensor/native.js', import.meta.url).href}';
    console.log(JSON.stringify([N.ops.parallelForThreads(8), N.ops.parallelForThreads(1)]));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8', env: { ...process.env, SSDKIT_THREADS: '2' } });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [2, 1], 'threads that ran 8 chunks, and 1 chunk, with SSDKIT_THREADS=2');
});
