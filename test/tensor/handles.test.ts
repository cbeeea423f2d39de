// Tensor handles (native/src/handles.cc): numbers naming generation-checked slots, and the GC safety net for
// tensors no scope owns (src/tensor/tensor.ts, src/tensor/scope.ts). A stale handle must read as disposed,
// never as the slot's next tensor; an unscoped tensor that becomes unreachable undisposed must be released, and
// V8 must hear of the bytes of those tensors (so it collects them without being told) but not of scoped ones.
import { test } from 'node:test';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { keep, memory, ones, tidy, zeros } from '../../src/tensor/index.js';
import { N } from '../../src/tensor/native.js';

test('a disposed handle reads as disposed, also after its slot holds a new tensor', () => {
  const t = ones([2]);
  const stale = t.handle;
  t.dispose();
  assert.equal(N.isDisposed(stale), true);
  const next = zeros([3]); // reuses the freed slot
  try {
    assert.equal(N.isDisposed(stale), true);
    assert.throws(() => N.ops.numel!(stale), /argument 0: tensor was disposed/);
    assert.equal(N.ops.numel!(next.handle), 3);
    N.dispose(stale); // a no-op: it must not free the slot's new tensor
    assert.equal(N.isDisposed(next.handle), false);
  } finally {
    next.dispose();
  }
  assert.throws(() => N.ops.numel!(12345), /argument 0: expected a tensor/);
  assert.throws(() => N.ops.numel!({}), /argument 0: expected a tensor/);
});

test('tensors no scope owns are released by the GC once unreachable; scoped and kept ones are not lost', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const base = memory().liveTensors;
  const kept = keep(tidy(() => ones([4]).add(1)));
  (() => {
    for (let i = 0; i < 50; i++) ones([8]); // unscoped, never disposed, unreachable after this function
    tidy(() => ones([8]).mul(2)); // returned from the outermost scope: unscoped too
  })();
  assert.equal(memory().liveTensors, base + 52);
  for (let i = 0; i < 20 && memory().liveTensors > base + 1; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(memory().liveTensors, base + 1, 'the unreachable tensors were released; the kept one was not');
  assert.deepEqual(kept.toArray(), [2, 2, 2, 2]);
  kept.dispose();
  assert.equal(memory().liveTensors, base);
});

/** Counts V8's full (mark-compact) collections, started incrementally or not, while `body` runs. */
async function fullGCsDuring(body: () => Promise<void>): Promise<number> {
  let n = 0;
  const full = [constants.NODE_PERFORMANCE_GC_MAJOR, constants.NODE_PERFORMANCE_GC_INCREMENTAL];
  const obs = new PerformanceObserver((l) => {
    for (const e of l.getEntries()) if (full.includes((e as { detail?: { kind?: number } }).detail?.kind ?? -1)) n++;
  });
  obs.observe({ entryTypes: ['gc'] });
  await body();
  await new Promise((resolve) => setTimeout(resolve, 20)); // the observer hears of GCs asynchronously
  obs.disconnect();
  return n;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test("V8 hears of the bytes of tensors the GC owns, so it collects them unprompted, and not of scoped tensors'", async () => {
  // 40 steps that each make and free 128 MiB in a scope: V8 has nothing to collect. When every tensor's bytes were
  // reported, this ran ~50 full GCs (a training step's activations made V8 collect every other step).
  const scoped = await fullGCsDuring(async () => {
    for (let i = 0; i < 40; i++) {
      tidy(() => void zeros([16 * 2 ** 20]).add(1));
      await turn();
    }
  });
  assert.ok(scoped <= 3, `${scoped} full GCs while only scoped tensors came and went`);
  // 60 unscoped 16 MiB tensors dropped undisposed, with no gc() call: V8 must collect them as their bytes add up.
  const base = memory().liveTensors;
  let most = 0;
  const unscoped = await fullGCsDuring(async () => {
    for (let i = 0; i < 60; i++) {
      zeros([4 * 2 ** 20]);
      await turn();
      most = Math.max(most, memory().liveTensors - base);
    }
  });
  assert.ok(unscoped >= 2, `only ${unscoped} full GCs while 960 MiB of unreachable tensors piled up`);
  assert.ok(most <= 30, `${most} of 60 unreachable 16 MiB tensors were alive at once`);
});
