// API misuse of the detection metrics (issue 9): wrong per-batch and per-image arguments to VOCMApMetric /
// VOC07MApMetric.update and COCODetectionMetric.update / updateImages are rejected with an error that names the
// function, the image, the argument and the expected shape; a rejected batch records nothing; correct inputs
// (rows, flat arrays, typed arrays, (N, 1) values) still work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zeros } from '../../src/tensor/index.js';
import { COCODetectionMetric, VOC07MApMetric, VOCMApMetric, type COCOGroundTruth } from '../../src/metrics/index.js';

type ErrorType = new (message?: string) => Error;

/** Asserts that call throws exactly `type` with every part in its message. */
function rejects(call: () => unknown, type: ErrorType, ...parts: string[]): void {
  assert.throws(call, (e: unknown) => {
    assert.ok(e instanceof Error && e.constructor === type, `expected ${type.name}, got ${String(e)}`);
    for (const p of parts) assert.ok(e.message.includes(p), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(p)}`);
    return true;
  });
}

const box = [[0, 0, 9, 9]];
const ok = { pb: [box], pl: [[0]], ps: [[0.9]], gb: [box], gl: [[0]] };
const bad = (x: unknown) => x as never;

test('VOCMApMetric / VOC07MApMetric.update: per-batch arguments are arrays with one entry per image', () => {
  for (const M of [VOCMApMetric, VOC07MApMetric]) {
    const fn = `${M.name}.update`;
    const m = new M({ classNames: ['a'] });
    rejects(() => m.update(ok.pb, bad(undefined), ok.ps, ok.gb, ok.gl), TypeError, `${fn}: predLabels must be an array with one entry per image`, 'got undefined');
    rejects(() => m.update(bad(5), ok.pl, ok.ps, ok.gb, ok.gl), TypeError, `${fn}: predBboxes must be an array with one entry per image`, 'got a number (5)');
    rejects(() => m.update(ok.pb, ok.pl, ok.ps, ok.gb, bad('0')), TypeError, `${fn}: gtLabels must be an array`, 'got a string');
    rejects(() => m.update(ok.pb, ok.pl, ok.ps, ok.gb, ok.gl, bad(1)), TypeError, `${fn}: gtDifficults must be an array`);
    rejects(() => m.update(ok.pb, [[0], [0]], ok.ps, ok.gb, ok.gl), RangeError, `${fn}: predLabels has 2 images but predBboxes has 1`);
    rejects(() => m.update(ok.pb, ok.pl, ok.ps, [box, box], [[0], [0]]), RangeError, `${fn}: gtBboxes has 2 images but predBboxes has 1`);
    const t = zeros([1, 1, 4]);
    rejects(() => m.update(bad(t), ok.pl, ok.ps, ok.gb, ok.gl), TypeError, `${fn}: predBboxes must be an array with one entry per image`, 'got a Tensor (1, 1, 4) float32', 't.tolist()');
    t.dispose();
    assert.deepEqual(m.get()[1], [NaN, NaN], 'nothing was recorded');
  }
});

test('VOC update: per-image boxes (N, 4) or 4N flat, values (N) or (N, 1), one value per box, numbers only', () => {
  const fn = 'VOC07MApMetric.update';
  const m = new VOC07MApMetric({ classNames: ['a'] });
  rejects(() => m.update([[0, 0, 1]], ok.pl, ok.ps, [[]], [[]]), RangeError, `${fn}: image 0 predBboxes: 3 numbers is not a whole number of 4-coordinate boxes`, 'expected shape (N, 4)');
  rejects(() => m.update([[[0, 0, 9, 9, 1], [0, 0, 9, 9, 1], [0, 0, 9, 9, 1], [0, 0, 9, 9, 1]]], [[0, 0, 0, 0]], [[1, 1, 1, 1]], ok.gb, ok.gl), RangeError,
    `${fn}: image 0 predBboxes: row 0 has 5 numbers; expected shape (N, 4)`);
  rejects(() => m.update(ok.pb, ok.pl, ok.ps, [[[0, 0, 9]]], ok.gl), RangeError, `${fn}: image 0 gtBboxes: row 0 has 3 numbers; expected shape (N, 4)`);
  rejects(() => m.update([null as never], ok.pl, ok.ps, ok.gb, ok.gl), TypeError, `${fn}: image 0 predBboxes: must be an array of shape (N, 4)`, 'got null');
  const t = zeros([1, 4]);
  rejects(() => m.update([bad(t)], ok.pl, ok.ps, ok.gb, ok.gl), TypeError, `${fn}: image 0 predBboxes: must be an array of shape (N, 4)`, 'got a Tensor (1, 4) float32', 't.tolist()');
  t.dispose();
  rejects(() => m.update(ok.pb, [[[0, 1]]], ok.ps, ok.gb, ok.gl), RangeError, `${fn}: image 0 predLabels: row 0 has 2 numbers; expected shape (N) or (N, 1)`);
  rejects(() => m.update(ok.pb, [[0, 1]], ok.ps, ok.gb, ok.gl), RangeError, `${fn}: image 0 predLabels: 2 values for 1 predicted boxes`, 'expected shape (1) or (1, 1) to match predBboxes (1, 4)');
  rejects(() => m.update(ok.pb, ok.pl, [[]], ok.gb, ok.gl), RangeError, `${fn}: image 0 predScores: 0 values for 1 predicted boxes`, 'expected shape (1) or (1, 1)');
  rejects(() => m.update(ok.pb, ok.pl, ok.ps, [[box[0]!, box[0]!]], ok.gl), RangeError, `${fn}: image 0 gtLabels: 1 values for 2 GT boxes`, 'expected shape (2) or (2, 1) to match gtBboxes (2, 4)');
  rejects(() => m.update(ok.pb, ok.pl, ok.ps, ok.gb, ok.gl, [[0, 1]]), RangeError, `${fn}: image 0 gtDifficults: 2 values for 1 GT boxes`, 'to match gtBboxes (1, 4)');
  rejects(() => m.update(ok.pb, [['a'] as never], ok.ps, ok.gb, ok.gl), TypeError, `${fn}: image 0 predLabels: element 0 is a string ("a"); expected numbers`);
  rejects(() => m.update(ok.pb, ok.pl, [[undefined] as never], ok.gb, ok.gl), TypeError, `${fn}: image 0 predScores: element 0 is undefined`);
  rejects(() => m.update([[[0, 0, '9', 9]] as never], ok.pl, ok.ps, ok.gb, ok.gl), TypeError, `${fn}: image 0 predBboxes: row 0 element 2 is a string`);
  rejects(() => m.update([box, [[0, 0, 1]]], [[0], [0]], [[1], [1]], [box, box], [[0], [0]]), RangeError, `${fn}: image 1 predBboxes: row 0 has 3 numbers`);
  assert.deepEqual(m.get()[1], [NaN, NaN], 'a rejected batch records nothing, not even its valid first image');

  // Correct inputs in every accepted form.
  m.update(ok.pb, ok.pl, ok.ps, ok.gb, ok.gl, [[0]]);
  m.update([new Float32Array([0, 0, 9, 9])], [[0]], [[0.8]], [[0, 0, 9, 9]], [new Float64Array([0])], [null]);
  m.update([[]], [[]], [[]], [[]], [[]]);
  assert.ok(m.get()[1].every((v) => Math.abs(v - 1) < 1e-12), `AP ${m.get()[1]}`);
  assert.deepEqual(m.numPositives(), [2]);
});

const gt: COCOGroundTruth = {
  images: [{ id: 9, width: 600, height: 450 }, { id: 4, width: 300, height: 300 }],
  categories: [{ id: 5, name: 'cat' }],
  annotations: [{ id: 1, image_id: 9, category_id: 5, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0 }],
};

test('COCODetectionMetric.update / updateImages: same checks; images are { id, width?, height? }; nothing recorded on error', () => {
  const m = new COCODetectionMetric(gt, { dataShape: 300, onWarning: () => {} });
  let fn = 'COCODetectionMetric.update';
  rejects(() => m.update(ok.pb, bad(undefined), ok.ps), TypeError, `${fn}: predLabels must be an array with one entry per image`, 'got undefined');
  rejects(() => m.update(bad(zeros([1, 1, 4])), ok.pl, ok.ps), TypeError, `${fn}: predBboxes must be an array`, 'got a Tensor (1, 1, 4)', 't.tolist()');
  rejects(() => m.update(ok.pb, [[0], [0]], ok.ps), RangeError, `${fn}: predLabels has 2 images but predBboxes has 1`);
  rejects(() => m.update([[[0, 0, 1]]], ok.pl, ok.ps), RangeError, `${fn}: image 0 predBboxes: row 0 has 3 numbers; expected shape (N, 4)`);
  rejects(() => m.update(ok.pb, ok.pl, [[0.5, 0.6]]), RangeError, `${fn}: image 0 predScores: 2 values for 1 predicted boxes`, 'expected shape (1) or (1, 1) to match predBboxes (1, 4)');
  rejects(() => m.update([[], [[0, 0, 1, 1, 1]]], [[], [0]], [[], [1]]), RangeError, `${fn}: image 1 predBboxes: row 0 has 5 numbers`);
  assert.equal(m.results().length, 0);
  m.update([[], [[0, 0, 5, 5]]], [[], [0]], [[], [0.9]]); // still at the first image: the rejected batches did not advance
  assert.deepEqual(m.results().map((r) => r.image_id), [9]);

  fn = 'COCODetectionMetric.updateImages';
  const n = new COCODetectionMetric(gt, { onWarning: () => {} });
  rejects(() => n.updateImages(bad(undefined), ok.pb, ok.pl, ok.ps), TypeError, `${fn}: images must be an array with one entry per image`, 'got undefined');
  rejects(() => n.updateImages([bad(9)], ok.pb, ok.pl, ok.ps), TypeError, `${fn}: images[0] must be { id: number, width?: number, height?: number }`, 'got a number (9)');
  rejects(() => n.updateImages([{ id: 9 }], ok.pb, [[0, 0]], ok.ps), RangeError, `${fn}: image 0 predLabels: 2 values for 1 predicted boxes`, 'to match predBboxes (1, 4)');
  rejects(() => n.updateImages([{ id: 9 }, { id: 7 }], [box, box], [[0], [0]], [[1], [1]]), RangeError, `${fn}: image 1: image id 7 is not in the ground truth`);
  assert.equal(n.results().length, 0, 'a rejected batch records nothing');
  n.updateImages([{ id: 9 }, { id: 4 }], [box, [0, 0, 3, 3]], [[0], [[0]]], [[1], new Float32Array([0.5])]);
  assert.deepEqual(n.results().map((r) => r.image_id), [9, 4]);
});
