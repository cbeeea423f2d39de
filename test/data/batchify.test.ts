// Batching (src/data/batchify.ts, spec §7.3 Stack / Pad(pad_val=-1)) and the hand-off to tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stackFields, padFields, batchifyFields, labelToField, fieldToLabel } from '../../src/data/batchify.js';
import { fieldToTensor } from '../../src/data/batchTensors.js';

const f = (shape: number[], values: number[]) => ({ data: Float32Array.from(values), shape });

test('stack adds a batch axis and refuses different shapes', () => {
  const s = stackFields([f([2], [1, 2]), f([2], [3, 4])]);
  assert.deepEqual(s.shape, [2, 2]);
  assert.deepEqual(Array.from(s.data), [1, 2, 3, 4]);
  assert.throws(() => stackFields([f([2], [1, 2]), f([3], [1, 2, 3])]), /shapes differ/);
});

test('pad fills missing rows with -1 in every column', () => {
  const p = padFields([f([1, 3], [1, 2, 3]), f([0, 3], []), f([2, 3], [4, 5, 6, 7, 8, 9])]);
  assert.deepEqual(p.shape, [3, 2, 3]);
  assert.deepEqual(Array.from(p.data), [1, 2, 3, -1, -1, -1, -1, -1, -1, -1, -1, -1, 4, 5, 6, 7, 8, 9]);
  assert.throws(() => padFields([f([1, 3], [1, 2, 3]), f([1, 2], [1, 2])]), /beyond axis 0/);
});

test('batchify applies per-field rules; auto stacks equal shapes and pads others', () => {
  const samples = [
    [f([2], [1, 2]), f([1, 2], [9, 9])],
    [f([2], [3, 4]), f([2, 2], [8, 8, 7, 7])],
  ];
  const [a, b] = batchifyFields(samples, ['stack', { pad: -1 }]);
  assert.deepEqual(a!.shape, [2, 2]);
  assert.deepEqual(b!.shape, [2, 2, 2]);
  assert.deepEqual(Array.from(b!.data), [9, 9, -1, -1, 8, 8, 7, 7]);
  const auto = batchifyFields(samples);
  assert.deepEqual(auto.map((x) => x.shape), [[2, 2], [2, 2, 2]]);
  assert.deepEqual(Array.from(batchifyFields(samples, [{ pad: 0 }, { pad: 0 }])[1]!.data), [9, 9, 0, 0, 8, 8, 7, 7]);
});

test('labels to fields and back (padding rows dropped, short rows padded with 0)', () => {
  const lf = labelToField([[1, 2, 3, 4, 5], [6, 7, 8, 9, 0, 1]]);
  assert.deepEqual(lf.shape, [2, 6]);
  assert.deepEqual(Array.from(lf.data), [1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 0, 1]);
  const padded = padFields([lf, labelToField([])]);
  assert.deepEqual(fieldToLabel({ data: padded.data.subarray(12), shape: [2, 6] }), []);
  assert.deepEqual(fieldToLabel({ data: padded.data.subarray(0, 12), shape: [2, 6] }), [[1, 2, 3, 4, 5, 0], [6, 7, 8, 9, 0, 1]]);
});

test('a batched field becomes a float32 tensor of the same shape and values', () => {
  const s = stackFields([f([2, 2], [1, 2, 3, 4]), f([2, 2], [5, 6, 7, 8])]);
  const t = fieldToTensor(s);
  try {
    assert.deepEqual(t.shape, [2, 2, 2]);
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.toArray(), [1, 2, 3, 4, 5, 6, 7, 8]);
  } finally {
    t.dispose();
  }
});
