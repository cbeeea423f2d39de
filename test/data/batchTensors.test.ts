// batchToTensors (src/data/batchTensors.ts): a loader batch's fields as tensors straight from the samples'
// arrays must equal batchify's fields (gluoncv/data/batchify.py Stack and Pad), for stacked, auto and padded
// fields, and refuse to stack samples whose shapes differ, as batchify does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchToTensors } from '../../src/data/batchTensors.js';
import { batchifyFields, type BatchifySpec } from '../../src/data/batchify.js';
import type { Field } from '../../src/data/types.js';

const field = (shape: number[], start: number): Field => ({ data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => start + i * 0.5), shape });

test('batchToTensors equals batchify: stack, auto (equal and unequal shapes) and pad', () => {
  const samples: Field[][] = [
    [field([2, 3], 0), field([1, 6], 10), field([4], 20), field([2, 6], 30)],
    [field([2, 3], 100), field([3, 6], 110), field([4], 120), field([1, 6], 130)],
  ];
  const batchify: BatchifySpec[] = ['stack', 'auto', 'auto', { pad: 7 }];
  const want = batchifyFields(samples, batchify);
  const got = batchToTensors({ samples, batchify });
  try {
    got.forEach((t, k) => {
      assert.deepEqual(t.shape, want[k]!.shape, `field ${k} shape`);
      assert.deepEqual(Array.from(t.toTypedArray() as Float32Array), Array.from(want[k]!.data), `field ${k} values`);
    });
    assert.equal(got[1]!.toTypedArray()[6], -1, "auto pads unequal objects with -1, GluonCV's Pad(pad_val=-1)");
  } finally {
    got.forEach((t) => t.dispose());
  }
});

test('batchToTensors refuses to stack samples of different shapes, naming the field', () => {
  const samples: Field[][] = [[field([2, 3], 0)], [field([3, 3], 0)]];
  assert.throws(() => batchToTensors({ samples, batchify: ['stack'] }), /stack: field 0 shapes differ: \[2,3\] \[3,3\]/);
});
