// Scores a detections file against a dataset's ground truth without any model (spec §7.7), so detections made
// elsewhere can be evaluated. Two formats, told apart by their entries:
//   ssdkit's (what `ssdkit detect` writes): per image {id, detections: [{classId | className, score, box}]},
//     box [xmin, ymin, xmax, ymax] in the image's own pixels;
//   COCO results (what pycocotools' loadRes reads, `ssdkit detect --format coco`):
//     [{image_id, category_id, bbox: [x, y, w, h], score}], converted as cocoResults.ts describes.
// Metrics: 'voc07', 'voc' or 'coco' (valMetric.ts; COCO datasets only, every detection kept as loadRes does).
// A box with xmax < xmin or ymax < ymin (COCO: a negative width or height), a non-finite coordinate or score, or
// (ssdkit's format) an unknown class is refused with an error naming the file, the entry and the detection; COCO
// results of a category the dataset lacks are ignored with a message, as COCOeval ignores them.
import { readFileSync, statSync } from 'node:fs';
import { COCODetection, type DetectionDataset } from '../data/index.js';
import { createValMetric, type ValMetric, type ValMetricKind } from './valMetric.js';
import { categoryIdsFor, cocoBoxToCornersInclusive } from './cocoResults.js';

export type DetectionsFormat = 'ssdkit' | 'coco';

export interface ScoredDetections {
  names: string[];
  values: number[];
  /** The model-selection figure: VOC mAP or COCO AP@[.5:.95]. */
  mAP: number;
  cocoStats?: number[];
  metric: ValMetric;
  format: DetectionsFormat;
  /** Images of the dataset with no entry in the file (scored as no detections). */
  missing: number;
  /** Entries whose id is not in the dataset (ignored). */
  unknown: string[];
  /** COCO results whose category is not the dataset's (ignored, as COCOeval ignores them), one per entry. */
  ignored: string[];
}

interface ImageDets {
  ids: number[];
  scores: number[];
  boxes: number[][];
}

/** Largest detections file read. */
const MAX_BYTES = 1 << 30;

function readJsonArray(path: string): unknown[] {
  let parsed: unknown;
  try {
    const size = statSync(path).size;
    if (size > MAX_BYTES) throw new Error(`${size} bytes, more than the ${MAX_BYTES} allowed`);
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: cannot read detections (${(e as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${path}: expected a JSON array of {id, detections: [...]} or of COCO results {image_id, category_id, bbox, score}`);
  return parsed;
}

/** Throws, naming `where`, unless box is 4 finite corners with xmax >= xmin, ymax >= ymin and score is finite. */
function checkDetection(where: string, box: unknown, score: unknown, form: string): void {
  if (!Array.isArray(box) || box.length !== 4 || !box.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new Error(`${where}: expected ${form} of 4 finite numbers`);
  if (typeof score !== 'number' || !Number.isFinite(score)) throw new Error(`${where}: score ${typeof score === 'number' ? score : JSON.stringify(score) ?? String(score)} is not a finite number`);
}

function checkCorners(where: string, b: readonly number[]): void {
  if (b[2]! < b[0]! || b[3]! < b[1]!) throw new Error(`${where}: box [${b.join(', ')}] has xmax < xmin or ymax < ymin`);
}

function add(map: Map<string, ImageDets>, key: string): ImageDets {
  const d = map.get(key) ?? { ids: [], scores: [], boxes: [] };
  map.set(key, d);
  return d;
}

function parseSsdkit(entries: readonly unknown[], path: string, classes: readonly string[]): Map<string, ImageDets> {
  const byId = new Map<string, ImageDets>();
  entries.forEach((entry: any, i) => {
    const where = `${path}: entry ${i}`;
    if (typeof entry?.id !== 'string' || !Array.isArray(entry.detections)) throw new Error(`${where}: expected {id: string, detections: [...]}`);
    const rec = add(byId, entry.id);
    entry.detections.forEach((d: any, k: number) => {
      const at = `${where} (${entry.id}) detection ${k}`;
      const cls = typeof d?.className === 'string' ? classes.indexOf(d.className) : d?.classId;
      if (!Number.isInteger(cls) || cls < 0 || cls >= classes.length) throw new Error(`${at}: unknown class ${JSON.stringify(d?.className ?? d?.classId)}`);
      checkDetection(at, d.box, d.score, 'box [xmin, ymin, xmax, ymax]');
      checkCorners(at, d.box);
      rec.ids.push(cls);
      rec.scores.push(d.score);
      rec.boxes.push(d.box);
    });
  });
  return byId;
}

/** An image key that matches a COCO image_id with a dataset id: digit strings compare as numbers. */
function cocoKey(id: string | number): string {
  return typeof id === 'number' ? String(id) : /^\d{1,15}$/.test(id) ? String(Number(id)) : id;
}

function parseCOCO(entries: readonly unknown[], path: string, dataset: DetectionDataset, ignored: string[]): Map<string, ImageDets> {
  const contiguous = dataset instanceof COCODetection ? dataset.jsonIdToContiguous : new Map(categoryIdsFor(dataset.classes).map((id, c) => [id, c]));
  const byId = new Map<string, ImageDets>();
  entries.forEach((e: any, i) => {
    const where = `${path}: result ${i}`;
    const imageId = e?.image_id;
    if (!(Number.isInteger(imageId) || typeof imageId === 'string')) throw new Error(`${where}: expected {image_id, category_id, bbox: [x, y, w, h], score}`);
    const at = `${where} (image ${JSON.stringify(imageId)})`;
    const cls = contiguous.get(e.category_id);
    checkDetection(at, e.bbox, e.score, 'bbox [x, y, w, h]');
    if (e.bbox[2] < 0 || e.bbox[3] < 0) throw new Error(`${at}: bbox [${e.bbox.join(', ')}] has a negative width or height`);
    if (cls === undefined) {
      ignored.push(`${at}: category_id ${JSON.stringify(e.category_id)} is not one of the dataset's categories, ignored`);
      return;
    }
    const rec = add(byId, cocoKey(imageId));
    rec.ids.push(cls);
    rec.scores.push(e.score);
    rec.boxes.push(cocoBoxToCornersInclusive(e.bbox));
  });
  return byId;
}

/** 'coco' when the entries are COCO results (image_id), else ssdkit's per-image form. */
export function detectionsFormat(entries: readonly unknown[]): DetectionsFormat {
  const first = entries[0] as Record<string, unknown> | undefined;
  return first !== null && typeof first === 'object' && 'image_id' in first ? 'coco' : 'ssdkit';
}

export function scoreDetectionsFile(path: string, dataset: DetectionDataset, metricKind: ValMetricKind = 'voc07'): ScoredDetections {
  if (dataset.length > 0 && dataset.record(0).coordNormalized) {
    throw new Error(`${path}: this dataset's labels are fractions of the image size (LST/RecordIO), detections files are scored against pixel labels; evaluate the model instead (--prefix)`);
  }
  const entries = readJsonArray(path);
  const format = detectionsFormat(entries);
  const ignored: string[] = [];
  const byId = format === 'coco' ? parseCOCO(entries, path, dataset, ignored) : parseSsdkit(entries, path, dataset.classes);
  const keyOf = format === 'coco' ? cocoKey : (id: string) => id;
  // Every detection of the file is scored, as pycocotools scores a results file (no 0.05 cut).
  const metric = createValMetric(metricKind, dataset, { dataShape: null, scoreThresh: -Infinity });
  let missing = 0;
  const seen = new Set<string>();
  for (let i = 0; i < dataset.length; i++) {
    const r = dataset.record(i);
    const key = keyOf(r.id);
    seen.add(key);
    const d = byId.get(key);
    if (!d) missing++;
    metric.update({
      boxes: [d?.boxes ?? []], classIds: [d?.ids ?? []], scores: [d?.scores ?? []],
      gtBoxes: [r.label.map((row) => row.slice(0, 4))], gtIds: [r.label.map((row) => row[4]!)], difficult: [r.label.map((row) => row[5] ?? 0)],
      images: [{ id: r.id, width: r.width ?? 0, height: r.height ?? 0 }],
    });
  }
  const { names, values, mAP, cocoStats } = metric.get();
  return { names, values, mAP, cocoStats, metric, format, missing, unknown: [...byId.keys()].filter((k) => !seen.has(k)), ignored };
}
