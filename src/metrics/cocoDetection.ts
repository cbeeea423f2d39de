// GluonCV's COCODetectionMetric (spec §7.7; gluoncv/utils/metrics/coco_detection.py): collects network-space
// corner-box predictions per image, scales them back to the original image size by orig / dataShape, drops
// padding (label < 0), unknown labels and scores < scoreThresh (0.05), converts to COCO xywh with
// w = xmax - xmin + 1 (h likewise) and maps contiguous labels to JSON category ids; get() runs the COCO bbox
// evaluation (cocoEval.ts) and returns one AP@[.5:.95] per class plus 'mAP'.
//
// Images are matched to predictions either like GluonCV (update(): the next images in ascending image-id
// order, i.e. a validation loader that is not shuffled) or explicitly (updateImages()).
//
//   const m = new COCODetectionMetric(cocoJson, { dataShape: 300 });
//   m.update(detBoxes, detIds, detScores);          // per batch; ground-truth arguments are ignored
//   const [names, values] = m.get();                // [...classNames, 'mAP']
//   m.evaluate().stats;                             // the 12 COCO numbers
import { boxValues, checkBatch, checkCount, oneValues } from './input.js';
import { describeValue } from '../util/checkArgs.js';
import {
  type COCODetectionResult, type COCOEvalResult, type COCOGroundTruth, type COCOImage,
  cocoCategoryAP, cocoEvaluate, cocoPRCurves,
} from './cocoEval.js';
import type { BoxesInput, DetectionMetric, MetricValues, PRCurve, ValuesInput } from './types.js';

export interface COCODetectionMetricOptions {
  /** Network input size (height, width), or one number for a square; null/undefined: boxes are already in
   * original-image pixels (GluonCV's data_shape=None). */
  dataShape?: number | readonly [number, number] | null;
  /** Predictions with a lower score are dropped. Default 0.05. */
  scoreThresh?: number;
  /** JSON category id of each contiguous label; default the GT's category ids ascending (COCODetection's map). */
  contiguousToCategoryId?: readonly number[];
  /** Class names, one per contiguous label; default the categories' names (or ids). */
  classNames?: readonly string[];
  /** Told when get() runs on fewer images than the ground truth has (GluonCV warns); default process.emitWarning. */
  onWarning?: (message: string) => void;
}

/** Which image a prediction belongs to; width/height default to the GT image's. */
export interface COCOImageRef {
  id: number;
  width?: number;
  height?: number;
}

export class COCODetectionMetric implements DetectionMetric {
  readonly gt: COCOGroundTruth;
  readonly classNames: readonly string[];
  readonly contiguousToCategoryId: readonly number[];
  readonly scoreThresh: number;
  /** (height, width), or null. */
  readonly dataShape: readonly [number, number] | null;
  readonly #imgIds: number[];
  readonly #images: Map<number, COCOImage>;
  readonly #onWarning: (message: string) => void;
  #currentId = 0;
  #results: COCODetectionResult[] = [];
  #cached: COCOEvalResult | null = null;

  constructor(gt: COCOGroundTruth, options: COCODetectionMetricOptions = {}) {
    if (!gt || !Array.isArray(gt.images) || !Array.isArray(gt.annotations)) {
      throw new TypeError('COCODetectionMetric: ground truth needs `images` and `annotations` arrays');
    }
    this.gt = gt;
    const cats = gt.categories
      ? [...gt.categories].sort((a, b) => a.id - b.id)
      : [...new Set(gt.annotations.map((a) => a.category_id))].sort((a, b) => a - b).map((id) => ({ id, name: undefined }));
    this.contiguousToCategoryId = [...(options.contiguousToCategoryId ?? cats.map((c) => c.id))];
    const nameOf = new Map(cats.map((c) => [c.id, c.name ?? String(c.id)]));
    this.classNames = [...(options.classNames ?? this.contiguousToCategoryId.map((id) => nameOf.get(id) ?? String(id)))];
    if (this.classNames.length !== this.contiguousToCategoryId.length) {
      throw new RangeError(`COCODetectionMetric: ${this.classNames.length} class names for ${this.contiguousToCategoryId.length} categories`);
    }
    this.scoreThresh = options.scoreThresh ?? 0.05;
    const ds = options.dataShape;
    if (ds == null) this.dataShape = null;
    else if (typeof ds === 'number') this.dataShape = [ds, ds];
    else if (Array.isArray(ds) && ds.length === 2) this.dataShape = [ds[0], ds[1]];
    else throw new RangeError('COCODetectionMetric: dataShape must be a number or (height, width)');
    this.#imgIds = [...new Set(gt.images.map((im) => im.id))].sort((a, b) => a - b);
    this.#images = new Map(gt.images.map((im) => [im.id, im]));
    this.#onWarning = options.onWarning ?? ((m) => process.emitWarning(m));
  }

  get names(): string[] {
    return [...this.classNames, 'mAP'];
  }

  reset(): void {
    this.#currentId = 0;
    this.#results = [];
    this.#cached = null;
  }

  /** Predictions of the next images in ascending image-id order (GluonCV's update; GT arguments ignored). */
  update(predBboxes: readonly BoxesInput[], predLabels: readonly ValuesInput[], predScores: readonly ValuesInput[], ..._gt: unknown[]): void {
    const n = checkBatch('COCODetectionMetric.update', { predBboxes, predLabels, predScores });
    if (this.#currentId + n > this.#imgIds.length) {
      throw new RangeError(`COCODetectionMetric.update: ${this.#currentId + n} images seen, the ground truth has ${this.#imgIds.length}`);
    }
    const refs = this.#imgIds.slice(this.#currentId, this.#currentId + n).map((id) => ({ id }));
    this.#add(refs, predBboxes, predLabels, predScores, 'COCODetectionMetric.update');
    this.#currentId += n;
  }

  /** Predictions of the named images (explicit image ids and, optionally, original sizes). */
  updateImages(images: readonly COCOImageRef[], predBboxes: readonly BoxesInput[], predLabels: readonly ValuesInput[], predScores: readonly ValuesInput[]): void {
    const fn = 'COCODetectionMetric.updateImages';
    checkBatch(fn, { images, predBboxes, predLabels, predScores });
    images.forEach((ref, i) => {
      if (typeof ref !== 'object' || ref === null || typeof ref.id !== 'number') {
        throw new TypeError(`${fn}: images[${i}] must be { id: number, width?: number, height?: number }; got ${describeValue(ref)}`);
      }
    });
    this.#add(images, predBboxes, predLabels, predScores, fn);
    this.#currentId += images.length;
  }

  #add(images: readonly COCOImageRef[], predBboxes: readonly BoxesInput[], predLabels: readonly ValuesInput[], predScores: readonly ValuesInput[], fn: string): void {
    // Every image is checked before any is recorded, so a bad batch leaves the metric unchanged.
    const checked = images.map((ref, b) => {
      const at = `${fn}: image ${b}`;
      const entry = this.#images.get(ref.id);
      if (!entry) throw new RangeError(`${at}: image id ${ref.id} is not in the ground truth`);
      const boxes = boxValues(predBboxes[b]!, `${at} predBboxes`);
      const labels = oneValues(predLabels[b]!, `${at} predLabels`);
      const scores = oneValues(predScores[b]!, `${at} predScores`);
      checkCount(at, 'predLabels', labels.length, 'predBboxes', boxes.length / 4, 'predicted boxes');
      checkCount(at, 'predScores', scores.length, 'predBboxes', boxes.length / 4, 'predicted boxes');
      let hs = 1;
      let ws = 1;
      if (this.dataShape) {
        const height = ref.height ?? entry.height;
        const width = ref.width ?? entry.width;
        if (!(typeof height === 'number' && height > 0 && typeof width === 'number' && width > 0)) {
          throw new RangeError(`${at}: image ${ref.id} has no width/height to scale boxes back with`);
        }
        hs = height / this.dataShape[0];
        ws = width / this.dataShape[1];
      }
      return { ref, boxes, labels, scores, hs, ws };
    });
    this.#cached = null;
    for (const { ref, boxes, labels, scores, hs, ws } of checked) {
      for (let i = 0; i < labels.length; i++) {
        if (!(labels[i]! >= 0)) continue;
        const label = Math.trunc(labels[i]!);
        if (label >= this.contiguousToCategoryId.length) continue; // not a known class
        const score = scores[i]!;
        if (score < this.scoreThresh) continue;
        const x0 = boxes[4 * i]! * ws;
        const y0 = boxes[4 * i + 1]! * hs;
        const x1 = boxes[4 * i + 2]! * ws;
        const y1 = boxes[4 * i + 3]! * hs;
        // bbox[2:4] -= (bbox[:2] - 1), bit for bit
        this.#results.push({ image_id: ref.id, category_id: this.contiguousToCategoryId[label]!, bbox: [x0, y0, x1 - (x0 - 1), y1 - (y0 - 1)], score });
      }
    }
  }

  /** The detections collected so far, in COCO results format (what GluonCV dumps to JSON). */
  results(): readonly COCODetectionResult[] {
    return this.#results;
  }

  /** Runs the COCO evaluation on everything collected (cached until the next update/reset). */
  evaluate(): COCOEvalResult {
    if (this.#cached) return this.#cached;
    if (this.#currentId !== this.#imgIds.length) {
      this.#onWarning(`Recorded ${this.#currentId} out of ${this.#imgIds.length} validation images, incomplete results`);
    }
    this.#cached = cocoEvaluate(this.gt, this.#results);
    return this.#cached;
  }

  /** [names, values]: AP@[.5:.95] (area all, 100 dets) per class (NaN without GT), then 'mAP' (= stats[0]). */
  get(): MetricValues {
    const r = this.evaluate();
    const kOf = new Map(r.catIds.map((id, k) => [id, k]));
    const values = this.contiguousToCategoryId.map((id) => {
      const k = kOf.get(id);
      return k === undefined ? NaN : cocoCategoryAP(r, k);
    });
    values.push(r.stats[0]! === -1 ? NaN : r.stats[0]!);
    return [this.names, values];
  }

  /** Per-class precision at the 101 recall thresholds, IoU .50 (area all, 100 dets). */
  curves(): PRCurve[] {
    const r = this.evaluate();
    const all = cocoPRCurves(r);
    const kOf = new Map(r.catIds.map((id, k) => [id, k]));
    return this.contiguousToCategoryId.map((id, c) => {
      const k = kOf.get(id);
      const curve = k === undefined ? { recall: new Float64Array(0), precision: new Float64Array(0), ap: NaN } : all[k]!;
      return { ...curve, name: this.classNames[c]! };
    });
  }
}
