// The demo's pictures: which predictions count as right (VOC's greedy matching by score, same class, IoU >= 0.5,
// each ground-truth object once) and the side-by-side layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { matchPredictions, drawTruthBesidePredictions } from '../../src/report/truthBeside.js';

const truth = [
  { box: [10, 10, 50, 50] as [number, number, number, number], className: 'circle' },
  { box: [60, 60, 100, 100] as [number, number, number, number], className: 'star' },
];

test('matchPredictions: same class and IoU >= 0.5, best score first, each object matched once', () => {
  const preds = [
    { box: [12, 12, 50, 50] as [number, number, number, number], className: 'circle', score: 0.6 }, // IoU 0.9025: right
    { box: [10, 10, 50, 50] as [number, number, number, number], className: 'circle', score: 0.9 }, // exact, higher score: right
    { box: [60, 60, 100, 100] as [number, number, number, number], className: 'cross', score: 0.8 }, // wrong class
    { box: [60, 60, 80, 100] as [number, number, number, number], className: 'star', score: 0.7 }, // IoU exactly 0.5: right
  ];
  const { right, found } = matchPredictions(truth, preds);
  // The 0.9 circle takes the circle, so the 0.6 duplicate is wrong.
  assert.deepEqual(right, [false, true, false, true]);
  assert.deepEqual(found, [true, true]);
  assert.deepEqual(matchPredictions(truth, [{ box: [60, 60, 79, 100], className: 'star', score: 0.5 }]).right, [false], 'IoU 0.475');
  assert.deepEqual(matchPredictions([], [{ box: [0, 0, 1, 1], className: 'star', score: 0.5 }]), { right: [false], found: [] });
});

test('drawTruthBesidePredictions: the image twice side by side (8 px apart) under a caption strip', async () => {
  const img = { data: new Uint8Array(120 * 110 * 3).fill(128), width: 120, height: 110 };
  const png = await drawTruthBesidePredictions(img, truth, [{ box: [10, 10, 50, 50], className: 'circle', score: 0.9 }]);
  const meta = await sharp(png).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 248, 146]);
});
