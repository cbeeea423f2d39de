// COCO bbox evaluation (spec §7.7): hand-derived cases (perfect detector, known IoU, crowd regions, images and
// categories without GT, maxDets) and a random scene against the numpy transcription of pycocotools' COCOeval
// (scripts/fixtures/coco_reference.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COCO_IOU_THRS, COCO_REC_THRS, cocoCategoryAP, cocoEvaluate, cocoPRCurves,
  type COCODetectionResult, type COCOGroundTruth,
} from '../../src/metrics/index.js';
import { assertClose, loadFixture } from '../helpers.js';
import { nums } from './fixtures.js';

function gtOf(anns: { image_id: number; category_id: number; bbox: number[]; area?: number; iscrowd?: number }[], images = [1], cats = [1]): COCOGroundTruth {
  return {
    images: images.map((id) => ({ id, width: 640, height: 480 })),
    categories: cats.map((id) => ({ id, name: `c${id}` })),
    annotations: anns.map((a, i) => ({ id: i + 1, area: a.bbox[2]! * a.bbox[3]!, iscrowd: 0, ...a })),
  };
}

test('thresholds are numpy linspace values', () => {
  assert.equal(COCO_IOU_THRS.length, 10);
  assert.equal(COCO_IOU_THRS[0], 0.5);
  assert.equal(COCO_IOU_THRS[2], 0.6);
  assert.equal(COCO_IOU_THRS[5], 0.75);
  assert.equal(COCO_IOU_THRS[8], 0.8999999999999999);
  assert.equal(COCO_REC_THRS.length, 101);
  assert.equal(COCO_REC_THRS[7], 0.07);
  assert.equal(COCO_REC_THRS[100], 1);
});

test('a perfect detector scores 1 on all 12 numbers', () => {
  // Small (20x20), medium (50x50) and large (120x120) objects of two categories on two images, one per image+category
  const anns = [
    { image_id: 1, category_id: 1, bbox: [10, 10, 20, 20] },
    { image_id: 1, category_id: 2, bbox: [100, 100, 50, 50] },
    { image_id: 2, category_id: 1, bbox: [200, 100, 120, 120] },
    { image_id: 2, category_id: 2, bbox: [5, 5, 20, 20] },
  ];
  const dets = anns.map((a) => ({ image_id: a.image_id, category_id: a.category_id, bbox: a.bbox, score: 0.9 }));
  const r = cocoEvaluate(gtOf(anns, [1, 2], [1, 2]), dets);
  assertClose(r.stats, Array(12).fill(1), 0, 1e-12, 'stats');
});

test('one detection at IoU 0.58: AP50 1, AP75 0, AP 0.2; at IoU exactly 0.6 the .60 threshold also matches', () => {
  const gt = gtOf([{ image_id: 1, category_id: 1, bbox: [0, 0, 10, 10] }]); // area 100: small
  const r = cocoEvaluate(gt, [{ image_id: 1, category_id: 1, bbox: [0, 0, 5.8, 10], score: 0.9 }]);
  assertClose(r.stats, [0.2, 1, 0, 0.2, -1, -1, 0.2, 0.2, 0.2, 0.2, -1, -1], 0, 1e-12, 'IoU 0.58');
  // matching is iou >= t, and COCO_IOU_THRS[2] === 0.6 === 60 / 100
  const r6 = cocoEvaluate(gt, [{ image_id: 1, category_id: 1, bbox: [0, 0, 6, 10], score: 0.9 }]);
  assertClose(r6.stats.slice(0, 3), [0.3, 1, 0], 0, 1e-12, 'IoU 0.6');
});

test('crowd regions absorb detections (ignored, reusable); without the crowd flag they are false positives', () => {
  const anns = [
    { image_id: 1, category_id: 1, bbox: [300, 300, 40, 40] },
    { image_id: 1, category_id: 1, bbox: [0, 0, 200, 200], iscrowd: 1 },
  ];
  // Three higher-scoring detections inside the crowd box (IoU with it = inter / area(det) = 1), one TP.
  const dets: COCODetectionResult[] = [
    { image_id: 1, category_id: 1, bbox: [10, 10, 30, 30], score: 0.9 },
    { image_id: 1, category_id: 1, bbox: [50, 50, 30, 30], score: 0.8 },
    { image_id: 1, category_id: 1, bbox: [90, 90, 30, 30], score: 0.7 },
    { image_id: 1, category_id: 1, bbox: [300, 300, 40, 40], score: 0.6 },
  ];
  const crowd = cocoEvaluate(gtOf(anns), dets);
  assertClose(crowd.stats.slice(0, 3), [1, 1, 1], 0, 1e-12, 'crowd');
  const plain = cocoEvaluate(gtOf(anns.map((a) => ({ ...a, iscrowd: 0 }))), dets);
  // Two real GT now: 3 FPs before the TP; recall 1/2 at precision 1/4
  assert.ok(plain.stats[1]! < 0.2, `AP50 without crowd ${plain.stats[1]}`);
});

test('detections on an image without GT are false positives', () => {
  const gt = gtOf([{ image_id: 1, category_id: 1, bbox: [10, 10, 50, 50] }], [1, 2]);
  const r = cocoEvaluate(gt, [
    { image_id: 2, category_id: 1, bbox: [10, 10, 50, 50], score: 0.9 }, // FP first
    { image_id: 1, category_id: 1, bbox: [10, 10, 50, 50], score: 0.5 },
  ]);
  // precision envelope 1/2 over all recall thresholds, at every IoU
  assertClose([r.stats[0]!, r.stats[1]!], [0.5, 0.5], 0, 1e-12, 'AP');
  assert.equal(r.stats[8], 1, 'AR100');
});

test('a category without GT is -1 and left out of the means (NaN per-category AP)', () => {
  const gt = gtOf([{ image_id: 1, category_id: 1, bbox: [10, 10, 50, 50] }], [1], [1, 2]);
  const r = cocoEvaluate(gt, [
    { image_id: 1, category_id: 1, bbox: [10, 10, 50, 50], score: 0.9 },
    { image_id: 1, category_id: 2, bbox: [100, 100, 50, 50], score: 0.95 },
  ]);
  assert.ok(Math.abs(r.stats[0]! - 1) < 1e-12);
  assert.ok(Math.abs(cocoCategoryAP(r, 0) - 1) < 1e-12);
  assert.ok(Number.isNaN(cocoCategoryAP(r, 1)));
  const curves = cocoPRCurves(r, ['one', 'two']);
  assert.equal(curves[0]!.name, 'one');
  assert.equal(curves[0]!.precision.length, 101);
  assert.equal(curves[1]!.recall.length, 0);
});

test('maxDets counts per image and category: AR1 sees one of two objects', () => {
  const anns = [
    { image_id: 1, category_id: 1, bbox: [10, 10, 50, 50] },
    { image_id: 1, category_id: 1, bbox: [200, 200, 50, 50] },
  ];
  const dets = anns.map((a, i) => ({ image_id: 1, category_id: 1, bbox: a.bbox, score: 0.9 - i * 0.1 }));
  const r = cocoEvaluate(gtOf(anns), dets);
  assert.equal(r.stats[6], 0.5);
  assert.equal(r.stats[7], 1);
});

test('area comes from the annotation (not the box); detections outside the range are ignored when unmatched', () => {
  // A 50x50 box whose object area says small (600 < 1024): counts for APs, not APm.
  const gt = gtOf([{ image_id: 1, category_id: 1, bbox: [10, 10, 50, 50], area: 600 }]);
  const r = cocoEvaluate(gt, [
    { image_id: 1, category_id: 1, bbox: [10, 10, 50, 50], score: 0.5 },
    { image_id: 1, category_id: 1, bbox: [300, 300, 100, 100], score: 0.9 }, // large, unmatched
  ]);
  assert.ok(Math.abs(r.stats[3]! - 1) < 1e-12, 'APs: the large FP is outside the small range, ignored');
  assert.equal(r.stats[4], -1, 'APm: no medium GT');
  assert.ok(Math.abs(r.stats[0]! - 0.5) < 1e-12, 'AP over all areas counts the FP');
});

test('a detection on an image not in the ground truth is an error', () => {
  const gt = gtOf([{ image_id: 1, category_id: 1, bbox: [0, 0, 5, 5] }]);
  assert.throws(() => cocoEvaluate(gt, [{ image_id: 7, category_id: 1, bbox: [0, 0, 5, 5], score: 1 }]), /image_id 7/);
});

interface CocoFixture {
  gt: COCOGroundTruth;
  dets: COCODetectionResult[];
  expected: {
    stats: number[];
    cat_ids: number[];
    per_category_ap: (number | string)[];
    per_category_ap50: (number | string)[];
    precision_iou50_all_100: number[][];
    recall_all_100: number[][];
    recall_small_100: number[][];
    precision_sum: number;
  };
}

test('random scene (crowds, empty images, >100 detections, ties, boundaries) agrees with the COCOeval reference', () => {
  const f = loadFixture<CocoFixture>('metrics_coco.json');
  const r = cocoEvaluate(f.gt, f.dets);
  const e = f.expected;
  assert.deepEqual(r.catIds, e.cat_ids);
  assertClose(r.stats, e.stats, 1e-9, 1e-9, 'stats');
  assertClose(r.catIds.map((_, k) => cocoCategoryAP(r, k)), nums(e.per_category_ap), 1e-9, 1e-9, 'per-category AP');
  assertClose(r.catIds.map((_, k) => cocoCategoryAP(r, k, { iouIndex: 0 })), nums(e.per_category_ap50), 1e-9, 1e-9, 'per-category AP50');
  const { T, R, K, A, M } = r.dims;
  for (let k = 0; k < K; k++) {
    const p50 = Array.from({ length: R }, (_, ri) => r.precision[(((0 * R + ri) * K + k) * A + 0) * M + 2]!);
    assertClose(p50, e.precision_iou50_all_100[k]!, 1e-9, 1e-9, `precision IoU .5 cat ${k}`);
    const rec = Array.from({ length: T }, (_, t) => r.recall[((t * K + k) * A + 0) * M + 2]!);
    assertClose(rec, e.recall_all_100[k]!, 1e-9, 1e-9, `recall cat ${k}`);
    const recS = Array.from({ length: T }, (_, t) => r.recall[((t * K + k) * A + 1) * M + 2]!);
    assertClose(recS, e.recall_small_100[k]!, 1e-9, 1e-9, `recall small cat ${k}`);
  }
  const sum = r.precision.reduce((s, v) => s + v, 0);
  assertClose([sum], [e.precision_sum], 1e-9, 1e-6, 'sum of the whole precision array');
  // Not a degenerate scene: all 12 numbers defined and strictly between 0 and 1.
  assert.ok(r.stats.every((s) => s > 0.1 && s < 0.95), `stats ${r.stats}`);
});
