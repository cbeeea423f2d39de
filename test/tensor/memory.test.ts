// Deterministic memory: scopes free what they should and nothing else; dispose/using release at once; and a
// 2,000-step training loop of a small conv net runs with a flat live-tensor count and flat RSS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  tensor, ones, randn, zeros, tidy, keep, dispose, memory, conv2d, maxPool2d, noGrad, manualSeed, type Tensor,
} from '../../src/tensor/index.js';

test('tidy frees intermediates, returns results (also nested) to the caller, and respects keep()', () => {
  const base = memory().liveTensors;
  let kept!: Tensor;
  const out = tidy(() => {
    const a = ones([4]);
    const b = a.mul(2);
    kept = keep(b.add(1));
    return { sum: b.sum(), parts: [a.sub(1), new Map([['x', b.neg()]])] };
  });
  assert.equal(out.sum.item(), 8);
  assert.deepEqual(out.parts[0] instanceof Object && (out.parts[0] as Tensor).toArray(), [0, 0, 0, 0]);
  assert.equal(kept.isDisposed, false);
  // a, b freed; sum, sub, neg, kept alive.
  assert.equal(memory().liveTensors, base + 4);
  dispose([out, kept]);
  assert.equal(memory().liveTensors, base);
});

test('nested scopes move returned tensors to the parent, which frees them unless returned again', () => {
  const base = memory().liveTensors;
  const r = tidy(() => {
    const inner = tidy(() => ones([2]).add(1));
    assert.equal(inner.isDisposed, false);
    const dropped = tidy(() => ones([2]).mul(3));
    void dropped;
    return inner.mul(2);
  });
  assert.deepEqual(r.toArray(), [4, 4]);
  assert.equal(memory().liveTensors, base + 1);
  r.dispose();
  assert.equal(memory().liveTensors, base);
});

test('a throwing scope frees what it created and re-throws', () => {
  const base = memory().liveTensors;
  assert.throws(() => tidy(() => {
    ones([3]).add(1);
    throw new Error('boom');
  }), /boom/);
  assert.equal(memory().liveTensors, base);
});

test('dispose is idempotent, `using` releases at block end, and a disposed tensor errors clearly', () => {
  const base = memory().liveTensors;
  {
    using t = zeros([8]);
    assert.equal(memory().liveTensors, base + 1);
    assert.equal(t.numel(), 8);
  }
  assert.equal(memory().liveTensors, base);
  const t = tensor([1, 2]);
  t.dispose();
  t.dispose();
  assert.equal(memory().liveTensors, base);
  assert.throws(() => t.add(1), /Tensor was disposed/);
});

test('2,000 SGD steps of a small conv net keep the live-tensor count and RSS flat', () => {
  manualSeed(1);
  const params = keep([randn([8, 3, 3, 3]).mul(0.1), zeros([8]), randn([4, 8, 3, 3]).mul(0.1), zeros([4])]);
  for (const p of params) p.requiresGrad_();
  const x = keep(randn([4, 3, 16, 16]));
  const y = keep(randn([4, 4, 8, 8]));
  const live: number[] = [];
  const rss: number[] = [];
  const losses: number[] = [];
  for (let step = 0; step < 2000; step++) {
    const loss = tidy(() => {
      const h = conv2d(x, params[0]!, params[1]!, { padding: 1 }).relu();
      const p = maxPool2d(h, { kernelSize: 2, ceilMode: true });
      const o = conv2d(p, params[2]!, params[3]!, { padding: 1 });
      const l = o.sub(y).square().mean();
      l.backward();
      noGrad(() => {
        for (const w of params) {
          const g = w.grad!;
          w.sub_(g, 0.05);
          w.zeroGrad();
        }
      });
      return l.item();
    });
    losses.push(loss);
    if (step % 100 === 99) {
      live.push(memory().liveTensors);
      rss.push(process.memoryUsage.rss());
    }
  }
  assert.ok(losses[1999]! < losses[0]! * 0.9, `training reduces the loss (${losses[0]} -> ${losses[1999]})`);
  assert.ok(live.every((n) => n === live[0]), `live tensors flat: ${live.join(',')}`);
  // RSS after warm-up: allow allocator noise, not growth proportional to steps.
  const growthMB = (Math.max(...rss.slice(2)) - rss[2]!) / 2 ** 20;
  assert.ok(growthMB < 16, `RSS grew ${growthMB.toFixed(1)} MB over 1,700 steps`);
  dispose([params, x, y]);
});
