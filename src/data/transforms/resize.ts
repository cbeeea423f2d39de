// Image resampling with OpenCV's cv::resize semantics (MXNet's imresize calls it), on float or 8-bit HWC RGB
// images, producing Float32 (values unclipped, as the float pipeline of spec §7.4 needs). Interpolation codes as
// in OpenCV/MXNet: 0 nearest, 1 bilinear, 2 bicubic (a = -0.75), 3 area, 4 Lanczos (8 taps); 9 picks one from
// the sizes (spec §7.5). Borders replicate. Separable: a horizontal pass over the rows the vertical taps need,
// then a vertical pass. (sharp is not used here: it cannot carry negative/over-range floats and has no area mode.)
import type { RGBImage } from '../types.js';

export type Interp = 0 | 1 | 2 | 3 | 4;
export const INTERP_NAMES: Record<Interp, string> = { 0: 'nearest', 1: 'bilinear', 2: 'bicubic', 3: 'area', 4: 'lanczos' };

/** MXNet's interp=9 rule (image.py _get_interp_method): bicubic when both sides grow, area when both shrink,
 * else bilinear. */
export function autoInterp(srcW: number, srcH: number, dstW: number, dstH: number): Interp {
  if (dstH > srcH && dstW > srcW) return 2;
  if (dstH < srcH && dstW < srcW) return 3;
  return 1;
}

/** Per-output-position source indices and weights along one axis (k taps each, clamped to the source). */
export interface AxisTaps {
  k: number;
  index: Int32Array;
  weight: Float64Array;
}

function clampIndex(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

function cubicWeights(x: number, out: number[]): void {
  const A = -0.75;
  out[0] = ((A * (x + 1) - 5 * A) * (x + 1) + 8 * A) * (x + 1) - 4 * A;
  out[1] = ((A + 2) * x - (A + 3)) * x * x + 1;
  out[2] = ((A + 2) * (1 - x) - (A + 3)) * (1 - x) * (1 - x) + 1;
  out[3] = 1 - out[0]! - out[1]! - out[2]!;
}

function lanczos4Weights(x: number, out: number[]): void {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const t = x + 3 - i;
    const w = Math.abs(t) < 1e-6 ? 1 : (4 * Math.sin(Math.PI * t) * Math.sin((Math.PI * t) / 4)) / (Math.PI * Math.PI * t * t);
    out[i] = w;
    sum += w;
  }
  for (let i = 0; i < 8; i++) out[i]! /= sum;
}

/**
 * Taps for one axis. `trueArea`: OpenCV's resizeArea (used only when neither axis grows): each output averages
 * the source interval [d·s, (d+1)·s) weighted by coverage. Otherwise INTER_AREA falls back to OpenCV's
 * area-mode linear coefficients.
 */
export function axisTaps(src: number, dst: number, interp: Interp, trueArea: boolean): AxisTaps {
  const scale = src / dst;
  if (interp === 3 && trueArea) {
    const k = Math.ceil(scale) + 1;
    const index = new Int32Array(dst * k);
    const weight = new Float64Array(dst * k);
    for (let d = 0; d < dst; d++) {
      const a = d * scale;
      const b = Math.min((d + 1) * scale, src);
      const len = b - a;
      let j = 0;
      for (let s = Math.floor(a); s < b && j < k; s++, j++) {
        const cover = Math.min(s + 1, b) - Math.max(s, a);
        index[d * k + j] = clampIndex(s, src);
        weight[d * k + j] = cover / len;
      }
      for (; j < k; j++) index[d * k + j] = clampIndex(Math.floor(a), src);
    }
    return { k, index, weight };
  }
  const k = interp === 0 ? 1 : interp === 1 || interp === 3 ? 2 : interp === 2 ? 4 : 8;
  const index = new Int32Array(dst * k);
  const weight = new Float64Array(dst * k);
  const w: number[] = new Array(8).fill(0);
  for (let d = 0; d < dst; d++) {
    if (interp === 0) {
      index[d] = Math.min(Math.floor(d * scale), src - 1);
      weight[d] = 1;
      continue;
    }
    let sx: number;
    let fx: number;
    if (interp === 3) {
      sx = Math.floor(d * scale);
      fx = d + 1 - (sx + 1) / scale;
      fx = fx <= 0 ? 0 : fx - Math.floor(fx);
    } else {
      fx = (d + 0.5) * scale - 0.5;
      sx = Math.floor(fx);
      fx -= sx;
    }
    if (k === 2) {
      if (sx < 0) {
        sx = 0;
        fx = 0;
      }
      if (sx >= src - 1) {
        sx = src - 1;
        fx = 0;
      }
      index[d * 2] = sx;
      index[d * 2 + 1] = clampIndex(sx + 1, src);
      weight[d * 2] = 1 - fx;
      weight[d * 2 + 1] = fx;
      continue;
    }
    if (k === 4) cubicWeights(fx, w);
    else lanczos4Weights(fx, w);
    const first = sx - (k / 2 - 1);
    for (let j = 0; j < k; j++) {
      index[d * k + j] = clampIndex(first + j, src);
      weight[d * k + j] = w[j]!;
    }
  }
  return { k, index, weight };
}

/** Resizes to exactly dstW×dstH with OpenCV interpolation `interp`; returns a Float32 image. */
export function resize(img: RGBImage, dstW: number, dstH: number, interp: Interp): RGBImage<Float32Array> {
  const { width: sw, height: sh, data: src } = img;
  if (!(Number.isInteger(dstW) && Number.isInteger(dstH) && dstW > 0 && dstH > 0)) {
    throw new RangeError(`resize: bad output size ${dstW}x${dstH}`);
  }
  if (sw === dstW && sh === dstH) return { data: Float32Array.from(src), width: sw, height: sh };
  const trueArea = interp === 3 && sw >= dstW && sh >= dstH;
  const tx = axisTaps(sw, dstW, interp, trueArea);
  const ty = axisTaps(sh, dstH, interp, trueArea);
  // Horizontal pass, only over the source rows some output row reads.
  const rowOut = dstW * 3;
  const rows: (Float32Array | undefined)[] = new Array(sh);
  const kx = tx.k;
  const xIdx = Int32Array.from(tx.index, (i) => i * 3);
  const xW = Float32Array.from(tx.weight);
  for (let i = 0; i < ty.index.length; i++) {
    const y = ty.index[i]!;
    if (rows[y] !== undefined || ty.weight[i] === 0) continue;
    const r = new Float32Array(rowOut);
    const base = y * sw * 3;
    if (kx === 1) {
      for (let d = 0; d < dstW; d++) {
        const p = base + xIdx[d]!;
        r[d * 3] = src[p]!;
        r[d * 3 + 1] = src[p + 1]!;
        r[d * 3 + 2] = src[p + 2]!;
      }
    } else {
      for (let d = 0, t = 0; d < dstW; d++) {
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        for (let j = 0; j < kx; j++, t++) {
          const wt = xW[t]!;
          const p = base + xIdx[t]!;
          a0 += wt * src[p]!;
          a1 += wt * src[p + 1]!;
          a2 += wt * src[p + 2]!;
        }
        r[d * 3] = a0;
        r[d * 3 + 1] = a1;
        r[d * 3 + 2] = a2;
      }
    }
    rows[y] = r;
  }
  // Vertical pass: each output row is a weighted sum of horizontally resampled rows.
  const out = new Float32Array(dstH * rowOut);
  const ky = ty.k;
  for (let d = 0; d < dstH; d++) {
    const o = d * rowOut;
    let first = true;
    for (let j = 0; j < ky; j++) {
      const wt = ty.weight[d * ky + j]!;
      if (wt === 0) continue;
      const r = rows[ty.index[d * ky + j]!]!;
      if (first) {
        for (let x = 0; x < rowOut; x++) out[o + x] = wt * r[x]!;
        first = false;
      } else {
        for (let x = 0; x < rowOut; x++) out[o + x]! += wt * r[x]!;
      }
    }
  }
  return { data: out, width: dstW, height: dstH };
}
