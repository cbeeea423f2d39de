// Image-side augmentations (src/data/transforms/image.ts, spec §7.4.1–2, 5–6): colour distortion against a
// numpy transcription of GluonCV's code, the one-pass affine composition against the step-by-step version, the
// draw statistics, expansion, crop, flip and normalization.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyColorAffine,
  colorDistortAffine,
  colorDistortStepwise,
  drawColorDistort,
  drawExpand,
  expandImage,
  cropExpanded,
  fixedCrop,
  flipHorizontal,
  toNormalizedCHW,
  type ColorDistortParams,
} from '../../src/data/transforms/image.js';
import { Random } from '../../src/data/random.js';
import { assertClose, loadFixture } from '../helpers.js';
import { noiseImage } from './util.js';

interface ColorFixture {
  width: number;
  height: number;
  image: number[];
  cases: { params: ColorDistortParams & { brightness?: number | null }; expected: number[] }[];
}

const fx = loadFixture<{ color: ColorFixture }>('data_transforms.json').color;

test('colour distortion matches GluonCV (numpy transcription), both orders, stepwise and one-pass', () => {
  const img = { data: Float32Array.from(fx.image), width: fx.width, height: fx.height };
  for (const c of fx.cases) {
    const p: ColorDistortParams = { contrastFirst: c.params.contrastFirst };
    for (const k of ['brightness', 'contrast', 'saturation', 'hue'] as const) if (c.params[k] != null) p[k] = c.params[k];
    assertClose(colorDistortStepwise(img, p).data, c.expected, 1e-4, 2e-3, `stepwise ${JSON.stringify(p)}`);
    assertClose(applyColorAffine(img, colorDistortAffine(p)).data, c.expected, 1e-4, 2e-3, `one-pass ${JSON.stringify(p)}`);
  }
});

test('colour steps: brightness adds, contrast scales, saturation keeps grey, no clipping', () => {
  const img = { data: Float32Array.from([10, 20, 30, 128, 128, 128, 250, 5, 255]), width: 3, height: 1 };
  assertClose(colorDistortStepwise(img, { brightness: 10, contrastFirst: true }).data, [20, 30, 40, 138, 138, 138, 260, 15, 265], 0, 1e-4, 'brightness');
  assertClose(colorDistortStepwise(img, { contrast: 1.5, contrastFirst: true }).data, [15, 30, 45, 192, 192, 192, 375, 7.5, 382.5], 0, 1e-4, 'contrast');
  const sat = colorDistortStepwise(img, { saturation: 0.25, contrastFirst: true }).data;
  assertClose(sat.subarray(3, 6), [128, 128, 128], 0, 1e-3, 'grey pixel keeps its value under saturation');
  const gray = 0.299 * 10 + 0.587 * 20 + 0.114 * 30;
  assertClose(sat.subarray(0, 3), [0.25 * 10 + 0.75 * gray, 0.25 * 20 + 0.75 * gray, 0.25 * 30 + 0.75 * gray], 0, 1e-3, 'saturation blend');
  const neg = colorDistortStepwise(img, { brightness: -20, contrastFirst: true }).data;
  assert.equal(neg[7], -15, 'values below 0 are kept');
});

test('affine composition equals the stepwise distortion for random draws', () => {
  const img = noiseImage(9, 7, 3);
  const g = new Random(99);
  for (let i = 0; i < 40; i++) {
    const p = drawColorDistort(g);
    assertClose(applyColorAffine(img, colorDistortAffine(p)).data, Array.from(colorDistortStepwise(img, p).data), 1e-4, 1e-2, `draw ${i}`);
  }
});

test('colour distortion draws: each step with p 0.5, both orders, parameter ranges', () => {
  const n = 4000;
  const g = new Random(2024);
  const cnt = { brightness: 0, contrast: 0, saturation: 0, hue: 0, contrastFirst: 0 };
  let bsum = 0;
  let bsq = 0;
  for (let i = 0; i < n; i++) {
    const p = drawColorDistort(g);
    if (p.contrastFirst) cnt.contrastFirst++;
    if (p.brightness !== undefined) {
      cnt.brightness++;
      assert.ok(p.brightness >= -32 && p.brightness < 32);
      bsum += p.brightness;
      bsq += p.brightness ** 2;
    }
    if (p.contrast !== undefined) {
      cnt.contrast++;
      assert.ok(p.contrast >= 0.5 && p.contrast < 1.5);
    }
    if (p.saturation !== undefined) {
      cnt.saturation++;
      assert.ok(p.saturation >= 0.5 && p.saturation < 1.5);
    }
    if (p.hue !== undefined) {
      cnt.hue++;
      assert.ok(p.hue >= -18 && p.hue < 18);
    }
  }
  for (const [k, v] of Object.entries(cnt)) assert.ok(Math.abs(v / n - 0.5) < 0.035, `${k} frequency ${v / n}`);
  const mean = bsum / cnt.brightness;
  const sd = Math.sqrt(bsq / cnt.brightness - mean * mean);
  assert.ok(Math.abs(mean) < 1.5, `brightness mean ${mean}`);
  assert.ok(Math.abs(sd - 32 / Math.sqrt(3)) < 1, `brightness sd ${sd} (uniform ±32 → 18.5)`);
});

test('expand draws: ratio in [1, 4), same on both axes, offsets inclusive', () => {
  const g = new Random(5);
  let maxOffsetHit = false;
  let zeroOffsetHit = false;
  const ratios: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const e = drawExpand(10, 8, g);
    const rx = e.width / 10;
    ratios.push(rx);
    assert.ok(e.width >= 10 && e.width < 40 && e.height >= 8 && e.height < 32);
    assert.ok(Math.abs(e.width / 10 - e.height / 8) < 0.2, 'keep ratio');
    assert.ok(e.offsetX >= 0 && e.offsetX <= e.width - 10 && e.offsetY >= 0 && e.offsetY <= e.height - 8);
    if (e.offsetX === e.width - 10 && e.width > 10) maxOffsetHit = true;
    if (e.offsetX === 0 && e.width > 10) zeroOffsetHit = true;
  }
  assert.ok(maxOffsetHit && zeroOffsetHit, 'randint includes both ends');
  const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  assert.ok(Math.abs(mean - 2.45) < 0.1, `mean int(10r)/10 ≈ 2.45, got ${mean}`);
  assert.deepEqual(drawExpand(10, 8, g, 1), { offsetX: 0, offsetY: 0, width: 10, height: 8 });
});

test('expandImage places the image on a mean-filled canvas; cropExpanded equals expand then crop', () => {
  const img = { data: Uint8Array.from([1, 2, 3, 4, 5, 6]), width: 2, height: 1 };
  const out = expandImage(img, { offsetX: 1, offsetY: 1, width: 4, height: 3 }, [9, 8, 7]);
  const F = [9, 8, 7];
  assert.deepEqual(Array.from(out.data), [...F, ...F, ...F, ...F, ...F, 1, 2, 3, 4, 5, 6, ...F, ...F, ...F, ...F, ...F]);
  const big = noiseImage(13, 11, 8);
  const g = new Random(4);
  for (let i = 0; i < 30; i++) {
    const e = drawExpand(13, 11, g);
    const w = 1 + g.randrange(e.width);
    const h = 1 + g.randrange(e.height);
    const l = g.randrange(e.width - w + 1);
    const t = g.randrange(e.height - h + 1);
    const p = drawColorDistort(g);
    const aff = colorDistortAffine(p);
    const ref = fixedCrop(expandImage(applyColorAffine(big, aff), e, [123.675, 116.28, 103.53]), l, t, w, h);
    const got = cropExpanded(big, e, [l, t, w, h], [123.675, 116.28, 103.53], aff);
    assertClose(got.data, Array.from(ref.data), 0, 1e-3, `crop ${i}`);
  }
});

test('fixedCrop takes the region and refuses one outside the image', () => {
  const img = { data: Uint8Array.from(Array.from({ length: 4 * 3 * 3 }, (_, i) => i)), width: 4, height: 3 };
  const c = fixedCrop(img, 1, 1, 2, 2);
  assert.deepEqual(Array.from(c.data), [15, 16, 17, 18, 19, 20, 27, 28, 29, 30, 31, 32]);
  assert.throws(() => fixedCrop(img, 3, 0, 2, 1), /not inside/);
});

test('flip mirrors columns; toNormalizedCHW is (x/255 - mean)/std per plane, optionally mirrored', () => {
  const img = { data: Uint8Array.from([0, 51, 102, 255, 204, 153]), width: 2, height: 1 };
  assert.deepEqual(Array.from(flipHorizontal(img).data), [255, 204, 153, 0, 51, 102]);
  const mean = [0.5, 0.25, 0];
  const std = [0.5, 0.25, 1];
  const exp = [(0 / 255 - 0.5) / 0.5, (1 - 0.5) / 0.5, (0.2 - 0.25) / 0.25, (0.8 - 0.25) / 0.25, 0.4, 0.6];
  assertClose(toNormalizedCHW(img, mean, std), exp, 1e-6, 1e-6, 'chw');
  assertClose(toNormalizedCHW(img, mean, std, true), [exp[1], exp[0], exp[3], exp[2], exp[5], exp[4]], 1e-6, 1e-6, 'chw flipped');
});
