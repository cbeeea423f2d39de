// Tensor handles (native/src/handles.cc): numbers naming generation-checked slots, and the GC safety net for
// tensors no scope owns (src/tensor/tensor.ts, src/tensor/scope.ts). A stale handle must read as disposed,
// never as the slot's next tensor; an unscoped tensor that becomes unreachable undisposed must be released.
import { test } from 'node:test';
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
