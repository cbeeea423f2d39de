// Image-side augmentations of spec §7.4 (gluoncv/data/transforms/experimental/image.py random_color_distort,
// transforms/image.py random_expand, mx.image.fixed_crop, random_flip) and §7.4.6 to_tensor + normalize.
// Colour distortion is float32 and unclipped. Every colour step is an affine map of each RGB pixel (row vector
// x ↦ x·M + b), so the random distortion is composed into one affine map and applied in a single pass;
// `colorDistortStepwise` applies the steps one by one, as GluonCV does, for reference.
import type { RGBImage } from '../types.js';
import type { Rng } from '../random.js';

/** x ↦ x·m + b for an RGB row vector x; m is 3×3 row-major. */
export interface ColorAffine {
  m: number[];
  b: number[];
}

export const IDENTITY_AFFINE: ColorAffine = { m: [1, 0, 0, 0, 1, 0, 0, 0, 1], b: [0, 0, 0] };

const GRAY = [0.299, 0.587, 0.114];
const TYIQ = [0.299, 0.587, 0.114, 0.596, -0.274, -0.321, 0.211, -0.523, 0.311];
const ITYIQ = [1.0, 0.956, 0.621, 1.0, -0.272, -0.647, 1.0, -1.107, 1.705];

function matmul3(a: readonly number[], b: readonly number[]): number[] {
  const o = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) o[i * 3 + j]! += a[i * 3 + k]! * b[k * 3 + j]!;
  return o;
}

function transpose3(a: readonly number[]): number[] {
  return [a[0]!, a[3]!, a[6]!, a[1]!, a[4]!, a[7]!, a[2]!, a[5]!, a[8]!];
}

/** Apply `first`, then `then`. */
export function composeAffine(first: ColorAffine, then: ColorAffine): ColorAffine {
  const m = matmul3(first.m, then.m);
  const b = [0, 1, 2].map((j) => first.b[0]! * then.m[j]! + first.b[1]! * then.m[3 + j]! + first.b[2]! * then.m[6 + j]! + then.b[j]!);
  return { m, b };
}

/** x + delta. */
export function brightnessAffine(delta: number): ColorAffine {
  return { m: IDENTITY_AFFINE.m.slice(), b: [delta, delta, delta] };
}

/** x·alpha (GluonCV's contrast is a pure scaling, no mean blending). */
export function contrastAffine(alpha: number): ColorAffine {
  return { m: [alpha, 0, 0, 0, alpha, 0, 0, 0, alpha], b: [0, 0, 0] };
}

/** alpha·x + (1 - alpha)·gray, gray = 0.299R + 0.587G + 0.114B. */
export function saturationAffine(alpha: number): ColorAffine {
  const m = new Array<number>(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) m[i * 3 + j] = (i === j ? alpha : 0) + (1 - alpha) * GRAY[i]!;
  return { m, b: [0, 0, 0] };
}

/** YIQ rotation by alpha·π radians: x·t with t = (ityiq · bt · tyiq)ᵀ. */
export function hueAffine(alpha: number): ColorAffine {
  const u = Math.cos(alpha * Math.PI);
  const w = Math.sin(alpha * Math.PI);
  const bt = [1, 0, 0, 0, u, -w, 0, w, u];
  return { m: transpose3(matmul3(matmul3(ITYIQ, bt), TYIQ)), b: [0, 0, 0] };
}

/** Applies an affine colour map to every pixel; returns a Float32 image. */
export function applyColorAffine(img: RGBImage, a: ColorAffine): RGBImage<Float32Array> {
  const src = img.data;
  const out = new Float32Array(src.length);
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = a.m as [number, number, number, number, number, number, number, number, number];
  const [b0, b1, b2] = a.b as [number, number, number];
  for (let p = 0; p < src.length; p += 3) {
    const r = src[p]!;
    const g = src[p + 1]!;
    const bl = src[p + 2]!;
    out[p] = r * m0 + g * m3 + bl * m6 + b0;
    out[p + 1] = r * m1 + g * m4 + bl * m7 + b1;
    out[p + 2] = r * m2 + g * m5 + bl * m8 + b2;
  }
  return { data: out, width: img.width, height: img.height };
}

export interface ColorDistortOptions {
  brightnessDelta?: number;
  contrastLow?: number;
  contrastHigh?: number;
  saturationLow?: number;
  saturationHigh?: number;
  hueDelta?: number;
}

/** The outcome of random_color_distort's draws; undefined = the step was skipped. */
export interface ColorDistortParams {
  brightness?: number;
  contrast?: number;
  saturation?: number;
  hue?: number;
  /** true: contrast → saturation → hue; false: saturation → hue → contrast. */
  contrastFirst: boolean;
}

/** Draws random_color_distort's parameters in GluonCV's order (each step applied when U(0,1) > 0.5). */
export function drawColorDistort(rng: Rng, o: ColorDistortOptions = {}): ColorDistortParams {
  const bd = o.brightnessDelta ?? 32;
  const [cl, ch] = [o.contrastLow ?? 0.5, o.contrastHigh ?? 1.5];
  const [sl, sh] = [o.saturationLow ?? 0.5, o.saturationHigh ?? 1.5];
  const hd = o.hueDelta ?? 18;
  const p: ColorDistortParams = { contrastFirst: false };
  if (rng.uniform(0, 1) > 0.5) p.brightness = rng.uniform(-bd, bd);
  p.contrastFirst = rng.randrange(2) === 1;
  const contrast = (): void => {
    if (rng.uniform(0, 1) > 0.5) p.contrast = rng.uniform(cl, ch);
  };
  const saturation = (): void => {
    if (rng.uniform(0, 1) > 0.5) p.saturation = rng.uniform(sl, sh);
  };
  const hue = (): void => {
    if (rng.uniform(0, 1) > 0.5) p.hue = rng.uniform(-hd, hd);
  };
  if (p.contrastFirst) {
    contrast();
    saturation();
    hue();
  } else {
    saturation();
    hue();
    contrast();
  }
  return p;
}

function steps(p: ColorDistortParams): ColorAffine[] {
  const s: ColorAffine[] = [];
  if (p.brightness !== undefined) s.push(brightnessAffine(p.brightness));
  const c = p.contrast !== undefined ? [contrastAffine(p.contrast)] : [];
  const sat = p.saturation !== undefined ? [saturationAffine(p.saturation)] : [];
  const hue = p.hue !== undefined ? [hueAffine(p.hue)] : [];
  return p.contrastFirst ? [...s, ...c, ...sat, ...hue] : [...s, ...sat, ...hue, ...c];
}

/** The single affine map equal to the distortion `p`. */
export function colorDistortAffine(p: ColorDistortParams): ColorAffine {
  return steps(p).reduce(composeAffine, IDENTITY_AFFINE);
}

/** Applies the distortion `p` step by step, in float32 like GluonCV (reference for colorDistortAffine). */
export function colorDistortStepwise(img: RGBImage, p: ColorDistortParams): RGBImage<Float32Array> {
  let cur: RGBImage<Float32Array> = { data: Float32Array.from(img.data), width: img.width, height: img.height };
  for (const s of steps(p)) cur = applyColorAffine(cur, s);
  return cur;
}

/** random_color_distort: draws the parameters and applies them in one pass. */
export function randomColorDistort(img: RGBImage, rng: Rng, o: ColorDistortOptions = {}): { image: RGBImage<Float32Array>; params: ColorDistortParams } {
  const params = drawColorDistort(rng, o);
  return { image: applyColorAffine(img, colorDistortAffine(params)), params };
}

/** An expansion: the canvas size and where the image sits on it. */
export interface Expansion {
  offsetX: number;
  offsetY: number;
  width: number;
  height: number;
}

/** random_expand's draws: r ~ U(1, maxRatio) (one per axis unless keepRatio), canvas int(h·r)×int(w·r),
 * offsets randint(0, oh-h), randint(0, ow-w) inclusive. */
export function drawExpand(width: number, height: number, rng: Rng, maxRatio = 4, keepRatio = true): Expansion {
  if (maxRatio <= 1) return { offsetX: 0, offsetY: 0, width, height };
  const rx = rng.uniform(1, maxRatio);
  const ry = keepRatio ? rx : rng.uniform(1, maxRatio);
  const oh = Math.trunc(height * ry);
  const ow = Math.trunc(width * rx);
  const offsetY = rng.randint(0, oh - height);
  const offsetX = rng.randint(0, ow - width);
  return { offsetX, offsetY, width: ow, height: oh };
}

/** Places the image on a canvas filled with `fill` (one value per channel). */
export function expandImage(img: RGBImage, e: Expansion, fill: readonly number[]): RGBImage<Float32Array> {
  return cropExpanded(img, e, [0, 0, e.width, e.height], fill);
}

/**
 * The `crop` = [l, t, w, h] of the expanded canvas `e` (fill outside the image), without building the whole
 * canvas; `color` (optional) is applied to image pixels only, as distortion precedes expansion in §7.4.
 */
export function cropExpanded(img: RGBImage, e: Expansion, crop: readonly [number, number, number, number], fill: readonly number[], color?: ColorAffine): RGBImage<Float32Array> {
  const [l, t, w, h] = crop;
  const out = new Float32Array(w * h * 3);
  const [f0, f1, f2] = [fill[0] ?? 0, fill[1] ?? 0, fill[2] ?? 0];
  for (let p = 0; p < out.length; p += 3) {
    out[p] = f0;
    out[p + 1] = f1;
    out[p + 2] = f2;
  }
  // Image rectangle in crop coordinates, intersected with the crop.
  const x0 = Math.max(0, e.offsetX - l);
  const y0 = Math.max(0, e.offsetY - t);
  const x1 = Math.min(w, e.offsetX + img.width - l);
  const y1 = Math.min(h, e.offsetY + img.height - t);
  if (x1 <= x0 || y1 <= y0) return { data: out, width: w, height: h };
  const src = img.data;
  const a = color ?? IDENTITY_AFFINE;
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = a.m as [number, number, number, number, number, number, number, number, number];
  const [b0, b1, b2] = a.b as [number, number, number];
  const ident = color === undefined;
  for (let y = y0; y < y1; y++) {
    const sy = y + t - e.offsetY;
    let s = (sy * img.width + (x0 + l - e.offsetX)) * 3;
    let d = (y * w + x0) * 3;
    const end = (y * w + x1) * 3;
    if (ident) {
      for (; d < end; d++, s++) out[d] = src[s]!;
      continue;
    }
    for (; d < end; d += 3, s += 3) {
      const r = src[s]!;
      const g = src[s + 1]!;
      const bl = src[s + 2]!;
      out[d] = r * m0 + g * m3 + bl * m6 + b0;
      out[d + 1] = r * m1 + g * m4 + bl * m7 + b1;
      out[d + 2] = r * m2 + g * m5 + bl * m8 + b2;
    }
  }
  return { data: out, width: w, height: h };
}

/** mx.image.fixed_crop without resizing: the [x0, y0, w, h] region (must lie inside the image). */
export function fixedCrop(img: RGBImage, x0: number, y0: number, w: number, h: number): RGBImage<Float32Array> {
  if (x0 < 0 || y0 < 0 || x0 + w > img.width || y0 + h > img.height || w <= 0 || h <= 0) {
    throw new RangeError(`fixedCrop: [${x0}, ${y0}, ${w}, ${h}] is not inside a ${img.width}x${img.height} image`);
  }
  return cropExpanded(img, { offsetX: 0, offsetY: 0, width: img.width, height: img.height }, [x0, y0, w, h], [0, 0, 0]);
}

/** Mirrors an image left–right. */
export function flipHorizontal<T extends Uint8Array | Float32Array>(img: RGBImage<T>): RGBImage<T> {
  const { width: w, height: h, data } = img;
  const out = new (data.constructor as { new (n: number): T })(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3;
      const d = (y * w + (w - 1 - x)) * 3;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
  return { data: out, width: w, height: h };
}

/** to_tensor + normalize: CHW Float32 with (x/255 - mean)/std per channel, optionally mirrored on the way. */
export function toNormalizedCHW(img: RGBImage, mean: readonly number[], std: readonly number[], flip = false): Float32Array {
  const { width: w, height: h, data } = img;
  const plane = w * h;
  const out = new Float32Array(3 * plane);
  const scale = [0, 1, 2].map((c) => 1 / (255 * std[c]!));
  const shift = [0, 1, 2].map((c) => mean[c]! / std[c]!);
  for (let c = 0; c < 3; c++) {
    const sc = scale[c]!;
    const sh = shift[c]!;
    const base = c * plane;
    for (let y = 0; y < h; y++) {
      const row = y * w;
      for (let x = 0; x < w; x++) {
        const sx = flip ? w - 1 - x : x;
        out[base + row + x] = data[(row + sx) * 3 + c]! * sc - sh;
      }
    }
  }
  return out;
}
