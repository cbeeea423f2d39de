// Box bookkeeping of spec §7.4 (src/data/transforms/bbox.ts): hand-derived cases for translate, resize, flip,
// crop and IoU, the constrained random crop driven by scripted draws, and its invariants over random seeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bboxTranslate, bboxResize, bboxFlip, bboxCrop, bboxIou, randomCropWithConstraints } from '../../src/data/transforms/bbox.js';
import { Random } from '../../src/data/random.js';
import { assertClose } from '../helpers.js';
import { ScriptedRng, u, r } from './util.js';

const L = [
  [10, 20, 30, 60, 3, 1],
  [0, 0, 5, 5, 0, 0],
];

test('translate shifts corners and keeps class/difficult; input untouched', () => {
  const before = JSON.stringify(L);
  assert.deepEqual(bboxTranslate(L, 7, -2), [
    [17, 18, 37, 58, 3, 1],
    [7, -2, 12, 3, 0, 0],
  ]);
  assert.equal(JSON.stringify(L), before);
});

test('resize scales x by W/w and y by H/h', () => {
  assert.deepEqual(bboxResize(L, [100, 200], [300, 100]), [
    [30, 10, 90, 30, 3, 1],
    [0, 0, 15, 2.5, 0, 0],
  ]);
});

test('flip: xmin\' = W - xmax, xmax\' = W - xmin; flip twice is identity', () => {
  assert.deepEqual(bboxFlip(L, [50, 80], true), [
    [20, 20, 40, 60, 3, 1],
    [45, 0, 50, 5, 0, 0],
  ]);
  assert.deepEqual(bboxFlip(L, [50, 80], false, true), [
    [10, 20, 30, 60, 3, 1],
    [0, 75, 5, 80, 0, 0],
  ]);
  assert.deepEqual(bboxFlip(bboxFlip(L, [50, 80], true), [50, 80], true), L);
  assert.deepEqual(bboxFlip(L, [50, 80], false), L);
});

test('crop clips, translates and drops empty boxes; centre rule when outside centres are not allowed', () => {
  const boxes = [
    [10, 10, 50, 50, 1, 0], // centre (30,30) inside crop
    [0, 0, 24, 24, 2, 0], // centre (12,12) outside crop [20,20)-[80,70), overlaps it
    [90, 90, 95, 95, 3, 0], // no overlap
  ];
  const crop: [number, number, number, number] = [20, 20, 60, 50];
  assert.deepEqual(bboxCrop(boxes, crop, true), [
    [0, 0, 30, 30, 1, 0],
    [0, 0, 4, 4, 2, 0],
  ]);
  assert.deepEqual(bboxCrop(boxes, crop, false), [[0, 0, 30, 30, 1, 0]]);
  // A centre exactly on the right/bottom edge is outside ([l, l+w) × [t, t+h)).
  assert.deepEqual(bboxCrop([[70, 60, 90, 80, 0, 0]], crop, false), []);
  assert.deepEqual(bboxCrop([[0, 10, 40, 30, 0, 0]], crop, false), [[0, 0, 20, 10, 0, 0]]);
});

test('IoU, with and without the +1 pixel offset', () => {
  const a = [[0, 0, 10, 10]];
  const b = [
    [5, 5, 15, 15],
    [10, 10, 20, 20],
    [0, 0, 10, 10],
  ];
  assertClose(bboxIou(a, b).flat(), [25 / 175, 0, 1], 1e-12, 1e-12, 'iou');
  // offset 1: areas 121 each, intersection 6×6 = 36; touching boxes share one pixel row/col only if tl<br.
  assertClose(bboxIou(a, b, 1).flat(), [36 / (242 - 36), 0, 1], 1e-12, 1e-12, 'iou+1');
});

test('constrained crop: first trial accepted, candidate picked, boxes cropped (hand-derived)', () => {
  // 100×100 image, one box. Constraint (0.1, None), 2 trials max.
  // trial 1: scale 0.505, ar range [0.5, 2] → ar 1.0 → crop 50×50 (int(50.5)); top randrange(50) = 20,
  // left randrange(50) = 10 → crop [10,20,60,70]; IoU with [10,10,50,50] = 1200/2900 = 0.41 ≥ 0.1: accepted.
  // candidates [[0,0,100,100],[10,20,50,50]]; pick randrange(2) = 1 → box centre (30,30) is inside;
  // cropped box [0,0,40,30].
  const rng = new ScriptedRng([u(0.3, 1, 0.505), u(0.5, 2, 1.0), r(50, 20), r(50, 10), r(2, 1)]);
  const out = randomCropWithConstraints([[10, 10, 50, 50, 4, 1]], [100, 100], rng, { constraints: [[0.1, null]], maxTrial: 2 });
  assert.deepEqual(out.crop, [10, 20, 50, 50]);
  assert.deepEqual(out.label, [[0, 0, 40, 30, 4, 1]]);
  assert.equal(rng.remaining, 0);
});

test('constrained crop: rejected trial, second trial accepted, whole image picked (hand-derived)', () => {
  // Constraint (0.5, None). trial 1: the crop above (IoU 0.41 < 0.5) is rejected.
  // trial 2: scale 0.455, ar 1 → 45×45 (int(45.5)); top 5, left 8 → [8,5,53,50] contains the box:
  // IoU 1600/2025 = 0.79 ≥ 0.5, accepted. Pick randrange(2) = 0 → the whole image, box unchanged.
  const rng = new ScriptedRng([
    u(0.3, 1, 0.505), u(0.5, 2, 1.0), r(50, 20), r(50, 10),
    u(0.3, 1, 0.455), u(0.5, 2, 1.0), r(55, 5), r(55, 8),
    r(2, 0),
  ]);
  const out = randomCropWithConstraints([[10, 10, 50, 50, 4, 0]], [100, 100], rng, { constraints: [[0.5, null]], maxTrial: 5 });
  assert.deepEqual(out.crop, [0, 0, 100, 100]);
  assert.deepEqual(out.label, [[10, 10, 50, 50, 4, 0]]);
  assert.equal(rng.remaining, 0);
});

test('constrained crop: a candidate losing every box is skipped for the next one', () => {
  // Constraint (None, 1) accepts any crop. trial: scale 0.505, ar 1 → 50×50 at top 50 (randrange(50)=49 → 49),
  // left 49 → [49,49,99,99]: the box [0,0,20,20] has its centre outside. Candidates [whole, that]; first pick
  // randrange(2) = 1 → empty → skipped; then randrange(1) = 0 → whole image.
  const rng = new ScriptedRng([u(0.3, 1, 0.505), u(0.5, 2, 1.0), r(50, 49), r(50, 49), r(2, 1), r(1, 0)]);
  const out = randomCropWithConstraints([[0, 0, 20, 20, 1, 0]], [100, 100], rng, { constraints: [[null, 1]] });
  assert.deepEqual(out.crop, [0, 0, 100, 100]);
  assert.deepEqual(out.label, [[0, 0, 20, 20, 1, 0]]);
});

test('constrained crop: empty label returns the first drawn crop; no usable candidate falls back', () => {
  const rng = new ScriptedRng([u(0.3, 1, 0.505), u(0.5, 2, 1.0), r(50, 3), r(50, 4)]);
  assert.deepEqual(randomCropWithConstraints([], [100, 100], rng), { label: [], crop: [4, 3, 50, 50] });
  // A box whose centre is outside the image can never be kept: fallback to the whole image and the input boxes.
  const out = randomCropWithConstraints([[120, 120, 130, 130, 0, 0]], [100, 100], new Random(1), { constraints: [] });
  assert.deepEqual(out, { label: [[120, 120, 130, 130, 0, 0]], crop: [0, 0, 100, 100] });
});

test('constrained crop invariants over random seeds (SSD defaults)', () => {
  const label = [
    [30, 40, 120, 100, 0, 0],
    [150, 20, 190, 180, 1, 1],
    [5, 150, 60, 195, 2, 0],
  ];
  const W = 200;
  const H = 200;
  let cropped = 0;
  for (let seed = 0; seed < 300; seed++) {
    const { label: out, crop } = randomCropWithConstraints(label, [W, H], new Random(seed));
    const [l, t, w, h] = crop;
    assert.ok(l >= 0 && t >= 0 && l + w <= W && t + h <= H, `crop ${crop} inside image`);
    if (w < W || h < H) {
      cropped++;
      // size rule: scale ∈ [0.3, 1], aspect ∈ [0.5, 2] ⇒ w·h ≥ int-rounded 0.09·W·H and w/h within [0.5·0.99, 2·1.01]·W/H
      assert.ok(w * h >= 0.09 * W * H - (W + H), `crop area ${w * h}`);
      assert.ok(w / h >= 0.5 * 0.95 && w / h <= 2 * 1.05, `crop aspect ${w / h}`);
    }
    assert.ok(out.length >= 1);
    // Each kept box is a source box clipped to the crop, with its centre inside the crop.
    for (const b of out) {
      assert.ok(b[0]! >= 0 && b[1]! >= 0 && b[2]! <= w && b[3]! <= h && b[0]! < b[2]! && b[1]! < b[3]!);
      const src = label.find((s) => s[4] === b[4])!;
      assert.deepEqual(b, [Math.max(src[0]!, l) - l, Math.max(src[1]!, t) - t, Math.min(src[2]!, l + w) - l, Math.min(src[3]!, t + h) - t, src[4], src[5]]);
      const cx = (src[0]! + src[2]!) / 2;
      const cy = (src[1]! + src[3]!) / 2;
      assert.ok(cx >= l && cx < l + w && cy >= t && cy < t + h);
    }
    assert.deepEqual(randomCropWithConstraints(label, [W, H], new Random(seed)), { label: out, crop }, 'reproducible');
  }
  // The (None, 1) constraint always yields a candidate, so at most about half the picks are the whole image
  // (min IoU over three spread boxes rarely meets the other constraints).
  assert.ok(cropped > 120 && cropped < 300, `${cropped}/300 cropped`);
});
