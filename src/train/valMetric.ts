// The validation metric of a training run or an evaluation (train_ssd.py's `val_metric`, spec §7.2/§7.7):
// VOC07MApMetric (11-point, iou 0.5) for VOC-layout datasets, VOCMApMetric (area) on request, and
// COCODetectionMetric (gluoncv/utils/metrics/coco_detection.py, against the dataset's instances JSON) for COCO —
// behind one interface that validate() feeds per batch and reads once per epoch. The model-selection figure
// (`mAP`) is the last value, as train_ssd.py's `current_map = float(mean_ap[-1])`: the VOC mAP, or COCO's
// AP@[.5:.95].
//
//   const m = createValMetric(defaultValMetric('coco'), valDataset, { dataShape: 512 });
//   m.update({ boxes, classIds, scores, gtBoxes, gtIds, difficult, images });   // per batch
//   const { names, values, mAP, cocoStats } = m.get();
import { COCODetectionMetric, VOC07MApMetric, VOCMApMetric, type PRCurve } from '../metrics/index.js';
import { COCODetection, type DetectionDataset } from '../data/index.js';
import { readCOCOGroundTruth } from './cocoGroundTruth.js';

export type ValMetricKind = 'voc07' | 'voc' | 'coco';
export const VAL_METRIC_KINDS: readonly ValMetricKind[] = ['voc07', 'voc', 'coco'];

/** An image of a batch: the dataset's record id and the original image size in pixels. */
export interface ValImage {
  id: string;
  width: number;
  height: number;
}

/** One batch, one entry per image in every field. Boxes are corners (xmin, ymin, xmax, ymax) in the space the
 * metric was made for (`dataShape`: network input pixels; without it, image pixels); class id < 0 is padding. */
export interface ValBatch {
  boxes: readonly (readonly number[])[][];
  classIds: readonly number[][];
  scores: readonly number[][];
  gtBoxes: readonly (readonly number[])[][];
  gtIds: readonly number[][];
  difficult: readonly number[][];
  images: readonly ValImage[];
}

export interface ValMetricValues {
  /** Per-class names, then 'mAP'. */
  names: string[];
  values: number[];
  /** The model-selection figure: VOC mAP, or COCO AP@[.5:.95] (the last value). */
  mAP: number;
  /** COCO only: the 12 standard numbers (AP, AP50, AP75, APs/m/l, AR1/10/100, ARs/m/l), -1 where undefined. */
  cocoStats?: number[];
}

export interface ValMetric {
  readonly kind: ValMetricKind;
  update(batch: ValBatch): void;
  get(): ValMetricValues;
  /** Per-class precision–recall curves (COCO: IoU .50, area all, 100 detections). */
  curves(): PRCurve[];
  reset(): void;
}

export interface ValMetricOptions {
  /** Network input size the boxes are in (COCO scales them back by original / dataShape); null or absent:
   * boxes are in image pixels already. VOC metrics compare boxes as given. */
  dataShape?: number | null;
  /** COCO: detections scored lower are dropped (GluonCV's 0.05). */
  scoreThresh?: number;
  onWarning?: (message: string) => void;
}

/** train_ssd.py's choice: COCODetectionMetric for COCO, VOC07MApMetric for everything else. */
export function defaultValMetric(datasetKind: string): ValMetricKind {
  return datasetKind === 'coco' ? 'coco' : 'voc07';
}

export function createValMetric(kind: ValMetricKind, dataset: DetectionDataset, o: ValMetricOptions = {}): ValMetric {
  if (kind === 'coco') return cocoValMetric(dataset, o);
  if (kind !== 'voc07' && kind !== 'voc') throw new RangeError(`createValMetric: unknown metric '${String(kind)}'; expected one of ${VAL_METRIC_KINDS.join(', ')}`);
  const make = (): VOC07MApMetric | VOCMApMetric => (kind === 'voc07' ? new VOC07MApMetric({ classNames: [...dataset.classes] }) : new VOCMApMetric({ classNames: [...dataset.classes] }));
  const m = make();
  return {
    kind,
    update: (b) => m.update(b.boxes, b.classIds, b.scores, b.gtBoxes, b.gtIds, b.difficult),
    get: () => {
      const [names, values] = m.get();
      return { names, values, mAP: values[values.length - 1]! };
    },
    curves: () => m.curves(),
    reset: () => m.reset(),
  };
}

function cocoValMetric(dataset: DetectionDataset, o: ValMetricOptions): ValMetric {
  if (!(dataset instanceof COCODetection)) {
    throw new Error(`the COCO metric needs a COCO dataset (it evaluates against the instances JSON); use --metric voc07 or voc for this one`);
  }
  if (dataset.annotationFiles.length !== 1) {
    throw new Error(`the COCO metric evaluates one instances file, this dataset has ${dataset.annotationFiles.length} (${dataset.annotationFiles.join(', ')})`);
  }
  const contiguousToCategoryId: number[] = [];
  for (const [jsonId, c] of dataset.jsonIdToContiguous) contiguousToCategoryId[c] = jsonId;
  const m = new COCODetectionMetric(readCOCOGroundTruth(dataset.annotationFiles[0]!), {
    dataShape: o.dataShape ?? null,
    scoreThresh: o.scoreThresh,
    contiguousToCategoryId,
    classNames: dataset.classes,
    onWarning: o.onWarning,
  });
  return {
    kind: 'coco',
    update: (b) => m.updateImages(b.images.map((im) => ({ id: Number(im.id), width: im.width, height: im.height })), b.boxes, b.classIds, b.scores),
    get: () => {
      const [names, values] = m.get();
      return { names, values, mAP: values[values.length - 1]!, cocoStats: [...m.evaluate().stats] };
    },
    curves: () => m.curves(),
    reset: () => m.reset(),
  };
}
