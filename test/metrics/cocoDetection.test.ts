// GluonCV's COCODetectionMetric adapter (spec §7.7): scaling network-space boxes back, score threshold 0.05,
// xywh with w = xmax - xmin + 1, label -> category id, then the COCO evaluation; checked by hand and against
// the fixture from the Python transcription of coco_detection.py's update.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COCODetectionMetric, type COCODetectionResult, type COCOGroundTruth } from '../../src/metrics/index.js';
import { assertClose, loadFixture } from '../helpers.js';
import { nums } from './fixtures.js';

const gt: COCOGroundTruth = {
  images: [{ id: 9, width: 600, height: 450 }, { id: 4, width: 300, height: 300 }],
  categories: [{ id: 5, name: 'cat' }, { id: 2, name: 'dog' }],
  annotations: [{ id: 1, image_id: 9, category_id: 5, bbox: [20, 30, 201, 76], area: 201 * 76, iscrowd: 0 }],
};

test('boxes scaled by original / data shape, xyxy -> xywh with +1, low scores, padding and unknown labels dropped', () => {
  const m = new COCODetectionMetric(gt, { dataShape: 300, onWarning: () => {} });
  assert.deepEqual(m.classNames, ['dog', 'cat']); // categories sorted by id: 2 -> label 0, 5 -> label 1
  assert.deepEqual(m.contiguousToCategoryId, [2, 5]);
  // Images are taken in ascending id order: first id 4 (no predictions), then id 9 (600x450: x*2, y*1.5).
  m.update([[], [[10, 20, 110, 70], [0, 0, 5, 5], [0, 0, 5, 5], [1, 1, 2, 2], [0, 0, 9, 9]]],
    [[], [1, 0, 1, -1, 7]], [[], [0.3, 0.049, 0.05, 0.9, 0.9]]);
  const res = m.results();
  assert.deepEqual(res.map((r) => [r.image_id, r.category_id, r.score]), [[9, 5, 0.3], [9, 5, 0.05]]);
  assertClose(res[0]!.bbox as number[], [20, 30, 201, 76], 0, 1e-12, 'scaled xywh');
  assertClose(res[1]!.bbox as number[], [0, 0, 11, 8.5], 0, 1e-12, 'second box');
  const [names, values] = m.get();
  assert.deepEqual(names, ['dog', 'cat', 'mAP']);
  assert.ok(Number.isNaN(values[0]!), 'dog has no GT');
  // The scaled box equals the GT and outscores the FP kept at score 0.05 (precision 1 / (1 + eps) as COCOeval).
  assertClose(values.slice(1), [1, 1], 0, 1e-12, 'cat AP and mAP');
  assertClose([m.evaluate().stats[1]!], [1], 0, 1e-12, 'AP50');
});

test('without a data shape boxes stay as given; explicit images override the order and size', () => {
  const m = new COCODetectionMetric(gt, { onWarning: () => {} });
  m.updateImages([{ id: 9 }], [[[20, 30, 220, 105]]], [[1]], [[0.8]]);
  assertClose(m.results()[0]!.bbox as number[], [20, 30, 201, 76], 0, 1e-12, 'unscaled');
  const s = new COCODetectionMetric(gt, { dataShape: [150, 100], onWarning: () => {} });
  s.updateImages([{ id: 9, width: 200, height: 300 }], [[[10, 10, 20, 20]]], [[1]], [[0.8]]);
  assertClose(s.results()[0]!.bbox as number[], [20, 20, 21, 21], 0, 1e-12, 'width 200 / 100, height 300 / 150');
});

test('incomplete evaluation warns; reset clears; too many images is an error', () => {
  const warnings: string[] = [];
  const m = new COCODetectionMetric(gt, { dataShape: 300, onWarning: (w) => warnings.push(w) });
  m.update([[]], [[]], [[]]);
  m.get();
  assert.match(warnings[0]!, /Recorded 1 out of 2/);
  m.reset();
  assert.equal(m.results().length, 0);
  assert.throws(() => m.update([[], [], []], [[], [], []], [[], [], []]), /3 images seen, the ground truth has 2/);
});

interface AdapterFixture {
  data_shape: [number, number];
  gt: COCOGroundTruth;
  preds: { pred_bboxes: number[][]; pred_labels: number[]; pred_scores: number[] }[];
  results: COCODetectionResult[];
  stats: number[];
  per_category_ap: (number | string)[];
}

test('fixture: same detections and COCO numbers as GluonCV update + COCOeval', () => {
  const f = loadFixture<AdapterFixture>('metrics_coco_adapter.json');
  const m = new COCODetectionMetric(f.gt, { dataShape: f.data_shape, onWarning: (w) => assert.fail(w) });
  // Two batches, GT arguments passed and ignored like GluonCV's validate loop.
  for (const part of [f.preds.slice(0, 4), f.preds.slice(4)]) {
    m.update(part.map((p) => p.pred_bboxes), part.map((p) => p.pred_labels), part.map((p) => p.pred_scores), [], []);
  }
  const res = m.results();
  assert.equal(res.length, f.results.length);
  res.forEach((r, i) => {
    const e = f.results[i]!;
    assert.deepEqual([r.image_id, r.category_id, r.score], [e.image_id, e.category_id, e.score], `result ${i}`);
    assertClose(r.bbox as number[], e.bbox, 0, 1e-9, `result ${i} bbox`);
  });
  assert.ok(f.preds.some((p) => p.pred_scores.some((s) => s >= 0 && s < 0.05)), 'the fixture exercises the score threshold');
  assert.ok(res.some((r) => r.score === 0.05), 'a score of exactly 0.05 is kept');
  assertClose(m.evaluate().stats, f.stats, 1e-9, 1e-9, 'stats');
  const [, values] = m.get();
  assertClose(values, [...nums(f.per_category_ap), f.stats[0]!], 1e-9, 1e-9, 'per-class AP + mAP');
});
