// SSD train/val transforms (src/data/transforms/ssdPresets.ts, spec §7.4, §7.5): the one-pass train transform
// equals the literal step-by-step pipeline, boxes land on the pixels they describe, draws have GluonCV's
// frequencies, everything is reproducible from a seed; the val transform by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ssdTrainTransform, ssdTrainTransformReference, ssdValTransform, SSD_MEAN, SSD_STD } from '../../src/data/transforms/ssdPresets.js';
import { Random } from '../../src/data/random.js';
import { bboxTranslate, bboxCrop, bboxResize, bboxFlip } from '../../src/data/transforms/bbox.js';
import { assertClose } from '../helpers.js';
import { noiseImage } from './util.js';

const O = { width: 40, height: 32 };

test('one-pass train transform equals the step-by-step GluonCV pipeline (image, boxes, draws)', () => {
  const img = noiseImage(53, 41, 9);
  const label = [
    [5, 6, 30, 25, 2, 0],
    [20, 10, 50, 40, 0, 1],
  ];
  for (let seed = 0; seed < 25; seed++) {
    const a = ssdTrainTransform(img, label, new Random(seed), O);
    const b = ssdTrainTransformReference(img, label, new Random(seed), O);
    assert.deepEqual(a.trace, b.trace);
    assert.deepEqual(a.label, b.label);
    assertClose(a.image, Array.from(b.image), 1e-4, 2e-4, `seed ${seed} (${JSON.stringify(a.trace)})`);
  }
});

test('train boxes follow the drawn geometry: translate by the expand offset, crop, scale, mirror', () => {
  const img = noiseImage(53, 41, 9);
  const label = [
    [5, 6, 30, 25, 2, 0],
    [20, 10, 50, 40, 0, 1],
  ];
  let flipped = 0;
  let expanded = 0;
  for (let seed = 0; seed < 60; seed++) {
    const { trace, label: got } = ssdTrainTransform(img, label, new Random(seed), O);
    const e = trace.expand ?? { offsetX: 0, offsetY: 0 };
    const [l, t, w, h] = trace.crop;
    let exp = bboxCrop(bboxTranslate(label, e.offsetX, e.offsetY), [l, t, w, h], false);
    exp = bboxResize(exp, [w, h], [O.width, O.height]);
    exp = bboxFlip(exp, [O.width, O.height], trace.flip);
    assert.deepEqual(got, exp, `seed ${seed}`);
    if (trace.flip) flipped++;
    if (trace.expand && (e.offsetX > 0 || e.offsetY > 0)) expanded++;
  }
  assert.ok(flipped > 10 && expanded > 10);
});

test('train transform is reproducible from the seed and varies with it', () => {
  const img = noiseImage(30, 20, 2);
  const label = [[3, 4, 20, 15, 1, 0]];
  const a = ssdTrainTransform(img, label, new Random(7), O);
  const b = ssdTrainTransform(img, label, new Random(7), O);
  const c = ssdTrainTransform(img, label, new Random(8), O);
  assert.deepEqual(Array.from(a.image), Array.from(b.image));
  assert.deepEqual(a.label, b.label);
  assert.notDeepEqual(Array.from(a.image), Array.from(c.image));
  assert.equal(a.image.length, 3 * O.width * O.height);
});

test('boxes describe the transformed object: inside uniform object colour, just outside something else', () => {
  // 60×50 grey image with a red rectangle exactly covering pixels [20, 35) × [15, 30) → box [20,15,35,30].
  const W = 60;
  const H = 50;
  const data = new Uint8Array(W * H * 3).fill(128);
  for (let y = 15; y < 30; y++) for (let x = 20; x < 35; x++) data.set([250, 10, 10], (y * W + x) * 3);
  const img = { data, width: W, height: H };
  let checkedInside = 0;
  let checkedOutside = 0;
  const o = { width: 64, height: 64 };
  for (let seed = 0; seed < 80; seed++) {
    const t = ssdTrainTransform(img, [[20, 15, 35, 30, 0, 0]], new Random(seed), o);
    assert.equal(t.label.length, 1, `seed ${seed}: the object is kept`);
    const [x0, y0, x1, y1] = t.label[0]!;
    assert.ok(x0! >= 0 && y0! >= 0 && x1! <= 64 && y1! <= 64 && x0! < x1! && y0! < y1!);
    const cx = Math.floor((x0! + x1!) / 2);
    const cy = Math.floor((y0! + y1!) / 2);
    const centre = [0, 1, 2].map((c) => (t.image[c * 64 * 64 + cy * 64 + cx]! * SSD_STD[c]! + SSD_MEAN[c]!) * 255);
    // Interior has the object's colour, away from the edges by the interpolation's reach (Lanczos: 4 source
    // pixels) in output pixels.
    const mx = Math.ceil((4 * 64) / t.trace.crop[2]) + 1;
    const my = Math.ceil((4 * 64) / t.trace.crop[3]) + 1;
    for (let y = Math.ceil(y0!) + my; y < Math.floor(y1!) - my; y++) {
      for (let x = Math.ceil(x0!) + mx; x < Math.floor(x1!) - mx; x++) {
        for (let c = 0; c < 3; c++) {
          const v = (t.image[c * 64 * 64 + y * 64 + x]! * SSD_STD[c]! + SSD_MEAN[c]!) * 255;
          assert.ok(Math.abs(v - centre[c]!) < 0.5, `seed ${seed}: interior pixel (${x},${y}) ${v} vs centre ${centre[c]}`);
        }
        checkedInside++;
      }
    }
    // Two source pixels beyond a box edge that is not the image border, the colour differs.
    const dx = Math.ceil((2 * 64) / t.trace.crop[2]) + 1;
    const dy = Math.ceil((2 * 64) / t.trace.crop[3]) + 1;
    const probes: [number, number][] = [];
    if (x0! - dx >= 0) probes.push([Math.floor(x0! - dx), cy]);
    if (x1! + dx < 64) probes.push([Math.ceil(x1! + dx), cy]);
    if (y0! - dy >= 0) probes.push([cx, Math.floor(y0! - dy)]);
    if (y1! + dy < 64) probes.push([cx, Math.ceil(y1! + dy)]);
    for (const [x, y] of probes) {
      const d = Math.max(...[0, 1, 2].map((c) => Math.abs((t.image[c * 64 * 64 + y * 64 + x]! * SSD_STD[c]! + SSD_MEAN[c]!) * 255 - centre[c]!)));
      assert.ok(d > 10, `seed ${seed}: pixel (${x},${y}) outside the box looks like the object (diff ${d})`);
      checkedOutside++;
    }
  }
  assert.ok(checkedInside > 300 && checkedOutside > 60, `${checkedInside} inside / ${checkedOutside} outside checks`);
});

test('train draws: expand, flip with p 0.5; interpolation uniform over 0..4; crops respect limits', () => {
  const img = noiseImage(20, 16, 1);
  const label = [[2, 2, 12, 10, 0, 0]];
  const n = 1500;
  let expand = 0;
  let flip = 0;
  const interp = [0, 0, 0, 0, 0];
  for (let seed = 0; seed < n; seed++) {
    // Only the draws matter here: a tiny output keeps it fast.
    const t = ssdTrainTransform(img, label, new Random(seed), { width: 4, height: 4 });
    if (t.trace.expand) {
      expand++;
      const e = t.trace.expand;
      assert.ok(e.width >= 20 && e.width < 80 && e.offsetX <= e.width - 20 && e.offsetY <= e.height - 16);
    }
    if (t.trace.flip) flip++;
    interp[t.trace.interp]!++;
    const cw = t.trace.expand ? t.trace.expand.width : 20;
    const ch = t.trace.expand ? t.trace.expand.height : 16;
    const [l, tp, w, h] = t.trace.crop;
    assert.ok(l >= 0 && tp >= 0 && l + w <= cw && tp + h <= ch);
  }
  assert.ok(Math.abs(expand / n - 0.5) < 0.04, `expand ${expand / n}`);
  assert.ok(Math.abs(flip / n - 0.5) < 0.04, `flip ${flip / n}`);
  for (const c of interp) assert.ok(Math.abs(c / n - 0.2) < 0.035, `interp frequencies ${interp}`);
});

test('an image without objects still transforms (first random crop, empty label)', () => {
  const t = ssdTrainTransform(noiseImage(30, 30, 4), [], new Random(3), O);
  assert.deepEqual(t.label, []);
  assert.equal(t.image.length, 3 * 40 * 32);
});

test('val transform: bicubic/area/bilinear by size, boxes scaled, all columns kept, normalized', () => {
  const img = { data: new Uint8Array(4 * 2 * 3).fill(51), width: 4, height: 2 };
  const v = ssdValTransform(img, [[1, 0, 3, 2, 5, 1, 0.7]], { width: 8, height: 4 });
  assert.deepEqual(v.label, [[2, 0, 6, 4, 5, 1, 0.7]]);
  assertClose(v.image.subarray(0, 32), new Array(32).fill((0.2 - 0.485) / 0.229), 1e-5, 1e-5, 'R plane');
  assertClose(v.image.subarray(64, 96), new Array(32).fill((0.2 - 0.406) / 0.225), 1e-5, 1e-5, 'B plane');
  // Shrinking both sides uses area averaging: a 2×2 checker of 0/200 averages to 100.
  const ck = { data: Uint8Array.from([0, 0, 0, 200, 200, 200, 200, 200, 200, 0, 0, 0]), width: 2, height: 2 };
  const s = ssdValTransform(ck, [], { width: 1, height: 1, mean: [0, 0, 0], std: [1, 1, 1] });
  assertClose(s.image, [100 / 255, 100 / 255, 100 / 255], 1e-5, 1e-6, 'area');
});
