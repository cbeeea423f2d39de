// VOC07MApMetric / VOCMApMetric (spec §7.7): hand-derived cases (difficult objects, duplicates, the +1 IoU
// convention, padding, classes without GT) and random scenes against the numpy transcription of GluonCV's
// voc_detection.py (scripts/fixtures/make_metric_fixtures.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VOC07MApMetric, VOCMApMetric, descendingOrder } from '../../src/metrics/index.js';
import { assertClose, loadFixture } from '../helpers.js';
import { nums } from './fixtures.js';

// One class: GT A, B and a difficult D. By score: TP on A, a hit on D (ignored), a duplicate on A (FP), TP on B.
// Matches [1, -1, 0, 1], n_pos 2: prec 1 1 .5 2/3, rec .5 .5 .5 1 -> 11-point 28/33, continuous 5/6.
const gtBoxes = [[0, 0, 9, 9], [50, 50, 59, 59], [100, 100, 109, 109], [-1, -1, -1, -1]];
const gtLabels = [[0], [0], [0], [-1]];
const gtDifficult = [[0], [0], [1], [-1]];
// Given out of score order, with a padding row.
const predBoxes = [[50, 50, 59, 59], [-1, -1, -1, -1], [1, 1, 9, 9], [0, 0, 9, 9], [100, 100, 109, 109]];
const predLabels = [0, -1, 0, 0, 0];
const predScores = [0.6, -1, 0.7, 0.9, 0.8];

test('hand case: difficult GT ignored, duplicate is FP, exact AP for both variants', () => {
  for (const [M, expected] of [[VOC07MApMetric, 28 / 33], [VOCMApMetric, 5 / 6]] as const) {
    const m = new M({ classNames: ['thing'] });
    m.update([predBoxes], [predLabels], [predScores], [gtBoxes], [gtLabels], [gtDifficult]);
    const [names, values] = m.get();
    assert.deepEqual(names, ['thing', 'mAP']);
    assert.ok(Math.abs(values[0]! - expected) < 1e-12, `${M.name}: ${values[0]} vs ${expected}`);
    assert.ok(Math.abs(values[1]! - expected) < 1e-12);
    assert.deepEqual(m.numPositives(), [2]);
    const [c] = m.curves();
    assertClose(c!.recall, [0.5, 0.5, 0.5, 1], 0, 1e-12, 'recall');
    assertClose(c!.precision, [1, 1, 0.5, 2 / 3], 0, 1e-12, 'precision');
  }
});

test('without difficult flags the difficult GT counts: the hit on D becomes a TP', () => {
  const m = new VOCMApMetric({ classNames: ['thing'] });
  m.update([predBoxes], [predLabels], [predScores], [gtBoxes], [gtLabels]);
  // matches [1, 1, 0, 1] over n_pos 3: prec 1 1 2/3 3/4, rec 1/3 2/3 2/3 1 -> 2/3 * 1 + 1/3 * 3/4
  assert.ok(Math.abs(m.get()[1][0]! - (2 / 3 + 1 / 4)) < 1e-12);
  assert.deepEqual(m.numPositives(), [3]);
});

test('the +1 convention: IoU (with +1) 9/16 >= .5 is a match although the plain IoU is 4/9', () => {
  const m = new VOC07MApMetric({ classNames: ['a'] });
  m.update([[[0, 0, 2, 2]]], [[0]], [[0.9]], [[[0, 0, 3, 3]]], [[0]]);
  assert.ok(Math.abs(m.get()[1][0]! - 1) < 1e-12); // eleven times 1/11
  const strict = new VOC07MApMetric({ classNames: ['a'], iouThresh: 0.6 }); // 0.5625 < 0.6
  strict.update([[[0, 0, 2, 2]]], [[0]], [[0.9]], [[[0, 0, 3, 3]]], [[0]]);
  assert.equal(strict.get()[1][0], 0);
});

test('classes without GT are NaN and left out of mAP; labels are per class', () => {
  const m = new VOC07MApMetric({ classNames: ['a', 'b', 'c', 'd'] });
  m.update(
    [[[0, 0, 9, 9], [20, 20, 29, 29], [0, 0, 9, 9]], [[5, 5, 15, 15]]],
    [[0, 1, 3], [2]],
    [[0.9, 0.8, 0.7], [0.5]],
    [[[0, 0, 9, 9], [40, 40, 49, 49]], [[5, 5, 15, 15]]],
    [[0, 3], [2]],
    [[1, 0], null], // class a: its only GT is difficult -> n_pos 0 -> NaN
  );
  const [names, values] = m.get();
  assert.deepEqual(names, ['a', 'b', 'c', 'd', 'mAP']);
  assert.ok(Number.isNaN(values[0]!), 'a: only a difficult GT');
  assert.ok(Number.isNaN(values[1]!), 'b: predictions but no GT');
  assert.ok(Math.abs(values[2]! - 1) < 1e-12, 'c: one exact hit');
  assert.equal(values[3], 0, 'd: its one prediction misses its GT (it sits on the class-a box)');
  assert.ok(Math.abs(values[4]! - 0.5) < 1e-12, 'mAP over c and d only');
});

test('class with GT but no predictions has AP 0; a prediction below the IoU threshold is a FP', () => {
  const m = new VOCMApMetric({ classNames: ['a', 'b'] });
  m.update([[[0, 0, 9, 9]]], [[0]], [[0.9]], [[[30, 30, 39, 39], [60, 60, 69, 69]]], [[0, 1]]);
  assert.deepEqual(m.get()[1], [0, 0, 0]);
});

test('score ties follow numpy argsort()[::-1] twice: same image keeps input order, later image first', () => {
  assert.deepEqual(descendingOrder([0.5, 0.9, 0.5, 0.1]), [1, 2, 0, 3]);
  // Same image, tied TP (first) and FP (second): reversed per image, reversed again globally -> TP first -> AP 1.
  const same = new VOCMApMetric({ classNames: ['a'] });
  same.update([[[0, 0, 9, 9], [50, 50, 59, 59]]], [[0, 0]], [[0.5, 0.5]], [[[0, 0, 9, 9]]], [[0]]);
  assert.equal(same.get()[1][0], 1);
  // TP on image 0, tied FP on image 1: the later image's FP counts first -> prec 0, .5 at rec 0, 1 -> AP .5.
  const across = new VOCMApMetric({ classNames: ['a'] });
  across.update([[[0, 0, 9, 9]], [[50, 50, 59, 59]]], [[0], [0]], [[0.5], [0.5]], [[[0, 0, 9, 9]], []], [[0], []]);
  assert.equal(across.get()[1][0], 0.5);
});

test('input forms: flat typed arrays equal nested rows; batching and reset do not change results', () => {
  const a = new VOC07MApMetric({ classNames: ['thing'] });
  a.update([Float32Array.from(predBoxes.flat())], [Int32Array.from(predLabels)], [Float64Array.from(predScores)],
    [gtBoxes.flat()], [gtLabels.flat()], [gtDifficult.flat()]);
  assert.ok(Math.abs(a.get()[1][0]! - 28 / 33) < 1e-7); // float32 boxes, exact integers: same matches
  a.reset();
  assert.ok(a.get()[1].every(Number.isNaN), 'after reset nothing is known');
  a.update([predBoxes], [predLabels], [predScores], [gtBoxes], [gtLabels], [gtDifficult]);
  assert.ok(Math.abs(a.get()[1][0]! - 28 / 33) < 1e-12);
});

test('shape errors name the argument and image', () => {
  const m = new VOCMApMetric({ classNames: ['a'] });
  assert.throws(() => m.update([[0, 0, 1]], [[0]], [[1]], [[]], [[]]), /image 0 predBboxes: 3 numbers/);
  assert.throws(() => m.update([[0, 0, 1, 1]], [[0, 1]], [[1]], [[]], [[]]), /predLabels: 2 values for 1 predicted boxes/);
  assert.throws(() => m.update([[0, 0, 1, 1]], [[0]], [[1]], [[], []], [[], []]), /gtBboxes has 2 images but predBboxes has 1/);
  assert.throws(() => new VOCMApMetric({} as never), /classNames/);
});

interface VocImage {
  gt_bboxes: number[][];
  gt_labels: number[];
  gt_difficults?: number[];
  pred_bboxes: number[][];
  pred_labels: number[];
  pred_scores: number[];
}
interface VocCase {
  name: string;
  iou_thresh: number;
  class_names: string[];
  batch: number;
  images: VocImage[];
  names: string[];
  voc07: (number | string)[];
  voc: (number | string)[];
  curves: ({ recall: number[]; precision: (number | string)[] } | null)[];
}

test('random scenes agree with the numpy reference of GluonCV (per class, NaN classes, mAP)', () => {
  const { cases } = loadFixture<{ cases: VocCase[] }>('metrics_voc.json');
  assert.equal(cases.length, 2);
  for (const c of cases) {
    const m07 = new VOC07MApMetric({ classNames: c.class_names, iouThresh: c.iou_thresh });
    const m = new VOCMApMetric({ classNames: c.class_names, iouThresh: c.iou_thresh });
    for (let s = 0; s < c.images.length; s += c.batch) {
      const b = c.images.slice(s, s + c.batch);
      for (const metric of [m07, m]) {
        metric.update(b.map((i) => i.pred_bboxes), b.map((i) => i.pred_labels), b.map((i) => i.pred_scores),
          b.map((i) => i.gt_bboxes), b.map((i) => i.gt_labels), b[0]!.gt_difficults ? b.map((i) => i.gt_difficults!) : undefined);
      }
    }
    const [names07, v07] = m07.get();
    const [, v] = m.get();
    assert.deepEqual(names07, c.names);
    assertClose(v07, nums(c.voc07), 1e-10, 1e-12, `${c.name} VOC07`);
    assertClose(v, nums(c.voc), 1e-10, 1e-12, `${c.name} VOC`);
    // The scene is not trivial: the two APs differ and classes 4/5 have no GT.
    assert.ok(Number.isNaN(v07[4]!) && Number.isNaN(v07[5]!) && v07.slice(0, 4).every((x) => x > 0.1 && x < 0.95));
    const curves = m.curves();
    c.curves.forEach((ref, l) => {
      if (!ref) {
        assert.equal(curves[l]!.recall.length, 0, `${c.name} class ${l} has no curve`);
        return;
      }
      assertClose(curves[l]!.recall, ref.recall, 1e-12, 1e-12, `${c.name} class ${l} recall`);
      assertClose(curves[l]!.precision, nums(ref.precision), 1e-12, 1e-12, `${c.name} class ${l} precision`);
    });
  }
});

test('one batch or many: the same result', () => {
  const c = loadFixture<{ cases: VocCase[] }>('metrics_voc.json').cases[0]!;
  const m = new VOC07MApMetric({ classNames: c.class_names, iouThresh: c.iou_thresh });
  const im = c.images;
  m.update(im.map((i) => i.pred_bboxes), im.map((i) => i.pred_labels), im.map((i) => i.pred_scores),
    im.map((i) => i.gt_bboxes), im.map((i) => i.gt_labels), im.map((i) => i.gt_difficults!));
  assertClose(m.get()[1], nums(c.voc07), 1e-10, 1e-12, 'single batch');
});
