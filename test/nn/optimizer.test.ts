// SGD and Adam through the Trainer against numpy fixtures of MXNet 1.9.1's update kernels (momentum, wd added
// before momentum, lr/wd multipliers, rescale 1/batchSize, clipping), Gluon Trainer semantics, GluonCV's
// learning-rate schedules and clip_global_norm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy } from '../../src/tensor/index.js';
import {
  Parameter, Trainer, SGD, Adam, LRScheduler, LRSequential, MultiStepEpochDecay, clipGlobalNorm, init,
} from '../../src/nn/index.js';
import { assertClose, loadFixture } from '../helpers.js';
import { fromSpec, type ArraySpec } from './util.js';

interface Config { lr?: number; lrs?: number[]; momentum?: number; wd: number; lrMults: number[]; wdMults: number[]; batchSize: number; clip?: number }
interface Run { config: Config; steps: { weights: ArraySpec[]; moms?: ArraySpec[] }[] }
const F = loadFixture<{
  weights: ArraySpec[]; grads: ArraySpec[][]; sgd: Run; sgdClip: Run; sgdPlain: Run; adam: Run;
  clipGlobalNorm: { arrays: ArraySpec[]; maxNorm: number; total: number; clipped: ArraySpec[] };
}>('nn_optimizers.json');
const S = loadFixture<{ updates: number[]; warmupStep: number[]; warmupCosine: number[]; poly: number[]; trainSsdEpochs: number[] }>('nn_schedules.json');

function makeParams(cfg: Config): Parameter[] {
  return F.weights.map((w, i) => {
    const p = new Parameter(`w${i}`, { shape: w.shape, lrMult: cfg.lrMults[i], wdMult: cfg.wdMults[i] });
    tidy(() => p.setData(fromSpec(w)));
    return p;
  });
}

function setGrads(params: Parameter[], step: number): void {
  params.forEach((p, i) => tidy(() => void (p.data().grad = fromSpec(F.grads[step]![i]!))));
}

function runAndCheck(run: Run, trainer: Trainer, params: Parameter[], what: string): void {
  run.steps.forEach((expected, s) => {
    if (run.config.lrs) trainer.setLearningRate(run.config.lrs[s]!);
    setGrads(params, s);
    trainer.step(run.config.batchSize);
    params.forEach((p, i) => assertClose(p.data(), expected.weights[i]!.data, 1e-5, 1e-6, `${what} step ${s + 1} w${i}`));
    if (expected.moms && (run.config.momentum ?? 0) > 0) {
      const st = trainer.stateDict().tensors;
      params.forEach((p, i) => assertClose(st.get(`${p.name}.mom`)!, expected.moms![i]!.data, 1e-5, 1e-7, `${what} step ${s + 1} mom${i}`));
    }
  });
}

test('SGD with momentum and wd: three steps (lr changing) equal MXNet sgd_mom_update (wd before momentum, lr/wd mults, 1/batchSize)', () => {
  const c = F.sgd.config;
  const params = makeParams(c);
  const trainer = new Trainer(params, 'sgd', { learningRate: c.lrs![0], momentum: c.momentum, wd: c.wd });
  try {
    runAndCheck(F.sgd, trainer, params, 'sgd');
    assert.equal(trainer.optimizer.numUpdate, 3);
  } finally {
    trainer.dispose();
    params.forEach((p) => p.dispose());
  }
});

test('SGD clipGradient clips the rescaled gradient only; momentum 0 uses (1 - lr wd) w - lr g', () => {
  for (const [run, what] of [[F.sgdClip, 'clip'], [F.sgdPlain, 'plain']] as const) {
    const c = run.config;
    const params = makeParams(c);
    const trainer = new Trainer(params, new SGD({ learningRate: c.lrs![0], momentum: c.momentum, wd: c.wd, clipGradient: c.clip ?? null }));
    try {
      runAndCheck(run, trainer, params, what);
    } finally {
      trainer.dispose();
      params.forEach((p) => p.dispose());
    }
  }
});

test('Adam: bias correction folded into lr, wd added to the gradient (MXNet adam_update)', () => {
  const c = F.adam.config;
  const params = makeParams(c);
  const trainer = new Trainer(params, 'adam', { learningRate: c.lr, wd: c.wd });
  try {
    runAndCheck(F.adam, trainer, params, 'adam');
    assert.deepEqual(trainer.optimizer.stateNames, ['mean', 'var']);
  } finally {
    trainer.dispose();
    params.forEach((p) => p.dispose());
  }
});

test("Trainer: 'write' gradients are consumed by step, 'add' ones kept, 'null' never updated, stale ones refused", () => {
  const w = new Parameter('w', { shape: [2] });
  const a = new Parameter('a', { shape: [2], gradReq: 'add' });
  const k = new Parameter('k', { shape: [2], gradReq: 'null' });
  for (const p of [w, a, k]) p.initialize(init.One());
  const trainer = new Trainer([w, a, k], 'sgd', { learningRate: 0.5 });
  try {
    tidy(() => w.data().add(a.data()).add(k.data()).sum().backward());
    trainer.step(1);
    assert.deepEqual(w.data().toArray(), [0.5, 0.5]);
    assert.deepEqual(a.data().toArray(), [0.5, 0.5]);
    assert.deepEqual(k.data().toArray(), [1, 1], "gradReq 'null' is not updated");
    assert.equal(w.grad(), null, "'write' gradient consumed");
    assert.deepEqual(tidy(() => a.grad()!.toArray()), [1, 1], "'add' gradient kept");
    // w has no fresh gradient now
    assert.throws(() => trainer.step(1), /gradient of 1 parameter\(s\) has not been updated by backward since the last step \(w\)/);
    assert.deepEqual(a.data().toArray(), [0.5, 0.5], 'a refused step changes nothing');
    trainer.step(1, { ignoreStaleGrad: true });
    assert.deepEqual(w.data().toArray(), [0.5, 0.5]);
    assert.deepEqual(a.data().toArray(), [0, 0]);
  } finally {
    trainer.dispose();
    for (const p of [w, a, k]) p.dispose();
  }
});

test('Trainer reads an lr schedule at num_update (1 on the first step); setLearningRate then refuses', () => {
  const sched = new LRScheduler('linear', { baseLr: 0, targetLr: 0.1, niters: 11 }); // lr(T) = 0.01 T
  const p = new Parameter('w', { shape: [1] });
  p.initialize(init.Zero());
  const trainer = new Trainer([p], 'sgd', { lrScheduler: sched });
  try {
    for (const expected of [-0.01, -0.03, -0.06]) {
      tidy(() => void (p.data().grad = tensor([1], { dtype: 'float32' })));
      trainer.step(1);
      assertClose(p.data(), [expected], 1e-6, 1e-8, 'w');
    }
    assertClose([trainer.learningRate], [0.03], 1e-9, 0, 'lr at num_update 3');
    assert.throws(() => trainer.setLearningRate(1), /has an lrScheduler/);
    const plain = new Trainer([p], 'sgd', { learningRate: 0.1 });
    plain.setLearningRate(0.01);
    assert.equal(plain.learningRate, 0.01);
  } finally {
    trainer.dispose();
    p.dispose();
  }
});

test("GluonCV LRScheduler/LRSequential: linear warm-up then step or cosine, and poly (numpy fixture)", () => {
  const ipe = 10;
  const warmStep = new LRSequential([
    new LRScheduler('linear', { baseLr: 0, targetLr: 0.01, nepochs: 2, itersPerEpoch: ipe }),
    new LRScheduler('step', { baseLr: 0.01, nepochs: 10, itersPerEpoch: ipe, stepEpoch: [3, 6], stepFactor: 0.1 }),
  ]);
  const warmCos = new LRSequential([
    new LRScheduler('linear', { baseLr: 0, targetLr: 0.004, nepochs: 1, itersPerEpoch: ipe }),
    new LRScheduler('cosine', { baseLr: 0.004, targetLr: 1e-5, nepochs: 5, itersPerEpoch: ipe }),
  ]);
  const poly = new LRScheduler('poly', { baseLr: 0.02, targetLr: 0.001, niters: 37, power: 0.9 });
  assertClose(S.updates.map((u) => warmStep.at(u)), S.warmupStep, 1e-12, 1e-15, 'warm-up + step');
  assertClose(S.updates.map((u) => warmCos.at(u)), S.warmupCosine, 1e-12, 1e-15, 'warm-up + cosine');
  assertClose(S.updates.map((u) => poly.at(u)), S.poly, 1e-12, 1e-15, 'poly');
});

test("MultiStepEpochDecay reproduces train_ssd.py's epoch loop exactly (1e-3, x0.1 at 160 and 200)", () => {
  const s = new MultiStepEpochDecay({ baseLr: 0.001, steps: [200, 160], factor: 0.1 });
  assert.deepEqual(S.trainSsdEpochs.map((_, e) => s.lrAt(e)), S.trainSsdEpochs);
  assert.equal(s.epoch, 239);
});

test('clipGlobalNorm scales every array by maxNorm / (total + 1e-8) and returns total (numpy fixture)', () => {
  tidy(() => {
    const arrays = F.clipGlobalNorm.arrays.map(fromSpec);
    const total = clipGlobalNorm(arrays, F.clipGlobalNorm.maxNorm);
    assertClose([total], [F.clipGlobalNorm.total], 1e-6, 0, 'total');
    arrays.forEach((a, i) => assertClose(a, F.clipGlobalNorm.clipped[i]!.data, 1e-5, 1e-7, `clipped ${i}`));
    const small = [tensor([0.3, 0.4])];
    assertClose([clipGlobalNorm(small, 1)], [0.5], 1e-6, 0, 'small total');
    assertClose(small[0]!, [Math.fround(0.3), Math.fround(0.4)], 0, 0, 'below maxNorm: unchanged');
  });
});

test('optimizer defaults are MXNet\'s', () => {
  const s = new SGD();
  const a = new Adam();
  assert.deepEqual([s.lr, s.momentum, s.wd, s.rescaleGrad, s.clipGradient], [0.01, 0, 0, 1, null]);
  assert.deepEqual([a.lr, a.beta1, a.beta2, a.epsilon], [0.001, 0.9, 0.999, 1e-8]);
});
