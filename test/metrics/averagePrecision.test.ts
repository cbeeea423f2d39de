// VOC average precision from a recall/precision curve (spec §7.7): 11-point and continuous, by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { voc07AveragePrecision, vocAveragePrecision } from '../../src/metrics/index.js';

test('11-point AP takes the best precision at recall >= t for t = 0, .1, ..., 1', () => {
  // rec .5 .5 .5 1, prec 1 1 .5 2/3: six thresholds (0...0.5) see precision 1, five see 2/3.
  const rec = [0.5, 0.5, 0.5, 1];
  const prec = [1, 1, 0.5, 2 / 3];
  assert.ok(Math.abs(voc07AveragePrecision(rec, prec) - 28 / 33) < 1e-12);
  // Continuous: envelope 1 up to recall .5, 2/3 from .5 to 1.
  assert.ok(Math.abs(vocAveragePrecision(rec, prec) - 5 / 6) < 1e-12);
});

test('recall thresholds are numpy arange values: recall 0.3 does not reach t = 0.30000000000000004', () => {
  // Only the first 3 thresholds (0, .1, .2) are reached by recall 0.3.
  assert.ok(Math.abs(voc07AveragePrecision([0.3], [1]) - 3 / 11) < 1e-12);
  assert.ok(Math.abs(voc07AveragePrecision([0.4], [1]) - 5 / 11) < 1e-12);
});

test('NaN precision counts as 0; a missing curve gives NaN; an empty curve gives 0', () => {
  assert.ok(Math.abs(voc07AveragePrecision([0, 1], [NaN, 0.5]) - 0.5) < 1e-12);
  assert.ok(Math.abs(vocAveragePrecision([0, 1], [NaN, 0.5]) - 0.5) < 1e-12);
  assert.ok(Number.isNaN(voc07AveragePrecision(null, [1])));
  assert.ok(Number.isNaN(vocAveragePrecision([1], null)));
  assert.equal(voc07AveragePrecision([], []), 0);
  assert.equal(vocAveragePrecision([], []), 0);
});
