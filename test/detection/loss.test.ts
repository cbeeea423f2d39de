// SSDMultiBoxLoss (src/detection/loss.ts) against the reference, and its gradient against finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad, randn, tensor, zeros } from '../../src/tensor/index.js';
import { SSDMultiBoxLoss, type SSDMultiBoxLossOptions } from '../../src/detection/index.js';
import { assertClose, loadFixture } from '../helpers.js';
import { assertNoLeak, denseTargets, synth, type FixtureImage } from './synth.js';

interface LossCase {
  batch: string;
  pred_seed: number;
  box_seed: number;
  configs: { name: string; opts: SSDMultiBoxLossOptions }[];
  expected: Record<string, { sum: number[]; cls: number[]; box: number[] }>;
}

const N = 8732;
const targets = loadFixture<Record<string, { images: FixtureImage[] }>>('detection_targets.json');
const ohem = loadFixture<Record<string, { images: { pos: number[]; neg: number[]; cls: number[] }[] }>>('detection_ohem.json');

function targetsFor(batch: string) {
  if (batch === 'empty') return [zeros([2, N], { dtype: 'int64' }), zeros([2, N, 4])] as const;
  if (batch === 'ohem_random2') {
    // OHEM targets: positives and negatives from the OHEM fixture, -1 (ignore) elsewhere.
    const images = targets['random2']!.images;
    return denseTargets(images, N, -1, ohem['random2']!.images.map((im) => im.neg));
  }
  return denseTargets(targets[batch]!.images, N);
}

test('per-sample losses match the reference (batch / sample normalization, ratio, rho, lambd, min hard negatives, ignore labels)', () => {
  for (const c of loadFixture<LossCase[]>('detection_loss.json')) {
    const [clsT, boxT] = targetsFor(c.batch);
    const B = clsT.shape[0]!;
    const clsPreds = synth([B, N, 21], c.pred_seed, -5, 5);
    const boxPreds = synth([B, N, 4], c.box_seed, -3, 3);
    for (const cfg of c.configs) {
      const loss = new SSDMultiBoxLoss(cfg.opts);
      const out = assertNoLeak(() => loss.compute(clsPreds, boxPreds, clsT, boxT), 'loss');
      const e = c.expected[cfg.name]!;
      assertClose(out.sum, e.sum, 2e-5, 1e-5, `${c.batch}/${cfg.name} sum`);
      assertClose(out.cls, e.cls, 2e-5, 1e-5, `${c.batch}/${cfg.name} cls`);
      assertClose(out.box, e.box, 2e-5, 1e-5, `${c.batch}/${cfg.name} box`);
    }
  }
});

test('batch normalization divides by the batch positive count; sample normalization by each image count', () => {
  const [clsT, boxT] = denseTargets(targets['seed']!.images, N);
  const clsPreds = synth([2, N, 21], 5, -5, 5);
  const boxPreds = synth([2, N, 4], 6, -3, 3);
  const batch = new SSDMultiBoxLoss().compute(clsPreds, boxPreds, clsT, boxT);
  const sample = new SSDMultiBoxLoss({ normalization: 'sample' }).compute(clsPreds, boxPreds, clsT, boxT);
  // 13 and 23 positives, 36 in the batch
  assertClose(sample.sum.mul(tensor([13, 23])).div(36), batch.sum.toArray(), 1e-5, 0, 'rescaled');
});

test('without positives: zeros that still carry a (zero) gradient', () => {
  const clsPreds = randn([2, 10, 3]).requiresGrad_();
  const boxPreds = randn([2, 10, 4]).requiresGrad_();
  const out = new SSDMultiBoxLoss().compute(clsPreds, boxPreds, zeros([2, 10], { dtype: 'int64' }), zeros([2, 10, 4]));
  assert.ok(out.sum.toArray().every((v) => v === 0) && out.cls.toArray().every((v) => v === 0));
  out.sum.sum().backward();
  assert.equal(clsPreds.grad!.abs().sum().item(), 0);
  assert.equal(boxPreds.grad!.abs().sum().item(), 0);
});

test('the gradient w.r.t. clsPreds and boxPreds matches central finite differences', () => {
  const B = 2;
  const n = 7;
  const C1 = 4;
  const clsT = tensor([[2, 0, 0, 1, 0, 0, -1], [0, 0, 3, 0, 0, 0, 0]]);
  const boxT = randn([B, n, 4]).double();
  const cp = randn([B, n, C1]).double().mul(2).requiresGrad_();
  const bp = boxT.add(randn([B, n, 4]).double().mul(0.9)).requiresGrad_(); // both smooth-L1 branches
  for (const normalization of ['batch', 'sample'] as const) {
    const loss = new SSDMultiBoxLoss({ normalization, rho: 0.7, lambd: 1.5, negativeMiningRatio: 2 });
    cp.zeroGrad();
    bp.zeroGrad();
    loss.compute(cp, bp, clsT, boxT).sum.sum().backward();
    for (const [x, g] of [[cp, cp.grad!], [bp, bp.grad!]] as const) {
      const base = noGrad(() => x.detach().clone());
      const flat = base.toArray();
      const numeric = flat.map((_, i) => {
        const f = (delta: number) => {
          const v = flat.slice();
          v[i]! += delta;
          const t = tensor(v, { dtype: 'float64' }).reshape(base.shape);
          return noGrad(() =>
            (x === cp ? loss.compute(t, bp.detach(), clsT, boxT) : loss.compute(cp.detach(), t, clsT, boxT)).sum.sum().item(),
          );
        };
        return (f(1e-6) - f(-1e-6)) / 2e-6;
      });
      assertClose(g, numeric, 1e-5, 1e-7, `${normalization} gradient`);
      assert.ok(g.abs().sum().item() > 0);
    }
  }
});

test('input validation names the problem', () => {
  const loss = new SSDMultiBoxLoss();
  assert.throws(() => loss.compute(zeros([2, 5, 3]), zeros([2, 5, 4]), zeros([2, 4]), zeros([2, 5, 4])), /clsTargets \(2, 5\)/);
  assert.throws(() => new SSDMultiBoxLoss({ normalization: 'image' as 'batch' }), /normalization must be/);
});
