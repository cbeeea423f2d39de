// Pascal VOC detection mAP (spec §7.7; gluoncv/utils/metrics/voc_detection.py): VOCMApMetric (continuous /
// area AP, VOC2010+) and VOC07MApMetric (11-point AP, what train_ssd.py reports for VOC).
//
// Per image and class: padding rows (label < 0) dropped, predictions sorted by score, IoU with +1 on xmax/ymax of
// both boxes (integer-pixel convention, also for float boxes), each prediction takes its argmax-IoU GT, unmatched
// below iouThresh; a match to a difficult GT is ignored, the first match to a GT is a TP, later ones FP.
// Difficult GT do not count in n_pos. Over all images: detections sorted by score, cumulative TP/FP,
// precision = tp / (tp + fp), recall = tp / n_pos. A class without (non-difficult) GT has AP NaN; 'mAP' is
// the mean over the other classes. Score ties go later-detection-first (numpy's `argsort()[::-1]` on small
// arrays; GluonCV's order for large arrays with ties is numpy-implementation-defined).
//
//   const m = new VOC07MApMetric({ classNames: VOC_CLASSES });
//   m.update(predBoxes, predIds, predScores, gtBoxes, gtIds, gtDifficults);   // once per batch
//   const [names, values] = m.get();                                         // [...classes, 'mAP']
import { voc07AveragePrecision, vocAveragePrecision } from './averagePrecision.js';
import { boxValues, checkBatch, checkCount, oneValues } from './input.js';
import type { BoxesInput, DetectionMetric, MetricValues, PRCurve, ValuesInput } from './types.js';

export interface VOCMApMetricOptions {
  /** Class names in label order; get() returns one AP per name, then 'mAP'. */
  classNames: readonly string[];
  /** Minimum IoU (with the +1 convention) for a detection to match a GT. Default 0.5. */
  iouThresh?: number;
}

/** Indices sorting `scores` descending, ties later index first (numpy `argsort()[::-1]` on a stable sort). */
export function descendingOrder(scores: ArrayLike<number>): number[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  const key = (i: number): number => (Number.isNaN(scores[i]!) ? Infinity : scores[i]!); // numpy: NaN sorts last, so first here
  idx.sort((a, b) => key(b) - key(a) || b - a);
  return idx;
}

/** IoU of corner boxes a[i] and b[j] (flat, 4 per box) after adding 1 to xmax and ymax of both (bbox_iou). */
function vocIou(a: Float64Array, i: number, b: Float64Array, j: number): number {
  const ax0 = a[4 * i]!, ay0 = a[4 * i + 1]!, ax1 = a[4 * i + 2]! + 1, ay1 = a[4 * i + 3]! + 1;
  const bx0 = b[4 * j]!, by0 = b[4 * j + 1]!, bx1 = b[4 * j + 2]! + 1, by1 = b[4 * j + 3]! + 1;
  const tlx = Math.max(ax0, bx0), tly = Math.max(ay0, by0);
  const brx = Math.min(ax1, bx1), bry = Math.min(ay1, by1);
  const inter = tlx < brx && tly < bry ? (brx - tlx) * (bry - tly) : 0;
  const areaA = (ax1 - ax0) * (ay1 - ay0);
  const areaB = (bx1 - bx0) * (by1 - by0);
  return inter / (areaA + areaB - inter);
}

interface ClassRecord {
  nPos: number;
  scores: number[];
  /** 1 TP, 0 FP, -1 ignored (matched a difficult GT). */
  matches: number[];
}

export class VOCMApMetric implements DetectionMetric {
  readonly classNames: readonly string[];
  readonly iouThresh: number;
  #records = new Map<number, ClassRecord>();

  constructor(options: VOCMApMetricOptions) {
    if (!options || !Array.isArray(options.classNames) || options.classNames.some((n) => typeof n !== 'string')) {
      throw new TypeError('VOCMApMetric: classNames must be an array of strings');
    }
    this.classNames = [...options.classNames];
    this.iouThresh = options.iouThresh ?? 0.5;
  }

  /** Metric names: the class names, then 'mAP'. */
  get names(): string[] {
    return [...this.classNames, 'mAP'];
  }

  reset(): void {
    this.#records = new Map();
  }

  update(
    predBboxes: readonly BoxesInput[],
    predLabels: readonly ValuesInput[],
    predScores: readonly ValuesInput[],
    gtBboxes: readonly BoxesInput[],
    gtLabels: readonly ValuesInput[],
    gtDifficults?: readonly (ValuesInput | null | undefined)[] | null,
  ): void {
    const fn = `${this.constructor.name}.update`;
    const n = checkBatch(fn, { predBboxes, predLabels, predScores, gtBboxes, gtLabels, gtDifficults }, ['gtDifficults']);
    // Every image is checked before any is recorded, so a bad batch leaves the metric unchanged.
    const images = Array.from({ length: n }, (_, img) => {
      const at = `${fn}: image ${img}`;
      const pb = boxValues(predBboxes[img]!, `${at} predBboxes`);
      const pl = oneValues(predLabels[img]!, `${at} predLabels`);
      const ps = oneValues(predScores[img]!, `${at} predScores`);
      const gb = boxValues(gtBboxes[img]!, `${at} gtBboxes`);
      const gl = oneValues(gtLabels[img]!, `${at} gtLabels`);
      const gdIn = gtDifficults?.[img];
      const gd = gdIn == null ? null : oneValues(gdIn, `${at} gtDifficults`);
      checkCount(at, 'predLabels', pl.length, 'predBboxes', pb.length / 4, 'predicted boxes');
      checkCount(at, 'predScores', ps.length, 'predBboxes', pb.length / 4, 'predicted boxes');
      checkCount(at, 'gtLabels', gl.length, 'gtBboxes', gb.length / 4, 'GT boxes');
      if (gd) checkCount(at, 'gtDifficults', gd.length, 'gtBboxes', gb.length / 4, 'GT boxes');
      return [pb, pl, ps, gb, gl, gd] as const;
    });
    for (const im of images) this.#updateImage(...im);
  }

  #record(label: number): ClassRecord {
    let r = this.#records.get(label);
    if (!r) {
      r = { nPos: 0, scores: [], matches: [] };
      this.#records.set(label, r);
    }
    return r;
  }

  #updateImage(pb: Float64Array, pl: Float64Array, ps: Float64Array, gb: Float64Array, gl: Float64Array, gd: Float64Array | null): void {
    // Valid (label >= 0) rows, labels truncated to int like numpy's astype(int).
    const predByClass = new Map<number, number[]>();
    const gtByClass = new Map<number, number[]>();
    for (let i = 0; i < pl.length; i++) {
      if (!(pl[i]! >= 0)) continue;
      const l = Math.trunc(pl[i]!);
      if (!predByClass.has(l)) predByClass.set(l, []);
      predByClass.get(l)!.push(i);
    }
    for (let j = 0; j < gl.length; j++) {
      if (!(gl[j]! >= 0)) continue;
      const l = Math.trunc(gl[j]!);
      if (!gtByClass.has(l)) gtByClass.set(l, []);
      gtByClass.get(l)!.push(j);
    }
    const labels = new Set([...predByClass.keys(), ...gtByClass.keys()]);
    for (const l of labels) {
      const rec = this.#record(l);
      const predRows = predByClass.get(l) ?? [];
      const order = descendingOrder(predRows.map((i) => ps[i]!));
      const preds = order.map((k) => predRows[k]!);
      const gts = gtByClass.get(l) ?? [];
      const difficult = gts.map((j) => (gd ? gd[j]! !== 0 : false)); // Python truthiness: NaN counts as difficult
      rec.nPos += difficult.filter((d) => !d).length;
      for (const i of preds) rec.scores.push(ps[i]!);
      if (preds.length === 0) continue;
      if (gts.length === 0) {
        for (let k = 0; k < preds.length; k++) rec.matches.push(0);
        continue;
      }
      const taken = new Uint8Array(gts.length);
      for (const i of preds) {
        let best = -1;
        let bestIou = -Infinity;
        for (let g = 0; g < gts.length; g++) {
          const iou = vocIou(pb, i, gb, gts[g]!);
          if (iou > bestIou || best < 0) {
            best = g;
            bestIou = iou;
          }
        }
        if (bestIou < this.iouThresh) {
          rec.matches.push(0);
          continue;
        }
        if (difficult[best]) rec.matches.push(-1);
        else rec.matches.push(taken[best] ? 0 : 1);
        taken[best] = 1;
      }
    }
  }

  /** Recall and precision per seen label (recall null when the label has no non-difficult GT). */
  #recallPrecision(): Map<number, { recall: Float64Array | null; precision: Float64Array }> {
    const out = new Map<number, { recall: Float64Array | null; precision: Float64Array }>();
    for (const [l, r] of this.#records) {
      const order = descendingOrder(r.scores);
      const n = order.length;
      const recall = r.nPos > 0 ? new Float64Array(n) : null;
      const precision = new Float64Array(n);
      let tp = 0;
      let fp = 0;
      for (let k = 0; k < n; k++) {
        const m = r.matches[order[k]!]!;
        if (m === 1) tp++;
        else if (m === 0) fp++;
        precision[k] = tp / (fp + tp); // NaN while only ignored detections were seen
        if (recall) recall[k] = tp / r.nPos;
      }
      out.set(l, { recall, precision });
    }
    return out;
  }

  /** AP of one class's curve: continuous here, 11-point in VOC07MApMetric. */
  protected averagePrecision(recall: Float64Array | null, precision: Float64Array | null): number {
    return vocAveragePrecision(recall, precision);
  }

  /** [names, values]: one AP per class name (NaN without GT), then 'mAP' = mean over classes with an AP. */
  get(): MetricValues {
    const rp = this.#recallPrecision();
    const values = this.classNames.map(() => NaN);
    let sum = 0;
    let count = 0;
    for (const [l, { recall, precision }] of rp) {
      const ap = this.averagePrecision(recall, precision);
      if (l < values.length) values[l] = ap;
      // GluonCV also averages labels beyond classNames into the mAP.
      if (!Number.isNaN(ap)) {
        sum += ap;
        count++;
      }
    }
    values.push(count > 0 ? sum / count : NaN);
    return [this.names, values];
  }

  /** Per-class precision–recall curves (empty for classes without GT), with the class's AP. */
  curves(): PRCurve[] {
    const rp = this.#recallPrecision();
    return this.classNames.map((name, l) => {
      const c = rp.get(l);
      if (!c || !c.recall) return { name, recall: new Float64Array(0), precision: new Float64Array(0), ap: NaN };
      return { name, recall: c.recall, precision: c.precision, ap: this.averagePrecision(c.recall, c.precision) };
    });
  }

  /** Non-difficult GT count per class name (what recall is relative to). */
  numPositives(): number[] {
    return this.classNames.map((_, l) => this.#records.get(l)?.nPos ?? 0);
  }
}

/** VOC2007 11-point mAP (spec §7.7), the metric train_ssd.py uses for VOC. */
export class VOC07MApMetric extends VOCMApMetric {
  protected override averagePrecision(recall: Float64Array | null, precision: Float64Array | null): number {
    return voc07AveragePrecision(recall, precision);
  }
}
