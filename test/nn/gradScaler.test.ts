// GradScaler (torch.cuda.amp.GradScaler's semantics) and createAmp: scale trajectories derived by hand from
// PyTorch's _amp_update_scale_ rule, skipped steps on inf/NaN, and updates equal to plain SGD's hand-computed ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy } from '../../src/tensor/index.js';
import { Parameter, Trainer, GradScaler, createAmp } from '../../src/nn/index.js';
import { assertClose } from '../helpers.js';

/** w = [1, 2], loss = sum(w * c) (+ inf when poisoned), so dloss/dw = c. */
function setup(o: ConstructorParameters<typeof GradScaler>[0] = {}) {
  const w = new Parameter('w', { shape: [2] });
  tidy(() => w.setData(tensor([1, 2], { dtype: 'float32' })));
  const trainer = new Trainer([w], 'sgd', { learningRate: 0.1 });
  const scaler = new GradScaler(o);
  const backward = (c: number[]) => tidy(() => scaler.scale(w.data().mul(tensor(c, { dtype: 'float32' })).sum()).backward());
  return { w, trainer, scaler, backward };
}

test('GradScaler: PyTorch defaults (2^16, x2 after 2000 good steps, x0.5 on overflow)', () => {
  const s = new GradScaler();
  assert.equal(s.getScale(), 65536);
  assert.deepEqual([s.growthFactor, s.backoffFactor, s.growthInterval], [2, 0.5, 2000]);
});

test('GradScaler: a good step applies SGD to the unscaled gradient (w - lr * c / batchSize)', () => {
  const { w, trainer, scaler, backward } = setup({ initScale: 1024 });
  backward([3, 4]);
  tidy(() => assertClose(w.grad()!, [3 * 1024, 4 * 1024], 0, 0, 'scaled grad'));
  const r = scaler.step(trainer, 2);
  scaler.update();
  assert.deepEqual(r, { applied: true, nonFinite: null });
  assertClose(w.data(), [1 - (0.1 * 3) / 2, 2 - (0.1 * 4) / 2], 1e-6, 1e-7, 'w');
});

test('GradScaler: unscale() leaves the true gradients, then step() uses batchSize as is', () => {
  const { w, trainer, scaler, backward } = setup({ initScale: 256 });
  backward([3, 4]);
  scaler.unscale(trainer);
  tidy(() => assertClose(w.grad()!, [3, 4], 0, 0, 'unscaled grad'));
  assert.throws(() => scaler.unscale(trainer), /already called/);
  scaler.step(trainer, 1);
  scaler.update();
  assertClose(w.data(), [0.7, 1.6], 1e-6, 1e-7, 'w');
});

test('GradScaler: inf/NaN gradients skip the step, drop the gradients and halve the scale', () => {
  for (const bad of [Infinity, NaN]) {
    const { w, trainer, scaler, backward } = setup({ initScale: 8 });
    backward([3, bad]);
    const r = scaler.step(trainer, 1);
    scaler.update();
    assert.deepEqual(r, { applied: false, nonFinite: 'w' });
    assertClose(w.data(), [1, 2], 0, 0, 'w unchanged');
    assert.equal(tidy(() => w.grad()?.abs().sum().item() ?? 0), 0, 'gradient dropped');
    assert.equal(scaler.getScale(), 4);
  }
});

test('GradScaler: scale trajectory over good and bad steps (growthInterval 2)', () => {
  // PyTorch's rule: overflow -> scale * 0.5, tracker 0; else tracker + 1, and at the interval scale * 2, tracker 0
  const { trainer, scaler, backward } = setup({ initScale: 16, growthInterval: 2 });
  const pattern = [true, true, true, false, true, false, false, true, true];
  const expected = [16, 32, 32, 16, 16, 8, 4, 4, 8];
  const seen = pattern.map((good) => {
    backward([1, good ? 1 : Infinity]);
    scaler.step(trainer, 1);
    scaler.update();
    return scaler.getScale();
  });
  assert.deepEqual(seen, expected);
  assert.deepEqual(scaler.stateDict(), { scale: 8, growthTracker: 0 });
});

test('GradScaler: state round trip and bad settings are rejected', () => {
  const s = new GradScaler({ growthInterval: 10 });
  s.loadStateDict({ scale: 128, growthTracker: 7 });
  assert.deepEqual(s.stateDict(), { scale: 128, growthTracker: 7 });
  assert.throws(() => s.loadStateDict({ scale: 128, growthTracker: 10 }), /growthTracker must be an integer in \[0, 10\)/);
  assert.throws(() => s.loadStateDict({ scale: 0, growthTracker: 0 }), /scale must be a positive number/);
  assert.throws(() => new GradScaler({ backoffFactor: 1 }), /backoffFactor must be a number in \(0, 1\)/);
  assert.throws(() => new GradScaler({ growthFactor: 0.5 }), /growthFactor must be a number > 1/);
  assert.throws(() => new GradScaler().update(), /call step\(\)/);
});

test('GradScaler: disabled is a pass-through', () => {
  const { w, trainer, scaler, backward } = setup({ enabled: false, initScale: 1024 });
  assert.equal(scaler.getScale(), 1);
  backward([3, 4]);
  tidy(() => assertClose(w.grad()!, [3, 4], 0, 0, 'grad'));
  scaler.step(trainer, 1);
  scaler.update();
  assertClose(w.data(), [0.7, 1.6], 1e-6, 1e-7, 'w');
});

test('createAmp: bfloat16 on the CPU needs no scaling; float16 on a CPU 1.13 build is refused naming the flag', () => {
  const amp = createAmp({ device: 'cpu', enabled: true });
  assert.equal(amp.dtype, 'bfloat16');
  assert.equal(amp.scaler.enabled, false);
  assert.equal(createAmp({ device: 'cuda:0', enabled: false }).dtype, 'float16');
  assert.equal(createAmp({ device: 'cuda:0', enabled: true }).scaler.enabled, true);
  assert.throws(() => createAmp({ device: 'cpu', enabled: true, dtype: 'float16' }), /--amp-dtype float16 on the CPU needs libtorch >= 2/);
});
