// Box ops (src/detection/bbox.ts) against the numpy reference's IoU and hand-computed conversions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/tensor/index.js';
import { boxArea, boxIou, centerToCorner, clipBoxes, cornerToCenter } from '../../src/detection/index.js';
import { assertClose, loadFixture } from '../helpers.js';
import { assertNoLeak } from './synth.js';

interface IouCase {
  a: number[][];
  b: number[][][];
  iou: number[][][];
  iou_voc: number[][][];
}

test('boxIou matches the reference bit for bit, batched over ground truth (offset 0 and VOC +1)', () => {
  for (const c of loadFixture<IouCase[]>('detection_iou.json')) {
    const a = tensor(c.a, { dtype: 'float32' });
    const b = tensor(c.b, { dtype: 'float32' });
    const iou = assertNoLeak(() => boxIou(a, b), 'boxIou');
    assert.deepEqual(iou.shape, [2, 7, 5]);
    assertClose(iou, c.iou, 0, 0, 'iou');
    assertClose(boxIou(a.unsqueeze(0), b), c.iou, 0, 0, 'iou (1,N,4) anchors');
    assertClose(boxIou(a, b, 1), c.iou_voc, 1e-6, 1e-7, 'iou voc');
  }
});

test('boxIou: touching boxes, exact halves, degenerate and disjoint boxes', () => {
  const a = tensor([[0, 0, 10, 10]], { dtype: 'float32' });
  const b = tensor([[10, 0, 20, 10], [0, 0, 10, 20], [5, 5, 5, 5], [50, 50, 60, 60], [0, 0, 10, 10]], { dtype: 'float32' });
  assert.deepEqual(boxIou(a, b).toArray(), [0, 0.5, 0, 0, 1]);
  // +1 convention: [0,10] and [10,20] share pixel column 10 -> 11 / (121 + 121 - 11)
  assertClose(boxIou(a, b.narrow(0, 0, 1), 1), [11 / 231], 1e-6, 0, 'voc touching');
  const zero = tensor([[3, 3, 3, 3]], { dtype: 'float32' });
  assert.deepEqual(boxIou(zero, zero).toArray(), [0], 'two zero-area boxes give 0, not NaN');
});

test('corner <-> center conversions use w = xmax - xmin, cx = xmin + w/2 and round-trip', () => {
  const corner = tensor([[10, 20, 80, 90], [-5, 0, 5, 3]], { dtype: 'float32' });
  const center = assertNoLeak(() => cornerToCenter(corner), 'cornerToCenter');
  assert.deepEqual(center.tolist(), [[45, 55, 70, 70], [0, 1.5, 10, 3]]);
  assert.deepEqual(centerToCorner(center).tolist(), corner.tolist());
  assert.deepEqual(centerToCorner(tensor([[[4, 4, 30, 30]]], { dtype: 'float32' })).tolist(), [[[-11, -11, 19, 19]]]);
});

test('boxArea clamps inverted sides to 0; clipBoxes clamps to the image', () => {
  const boxes = tensor([[0, 0, 10, 5], [5, 5, 2, 9], [0, 0, 0, 0]], { dtype: 'float32' });
  assert.deepEqual(boxArea(boxes).toArray(), [50, 0, 0]);
  assert.deepEqual(boxArea(boxes, 1).toArray(), [66, 0, 1]);
  assert.deepEqual(clipBoxes(tensor([[-5, 10, 320, 400]], { dtype: 'float32' }), 300, 200).tolist(), [[0, 10, 300, 200]]);
  assert.throws(() => boxIou(tensor([[1, 2, 3]]), boxes), /last dimension of 4/);
});
