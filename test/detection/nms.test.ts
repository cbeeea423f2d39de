// box_nms (src/detection/nms.ts) and SSD post-processing (src/detection/detect.ts) against the reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/tensor/index.js';
import { boxNms, ssdDetect, ssdAnchors, type BoxNmsOptions } from '../../src/detection/index.js';
import { assertClose, loadFixture } from '../helpers.js';
import { assertNoLeak, synth } from './synth.js';

const fx = loadFixture('detection_decode.json');

test('boxNms matches the reference: valid/topk filtering, class-aware or forced, stable score order, -1 rows', () => {
  const rows = fx.nms.data as number[][][];
  const data = tensor(rows, { dtype: 'float32' });
  for (const c of fx.nms.cases as { opts: BoxNmsOptions; kept: number[][] }[]) {
    const out = assertNoLeak(() => boxNms(data, c.opts), 'boxNms');
    assert.deepEqual(out.shape, [2, 300, 6]);
    const expected = c.kept.map((kept, b) => [...kept.map((i) => rows[b]![i]!), ...new Array(300 - kept.length).fill([-1, -1, -1, -1, -1, -1])]);
    assertClose(out, expected, 0, 0, `boxNms ${JSON.stringify(c.opts)}`);
    assert.ok(c.kept.every((k) => k.length > 5), 'non-trivial case');
  }
  // keep and 2-D input
  const first = fx.nms.cases[0] as { opts: BoxNmsOptions; kept: number[][] };
  const kept10 = boxNms(data.select(0, 1), { ...first.opts, keep: 10 });
  assert.deepEqual(kept10.shape, [10, 6]);
  assertClose(kept10, first.kept[1]!.slice(0, 10).map((i) => rows[1]![i]!), 0, 0, 'keep 10');
});

test('boxNms: IoU exactly at the threshold does not suppress; same score keeps input order', () => {
  const data = tensor([[[0, 0.5, 0, 0, 10, 20], [0, 0.5, 0, 0, 10, 10], [1, 0.9, 0, 0, 10, 10], [0, 0.005, 0, 0, 1, 1]]], { dtype: 'float32' });
  const out = boxNms(data, { overlapThresh: 0.5, validThresh: 0.01 }).tolist() as number[][][];
  assert.deepEqual(out[0]!.map((r) => r.slice(0, 2)), [[1, 0.8999999761581421], [0, 0.5], [0, 0.5], [-1, -1]]);
  assert.deepEqual(out[0]![1]!.slice(2), [0, 0, 10, 20], 'tie on score: earlier row first');
  const forced = boxNms(data, { overlapThresh: 0.49, forceSuppress: true, validThresh: 0.01 }).tolist() as number[][][];
  assert.deepEqual(forced[0]!.map((r) => r[0]), [1, -1, -1, -1]);
  const empty = boxNms(data, { validThresh: 0.95 });
  assert.equal(empty.eq(-1).all().item(), true);
});

test('ssdDetect: softmax, decode, per-class scores, top-k NMS and post-NMS keep match the reference', () => {
  const d = fx.detect;
  const anchors = ssdAnchors({ baseSize: d.config.base_size, sizes: d.config.sizes, ratios: d.config.ratios, steps: d.config.steps, featureSizes: d.config.feature_sizes });
  const N = anchors.shape[0]!;
  const cls = synth([2, N, d.num_classes], d.pred_seed, -4, 4);
  const box = synth([2, N, 4], d.box_seed, -1, 1);
  const det = assertNoLeak(() => ssdDetect(cls, box, anchors, d.opts), 'ssdDetect');
  const expected = d.out as number[][][];
  assert.deepEqual(det.ids.shape, [2, 25, 1]);
  assert.deepEqual(det.bboxes.shape, [2, 25, 4]);
  assert.deepEqual(det.ids.toArray(), expected.flatMap((img) => img.map((r) => r[0]!)));
  assertClose(det.scores, expected.flatMap((img) => img.map((r) => r[1]!)), 1e-5, 1e-7, 'scores');
  assertClose(det.bboxes, expected.flatMap((img) => img.map((r) => r.slice(2))), 1e-5, 1e-4, 'boxes');
  // Default post-NMS keep is 100 rows: the same survivors first, then -1 padding (at most topk survive).
  const wide = ssdDetect(cls, box, anchors, { nmsTopk: 60 });
  assert.deepEqual(wide.scores.shape, [2, 100, 1]);
  assert.deepEqual(wide.ids.narrow(1, 0, 25).toArray(), det.ids.toArray());
  assert.equal(wide.ids.narrow(1, 60, 40).eq(-1).all().item(), true);
  assert.equal(wide.bboxes.narrow(1, 60, 40).eq(-1).all().item(), true);
});
