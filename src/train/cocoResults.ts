// COCO results format (what pycocotools' COCO.loadRes reads and GluonCV's COCODetectionMetric dumps:
// `[{image_id, category_id, bbox: [x, y, w, h], score}]`) for `ssdkit detect --format coco` and
// `ssdkit eval --detections`. Boxes convert as GluonCV does on both sides of COCO: corners → xywh with
// w = xmax - xmin + 1 (coco_detection.py, `bbox[2:4] -= (bbox[:2] - 1)`), and back with xmax = x + w - 1
// (mscoco/detection.py's bbox_xywh_to_xyxy), so a file written by detect scores the same boxes in eval.
// Category ids: COCO's own ids when the classes are COCO's 80 (in order), else class index + 1.
import type { COCODetectionResult } from '../metrics/index.js';
import { COCO_CLASSES } from '../models/index.js';
import type { ImageDetections } from './validate.js';

/** COCO 2017's category ids of its 80 classes, in COCO_CLASSES order (ids 12, 26, 29, 30, 45, 66, 68, 69, 71, 83 are unused). */
export const COCO_CATEGORY_IDS: readonly number[] = [
  ...range(1, 11), ...range(13, 25), 27, 28, ...range(31, 44), ...range(46, 65), 67, 70, ...range(72, 82), ...range(84, 90),
];

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

/** The category id of each class index: COCO's ids for COCO's classes, else index + 1. */
export function categoryIdsFor(classes: readonly string[]): number[] {
  const isCOCO = classes.length === COCO_CLASSES.length && classes.every((c, i) => c === COCO_CLASSES[i]);
  return isCOCO ? [...COCO_CATEGORY_IDS] : classes.map((_, i) => i + 1);
}

/** A COCO image id for an image id string: all digits (COCO's `000000397133`) → the number, else the string. */
export function cocoImageId(id: string): number | string {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}

/** Corner box (image pixels) → COCO [x, y, w, h], w = xmax - xmin + 1. */
export function cornersToCOCOBox(b: readonly number[]): [number, number, number, number] {
  return [b[0]!, b[1]!, b[2]! - (b[0]! - 1), b[3]! - (b[1]! - 1)];
}

/** COCO [x, y, w, h] → corners, xmax = x + w - 1 (the inverse of cornersToCOCOBox). */
export function cocoBoxToCornersInclusive(b: readonly number[]): [number, number, number, number] {
  return [b[0]!, b[1]!, b[0]! + b[2]! - 1, b[1]! + b[3]! - 1];
}

/** Detections per image (ssdkit's JSON) as one COCO results list; image ids from cocoImageId. */
export function toCOCOResults(images: readonly ImageDetections[], classes: readonly string[]): (Omit<COCODetectionResult, 'image_id'> & { image_id: number | string })[] {
  const catIds = categoryIdsFor(classes);
  return images.flatMap((im) =>
    im.detections.map((d) => ({ image_id: cocoImageId(im.id), category_id: catIds[d.classId] ?? d.classId + 1, bbox: cornersToCOCOBox(d.box), score: d.score })),
  );
}
