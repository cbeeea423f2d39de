// COCO bounding-box evaluation (spec §7.7: what COCODetectionMetric hands to pycocotools): a port of
// pycocotools' COCOeval evaluate / accumulate / summarize for iouType 'bbox' with the default Params —
// 10 IoU thresholds .50:.05:.95, 101 recall thresholds, maxDets 1/10/100, areas all/small(<32²)/medium/
// large(>96²) with inclusive bounds — giving the 12 standard numbers (AP, AP50, AP75, APs/m/l, AR1/10/100,
// ARs/m/l). Ground truth in COCO-JSON form, detections as COCO results ({image_id, category_id, bbox xywh,
// score}). Faithful details: GT 'ignore' := iscrowd; crowd IoU = inter / area(det) and crowd GT can absorb many
// detections; detections sorted stably by score and cut to 100 per image and category; detection area = w·h,
// GT area = its 'area' field (w·h when absent); -1 where a category has no non-ignored GT, excluded from the
// means. Unlike pycocotools, matches are tracked by index, so an annotation id of 0 is harmless.
import type { PRCurve } from './types.js';

export interface COCOImage {
  id: number;
  width?: number;
  height?: number;
}

export interface COCOAnnotation {
  id?: number;
  image_id: number;
  category_id: number;
  /** [x, y, w, h] */
  bbox: readonly number[];
  /** Object area used for the area ranges (COCO: segmentation area); default bbox w·h. */
  area?: number;
  iscrowd?: number | boolean;
}

export interface COCOCategory {
  id: number;
  name?: string;
}

/** COCO instances JSON (the fields the evaluation reads). Without `categories`, the annotations' ids are used. */
export interface COCOGroundTruth {
  images: readonly COCOImage[];
  annotations: readonly COCOAnnotation[];
  categories?: readonly COCOCategory[];
}

/** One detection in COCO results format. */
export interface COCODetectionResult {
  image_id: number;
  category_id: number;
  /** [x, y, w, h] */
  bbox: readonly number[];
  score: number;
}

export const COCO_STAT_NAMES = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] as const;
export const COCO_AREA_LABELS = ['all', 'small', 'medium', 'large'] as const;
export const COCO_AREA_RANGES: readonly (readonly [number, number])[] = [[0, 1e10], [0, 32 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e10]];
export const COCO_MAX_DETS: readonly number[] = [1, 10, 100];

/** numpy.linspace(start, stop, num): i * step + start, last = stop (bitwise, so threshold comparisons agree). */
function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

export const COCO_IOU_THRS: Float64Array = linspace(0.5, 0.95, 10);
export const COCO_REC_THRS: Float64Array = linspace(0, 1, 101);

export interface COCOEvalResult {
  /** The 12 standard numbers in COCO_STAT_NAMES order; -1 where undefined (no GT in that range). */
  stats: number[];
  imgIds: number[];
  catIds: number[];
  /** Precision at each recall threshold, row-major [T=10][R=101][K][A=4][M=3]; -1 for a category without GT. */
  precision: Float64Array;
  /** Final recall, row-major [T][K][A][M]; -1 for a category without GT. */
  recall: Float64Array;
  dims: { T: number; R: number; K: number; A: number; M: number };
}

interface Gt {
  x: number;
  y: number;
  w: number;
  h: number;
  area: number;
  crowd: boolean;
}

interface Dt {
  x: number;
  y: number;
  w: number;
  h: number;
  area: number;
  score: number;
}

/** One (image, category, area range) after matching: detections (≤ 100) by score, flags per IoU threshold. */
interface EvalImg {
  scores: number[];
  /** [T][D]: 1 if matched (to any GT). */
  matched: Uint8Array;
  /** [T][D]: 1 if ignored (matched an ignored GT, or unmatched and outside the area range). */
  ignored: Uint8Array;
  /** Number of non-ignored GT. */
  npig: number;
}

function finite4(b: readonly number[] | undefined, what: string): [number, number, number, number] {
  if (!Array.isArray(b) || b.length < 4 || !b.slice(0, 4).every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new TypeError(`${what}: bbox must be [x, y, w, h] of finite numbers, got ${JSON.stringify(b)}`);
  }
  return [b[0]!, b[1]!, b[2]!, b[3]!];
}

/** Stable order of `items` by descending score (numpy argsort(-score, kind='mergesort')). */
function byScore<T extends { score: number }>(items: readonly T[]): T[] {
  return items
    .map((d, i) => ({ d, i }))
    .sort((a, b) => b.d.score - a.d.score || a.i - b.i)
    .map((e) => e.d);
}

/** maskApi.c bbIou: [D][G] IoU of xywh boxes, crowd GT measured as inter / area(det). */
function bboxIou(dts: readonly Dt[], gts: readonly Gt[]): Float64Array {
  const G = gts.length;
  const o = new Float64Array(dts.length * G);
  for (let g = 0; g < G; g++) {
    const t = gts[g]!;
    const ga = t.w * t.h;
    for (let d = 0; d < dts.length; d++) {
      const s = dts[d]!;
      const da = s.w * s.h;
      const w = Math.min(s.w + s.x, t.w + t.x) - Math.max(s.x, t.x);
      if (w <= 0) continue;
      const h = Math.min(s.h + s.y, t.h + t.y) - Math.max(s.y, t.y);
      if (h <= 0) continue;
      const i = w * h;
      o[d * G + g] = i / (t.crowd ? da : da + ga - i);
    }
  }
  return o;
}

/** COCOeval.evaluateImg for one image/category/area range (dts already sorted and cut to maxDets[-1]). */
function evaluateImg(gtsIn: readonly Gt[], dts: readonly Dt[], iousIn: Float64Array, aRng: readonly [number, number]): EvalImg {
  const T = COCO_IOU_THRS.length;
  const G = gtsIn.length;
  const D = dts.length;
  const ig0 = gtsIn.map((g) => (g.crowd || g.area < aRng[0] || g.area > aRng[1] ? 1 : 0));
  // GT sorted with ignored ones last (stable).
  const gtind = [...Array(G).keys()].sort((a, b) => ig0[a]! - ig0[b]! || a - b);
  const gtIg = gtind.map((g) => ig0[g]!);
  const crowd = gtind.map((g) => gtsIn[g]!.crowd);
  const matched = new Uint8Array(T * D);
  const ignored = new Uint8Array(T * D);
  if (G > 0 && D > 0) {
    const gtm = new Uint8Array(T * G);
    for (let t = 0; t < T; t++) {
      for (let d = 0; d < D; d++) {
        let iou = Math.min(COCO_IOU_THRS[t]!, 1 - 1e-10);
        let m = -1;
        for (let g = 0; g < G; g++) {
          if (gtm[t * G + g] && !crowd[g]) continue;
          if (m > -1 && gtIg[m] === 0 && gtIg[g] === 1) break;
          const v = iousIn[d * G + gtind[g]!]!;
          if (v < iou) continue;
          iou = v;
          m = g;
        }
        if (m === -1) continue;
        ignored[t * D + d] = gtIg[m]!;
        matched[t * D + d] = 1;
        gtm[t * G + m] = 1;
      }
    }
  }
  for (let d = 0; d < D; d++) {
    const a = dts[d]!.area;
    if (a < aRng[0] || a > aRng[1]) {
      for (let t = 0; t < T; t++) if (!matched[t * D + d]) ignored[t * D + d] = 1;
    }
  }
  return { scores: dts.map((d) => d.score), matched, ignored, npig: gtIg.filter((v) => v === 0).length };
}

/** Evaluates detections against COCO ground truth like pycocotools' COCOeval(gt, dt, 'bbox'). */
export function cocoEvaluate(gt: COCOGroundTruth, detections: readonly COCODetectionResult[]): COCOEvalResult {
  if (!gt || !Array.isArray(gt.images) || !Array.isArray(gt.annotations)) {
    throw new TypeError('cocoEvaluate: ground truth needs `images` and `annotations` arrays');
  }
  const imgIds = [...new Set(gt.images.map((im) => im.id))].sort((a, b) => a - b);
  const catIds = [...new Set(gt.categories ? gt.categories.map((c) => c.id) : gt.annotations.map((a) => a.category_id))].sort((a, b) => a - b);
  const imgIndex = new Map(imgIds.map((id, i) => [id, i]));
  const catIndex = new Map(catIds.map((id, k) => [id, k]));
  const I = imgIds.length;
  const K = catIds.length;

  const gts = new Map<number, Gt[]>(); // key k * I + i, annotation order
  gt.annotations.forEach((a, n) => {
    const i = imgIndex.get(a.image_id);
    const k = catIndex.get(a.category_id);
    if (i === undefined || k === undefined) return;
    const [x, y, w, h] = finite4(a.bbox, `cocoEvaluate: annotation ${n}`);
    const key = k * I + i;
    if (!gts.has(key)) gts.set(key, []);
    gts.get(key)!.push({ x, y, w, h, area: a.area ?? w * h, crowd: Boolean(a.iscrowd) });
  });
  const dtsRaw = new Map<number, Dt[]>(); // results order
  detections.forEach((r, n) => {
    const i = imgIndex.get(r.image_id);
    if (i === undefined) throw new RangeError(`cocoEvaluate: detection ${n} has image_id ${r.image_id}, not in the ground truth (Results do not correspond to current coco set)`);
    const k = catIndex.get(r.category_id);
    if (k === undefined) return; // category not evaluated
    const [x, y, w, h] = finite4(r.bbox, `cocoEvaluate: detection ${n}`);
    const key = k * I + i;
    if (!dtsRaw.has(key)) dtsRaw.set(key, []);
    dtsRaw.get(key)!.push({ x, y, w, h, area: w * h, score: Number(r.score) });
  });

  const maxDetLast = COCO_MAX_DETS[COCO_MAX_DETS.length - 1]!;
  const T = COCO_IOU_THRS.length;
  const R = COCO_REC_THRS.length;
  const A = COCO_AREA_RANGES.length;
  const M = COCO_MAX_DETS.length;
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);

  for (let k = 0; k < K; k++) {
    // computeIoU per image (once for all area ranges).
    const perImg: ({ g: Gt[]; d: Dt[]; ious: Float64Array } | null)[] = [];
    for (let i = 0; i < I; i++) {
      const g = gts.get(k * I + i) ?? [];
      const d = byScore(dtsRaw.get(k * I + i) ?? []).slice(0, maxDetLast);
      perImg.push(g.length === 0 && d.length === 0 ? null : { g, d, ious: bboxIou(d, g) });
    }
    for (let a = 0; a < A; a++) {
      const E: EvalImg[] = [];
      for (const p of perImg) if (p) E.push(evaluateImg(p.g, p.d, p.ious, COCO_AREA_RANGES[a]!));
      if (E.length === 0) continue;
      const npig = E.reduce((s, e) => s + e.npig, 0);
      if (npig === 0) continue;
      for (let m = 0; m < M; m++) {
        accumulate(E, COCO_MAX_DETS[m]!, npig, (t, r, v) => {
          precision[(((t * R + r) * K + k) * A + a) * M + m] = v;
        }, (t, v) => {
          recall[((t * K + k) * A + a) * M + m] = v;
        });
      }
    }
  }
  const result: COCOEvalResult = { stats: [], imgIds, catIds, precision, recall, dims: { T, R, K, A, M } };
  result.stats = summarize(result);
  return result;
}

/** COCOeval.accumulate for one category / area range / maxDet. */
function accumulate(E: readonly EvalImg[], maxDet: number, npig: number, setP: (t: number, r: number, v: number) => void, setR: (t: number, v: number) => void): void {
  const T = COCO_IOU_THRS.length;
  const entries: { score: number; e: EvalImg; d: number; D: number }[] = [];
  for (const e of E) {
    const D = e.scores.length;
    for (let d = 0; d < Math.min(D, maxDet); d++) entries.push({ score: e.scores[d]!, e, d, D });
  }
  const sorted = byScore(entries);
  const nd = sorted.length;
  const rc = new Float64Array(nd);
  const pr = new Float64Array(nd);
  for (let t = 0; t < T; t++) {
    let tp = 0;
    let fp = 0;
    for (let j = 0; j < nd; j++) {
      const { e, d, D } = sorted[j]!;
      if (!e.ignored[t * D + d]) {
        if (e.matched[t * D + d]) tp++;
        else fp++;
      }
      rc[j] = tp / npig;
      pr[j] = tp / (fp + tp + Number.EPSILON); // np.spacing(1)
    }
    setR(t, nd ? rc[nd - 1]! : 0);
    for (let j = nd - 1; j > 0; j--) if (pr[j]! > pr[j - 1]!) pr[j - 1] = pr[j]!;
    // searchsorted(rc, recThrs, side='left'): first j with rc[j] >= thr; past the end -> 0 from there on.
    let j = 0;
    for (let r = 0; r < COCO_REC_THRS.length; r++) {
      const thr = COCO_REC_THRS[r]!;
      while (j < nd && rc[j]! < thr) j++;
      setP(t, r, j < nd ? pr[j]! : 0);
    }
  }
}

/** Mean of the entries > -1, or -1 when there are none (COCOeval.summarize's _summarize). */
function meanDefined(values: Iterable<number>): number {
  let s = 0;
  let n = 0;
  for (const v of values) {
    if (v > -1) {
      s += v;
      n++;
    }
  }
  return n === 0 ? -1 : s / n;
}

function* precisionSlice(r: COCOEvalResult, t: number | null, a: number, m: number, k: number | null = null): Generator<number> {
  const { T, R, K, A, M } = r.dims;
  for (let ti = 0; ti < T; ti++) {
    if (t !== null && ti !== t) continue;
    for (let ri = 0; ri < R; ri++) {
      for (let ki = 0; ki < K; ki++) {
        if (k !== null && ki !== k) continue;
        yield r.precision[(((ti * R + ri) * K + ki) * A + a) * M + m]!;
      }
    }
  }
}

function* recallSlice(r: COCOEvalResult, a: number, m: number): Generator<number> {
  const { T, K, A, M } = r.dims;
  for (let ti = 0; ti < T; ti++) for (let ki = 0; ki < K; ki++) yield r.recall[((ti * K + ki) * A + a) * M + m]!;
}

/** The 12 numbers of COCOeval.summarize() (bbox). */
function summarize(r: COCOEvalResult): number[] {
  const t50 = 0; // COCO_IOU_THRS[0] === 0.5
  const t75 = 5; // COCO_IOU_THRS[5] === 0.75
  const m100 = 2;
  return [
    meanDefined(precisionSlice(r, null, 0, m100)),
    meanDefined(precisionSlice(r, t50, 0, m100)),
    meanDefined(precisionSlice(r, t75, 0, m100)),
    meanDefined(precisionSlice(r, null, 1, m100)),
    meanDefined(precisionSlice(r, null, 2, m100)),
    meanDefined(precisionSlice(r, null, 3, m100)),
    meanDefined(recallSlice(r, 0, 0)),
    meanDefined(recallSlice(r, 0, 1)),
    meanDefined(recallSlice(r, 0, 2)),
    meanDefined(recallSlice(r, 1, m100)),
    meanDefined(recallSlice(r, 2, m100)),
    meanDefined(recallSlice(r, 3, m100)),
  ];
}

export interface COCOCategoryAPOptions {
  /** IoU threshold index (0 = .50, 5 = .75); default all ten (AP@[.5:.95]). */
  iouIndex?: number;
  /** Area range index into COCO_AREA_LABELS; default 0 (all). */
  areaIndex?: number;
  /** maxDets index into COCO_MAX_DETS; default 2 (100). */
  maxDetIndex?: number;
}

/** AP of category index k (position in result.catIds): mean precision over thresholds; NaN without GT
 * (GluonCV's per-class numbers in COCODetectionMetric.get). */
export function cocoCategoryAP(r: COCOEvalResult, k: number, options: COCOCategoryAPOptions = {}): number {
  const v = meanDefined(precisionSlice(r, options.iouIndex ?? null, options.areaIndex ?? 0, options.maxDetIndex ?? 2, k));
  return v === -1 ? NaN : v;
}

/** Per-category precision at the 101 recall thresholds (IoU .50 by default, area all, 100 dets), as PR curves
 * for plotting. Categories without GT get empty curves. */
export function cocoPRCurves(r: COCOEvalResult, names?: readonly string[], iouIndex = 0): PRCurve[] {
  const { R } = r.dims;
  return r.catIds.map((id, k) => {
    const name = names?.[k] ?? String(id);
    const p = Float64Array.from(precisionSlice(r, iouIndex, 0, 2, k));
    if (p.length !== R || p[0] === -1) return { name, recall: new Float64Array(0), precision: new Float64Array(0), ap: NaN };
    return { name, recall: Float64Array.from(COCO_REC_THRS), precision: p, ap: cocoCategoryAP(r, k, { iouIndex }) };
  });
}
