// Box bookkeeping for the SSD augmentations (spec §7.4 steps 2–5), after GluonCV's
// gluoncv/data/transforms/bbox.py (translate, resize, flip, crop), gluoncv/utils/bbox.py (bbox_iou) and
// experimental/bbox.py (random_crop_with_constraints). Labels are rows [xmin,ymin,xmax,ymax,cls,...]; the
// functions return new rows and never modify their input.
import type { Label } from '../types.js';
import type { Rng } from '../random.js';

/** A crop rectangle as GluonCV writes it: left, top, width, height. */
export type CropBox = [number, number, number, number];

function copyRows(label: Label): Label {
  return label.map((r) => r.slice());
}

/** Shifts boxes by (dx, dy) (tbbox.translate). */
export function bboxTranslate(label: Label, dx: number, dy: number): Label {
  return label.map((r) => {
    const o = r.slice();
    o[0] = r[0]! + dx;
    o[1] = r[1]! + dy;
    o[2] = r[2]! + dx;
    o[3] = r[3]! + dy;
    return o;
  });
}

/** Scales boxes from an image of `inSize` = [w, h] to `outSize` (tbbox.resize). */
export function bboxResize(label: Label, inSize: [number, number], outSize: [number, number]): Label {
  const sx = outSize[0] / inSize[0];
  const sy = outSize[1] / inSize[1];
  return label.map((r) => {
    const o = r.slice();
    o[0] = sx * r[0]!;
    o[1] = sy * r[1]!;
    o[2] = sx * r[2]!;
    o[3] = sy * r[3]!;
    return o;
  });
}

/** Mirrors boxes in an image of `size` = [w, h]: xmin' = w - xmax, xmax' = w - xmin (tbbox.flip). */
export function bboxFlip(label: Label, size: [number, number], flipX: boolean, flipY = false): Label {
  const [w, h] = size;
  return label.map((r) => {
    const o = r.slice();
    if (flipY) {
      o[1] = h - r[3]!;
      o[3] = h - r[1]!;
    }
    if (flipX) {
      o[0] = w - r[2]!;
      o[2] = w - r[0]!;
    }
    return o;
  });
}

/**
 * Crops boxes to `crop` = [l, t, w, h] (tbbox.crop): clip to the crop, translate to its origin, drop boxes left
 * empty. With `allowOutsideCenter` false, boxes whose centre is outside [l, l+w) × [t, t+h) are dropped too.
 */
export function bboxCrop(label: Label, crop: CropBox, allowOutsideCenter = true): Label {
  const [l, t, w, h] = crop;
  const right = l + w;
  const bottom = t + h;
  const out: Label = [];
  for (const r of label) {
    if (!allowOutsideCenter) {
      const cx = (r[0]! + r[2]!) / 2;
      const cy = (r[1]! + r[3]!) / 2;
      if (!(l <= cx && cx < right && t <= cy && cy < bottom)) continue;
    }
    const o = r.slice();
    o[0] = Math.max(r[0]!, l) - l;
    o[1] = Math.max(r[1]!, t) - t;
    o[2] = Math.min(r[2]!, right) - l;
    o[3] = Math.min(r[3]!, bottom) - t;
    if (o[0]! < o[2]! && o[1]! < o[3]!) out.push(o);
  }
  return out;
}

/** IoU of every box in `a` with every box in `b` (corner format; `offset` 1 for the integer-pixel convention). */
export function bboxIou(a: readonly (readonly number[])[], b: readonly (readonly number[])[], offset = 0): number[][] {
  return a.map((ra) => {
    const areaA = (ra[2]! - ra[0]! + offset) * (ra[3]! - ra[1]! + offset);
    return b.map((rb) => {
      const tlx = Math.max(ra[0]!, rb[0]!);
      const tly = Math.max(ra[1]!, rb[1]!);
      const brx = Math.min(ra[2]!, rb[2]!);
      const bry = Math.min(ra[3]!, rb[3]!);
      const inter = tlx < brx && tly < bry ? (brx - tlx + offset) * (bry - tly + offset) : 0;
      const areaB = (rb[2]! - rb[0]! + offset) * (rb[3]! - rb[1]! + offset);
      return inter / (areaA + areaB - inter);
    });
  });
}

export interface CropConstraintOptions {
  minScale?: number;
  maxScale?: number;
  maxAspectRatio?: number;
  /** [minIou, maxIou] pairs; null means unbounded. Default: the SSD paper's six. */
  constraints?: readonly (readonly [number | null, number | null])[];
  maxTrial?: number;
}

export const SSD_CROP_CONSTRAINTS: readonly (readonly [number | null, number | null])[] = [
  [0.1, null],
  [0.3, null],
  [0.5, null],
  [0.7, null],
  [0.9, null],
  [null, 1],
];

/**
 * SSD's constrained random crop (experimental.bbox.random_crop_with_constraints, spec §7.4.3). Candidates start
 * with the whole image; for each constraint up to `maxTrial` crops are drawn (scale ~ U(minScale, maxScale),
 * aspect ~ U(max(1/maxAR, scale²), min(maxAR, 1/scale²)), size int(h·scale/√ar) × int(w·scale·√ar), top-left
 * by randrange) and the first whose IoU with every box lies in [minIou, maxIou] is kept. Then candidates are
 * popped at random until one keeps a box (centres inside); fallback: the whole image. An empty label returns
 * the first drawn crop, as GluonCV does.
 */
export function randomCropWithConstraints(
  label: Label,
  size: [number, number],
  rng: Rng,
  opts: CropConstraintOptions = {},
): { label: Label; crop: CropBox } {
  const minScale = opts.minScale ?? 0.3;
  const maxScale = opts.maxScale ?? 1;
  const maxAr = opts.maxAspectRatio ?? 2;
  const constraints = opts.constraints ?? SSD_CROP_CONSTRAINTS;
  const maxTrial = opts.maxTrial ?? 50;
  const [w, h] = size;
  const candidates: CropBox[] = [[0, 0, w, h]];
  for (const [lo, hi] of constraints) {
    const minIou = lo ?? -Infinity;
    const maxIou = hi ?? Infinity;
    for (let trial = 0; trial < maxTrial; trial++) {
      const scale = rng.uniform(minScale, maxScale);
      const ar = rng.uniform(Math.max(1 / maxAr, scale * scale), Math.min(maxAr, 1 / (scale * scale)));
      const cropH = Math.trunc((h * scale) / Math.sqrt(ar));
      const cropW = Math.trunc(w * scale * Math.sqrt(ar));
      // Python's randrange(0) raises; a full-size crop (probability ~0) gets offset 0 instead.
      const top = rng.randrange(Math.max(1, h - cropH));
      const left = rng.randrange(Math.max(1, w - cropW));
      if (label.length === 0) return { label: [], crop: [left, top, cropW, cropH] };
      const iou = bboxIou(label, [[left, top, left + cropW, top + cropH]]).map((r) => r[0]!);
      if (minIou <= Math.min(...iou) && Math.max(...iou) <= maxIou) {
        candidates.push([left, top, cropW, cropH]);
        break;
      }
    }
  }
  while (candidates.length > 0) {
    const crop = candidates.splice(rng.randrange(candidates.length), 1)[0]!;
    const kept = bboxCrop(label, crop, false);
    if (kept.length === 0) continue;
    return { label: kept, crop };
  }
  return { label: copyRows(label), crop: [0, 0, w, h] };
}
