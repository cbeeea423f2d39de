// COCO detection datasets (spec §8.2; gluoncv/data/mscoco/detection.py): {root}/annotations/{split}.json
// ("instances" format). Categories sorted by id map to contiguous ids 0..C-1; boxes go from [x, y, w, h] to
// (x, y, x + max(w-1, 0), y + max(h-1, 0)) clipped to [0, W-1] × [0, H-1] and are kept when area > 0 and
// xmax > xmin and ymax > ymin; `ignore == 1` objects are skipped; crowd objects kept unless useCrowd is false.
// Images left without objects are skipped (skipEmpty, the default) or get one [-1 × 6] dummy row. Label rows
// have 6 columns like VOC's (difficult 0). Malformed records are skipped with a warning naming the file: image
// sizes must be positive integers, file names relative paths inside the image folder, image ids unique.
import { RecordDataset } from './recordDataset.js';
import { readFile, stat } from 'node:fs/promises';
import { join, isAbsolute } from 'node:path';
import { DataWarnings, type WarningSink } from './warnings.js';
import type { DetectionRecord, Label } from './types.js';

export interface COCOLoadOptions {
  /** Expected class names, in category-id order; a mismatch with the JSON's categories is an error. */
  classes?: readonly string[];
  /** Image folder under root; default: from each image's coco_url, else the split name without 'instances_'. */
  imageDir?: string;
  minObjectArea?: number;
  skipEmpty?: boolean;
  useCrowd?: boolean;
  /** Largest accepted JSON file (default 2 GiB). */
  maxBytes?: number;
  onWarning?: WarningSink;
}

interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
  /** The image folder named by coco_url, when it names a plain one. */
  urlFolder: string | undefined;
}

interface CocoAnn {
  id?: number;
  image_id: number;
  category_id: number;
  bbox: number[];
  area?: number;
  iscrowd?: number;
  ignore?: number;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A JSON value for messages. Never String() of an array or object: a deeply nested one overflows the stack and
 * one with a "toString" key cannot be converted at all; long strings are cut.
 */
function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return v === undefined ? 'missing' : Array.isArray(v) ? 'an array' : 'an object';
}

/** Up to 20 names, for messages. */
function listed(names: readonly string[]): string {
  return names.slice(0, 20).map((n) => (n.length > 40 ? `${n.slice(0, 40)}…` : n)).join(', ') + (names.length > 20 ? `, … (${names.length} in all)` : '');
}

/** Whether a file_name stays below the image folder: relative, without '..' segments or NUL. */
function isSafeRelative(p: string): boolean {
  return p !== '' && !p.includes('\0') && !isAbsolute(p) && !p.split(/[\\/]/).includes('..');
}

/** The image folder named by a coco_url (`http://host/val2017/x.jpg` → `val2017`), if it is a plain name. */
function urlFolder(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  const sub = url.split('/').slice(-2, -1)[0];
  return sub && sub !== '.' && sub !== '..' && !sub.includes('\0') && !sub.includes('\\') ? sub : undefined;
}

export class COCODetection extends RecordDataset {
  readonly root: string;
  /** JSON category id → contiguous class id. */
  readonly jsonIdToContiguous: ReadonlyMap<number, number>;
  /** The instances files read, one per split (the COCO metric evaluates against the original JSON). */
  readonly annotationFiles: readonly string[];

  private constructor(root: string, classes: readonly string[], map: ReadonlyMap<number, number>, records: DetectionRecord[], warnings: DataWarnings, files: readonly string[]) {
    super('COCO', classes, records, warnings);
    this.root = root;
    this.jsonIdToContiguous = map;
    this.annotationFiles = files;
  }

  static async load(root: string, splits: readonly string[] = ['instances_val2017'], opts: COCOLoadOptions = {}): Promise<COCODetection> {
    const warnings = new DataWarnings(opts.onWarning);
    const records: DetectionRecord[] = [];
    let classes: readonly string[] | undefined;
    let map: ReadonlyMap<number, number> | undefined;
    for (const split of splits) {
      const file = join(root, 'annotations', `${split}.json`);
      const text = await readJsonText(file, opts.maxBytes ?? 2 ** 31);
      const parsed = parseCOCOInstances(text, file, root, opts.imageDir ?? split.replace(/^instances_/, ''), opts, warnings);
      if (classes && !sameList(classes, parsed.classes)) throw new Error(`${file}: categories differ from those of the previous split`);
      classes = parsed.classes;
      map = parsed.map;
      records.push(...parsed.records);
    }
    warnings.flush(`COCO ${root}`);
    return new COCODetection(root, classes ?? [], map ?? new Map(), records, warnings, splits.map((split) => join(root, 'annotations', `${split}.json`)));
  }
}

/** One instances file, parsed: its classes (by sorted category id), the id map and the image records. */
export interface COCOInstances {
  classes: string[];
  map: ReadonlyMap<number, number>;
  records: DetectionRecord[];
}

/**
 * Parses the text of one instances JSON file (`file` is named in every message). Images go under
 * `root`/`dir` (or the folder of each image's coco_url); bad records are skipped through `warnings`, a bad
 * file throws.
 */
export function parseCOCOInstances(text: string, file: string, root: string, dir: string, opts: COCOLoadOptions, warnings: DataWarnings): COCOInstances {
  const doc = parseJsonObject(text, file);
  const parsed = parseCategories(doc, file);
  if (opts.classes && !sameList(opts.classes, parsed.classes)) {
    throw new Error(`${file}: categories [${listed(parsed.classes)}] differ from the expected classes [${listed(opts.classes)}]`);
  }
  return { ...parsed, records: cocoRecords(doc, file, root, dir, parsed.map, opts, warnings) };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

async function readJsonText(file: string, maxBytes: number): Promise<string> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    throw new Error(`COCO annotations ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (size > maxBytes) throw new Error(`${file}: ${size} bytes, more than the ${maxBytes} allowed`);
  return readFile(file, 'utf8');
}

function parseJsonObject(text: string, file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: malformed JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isObj(doc)) throw new Error(`${file}: expected a JSON object with images, annotations and categories`);
  return doc;
}

function parseCategories(doc: Record<string, unknown>, file: string): { classes: string[]; map: Map<number, number> } {
  const cats = doc['categories'];
  if (!Array.isArray(cats) || cats.length === 0) throw new Error(`${file}: no 'categories' list`);
  const list = cats.map((c, i) => {
    if (!isObj(c) || !Number.isInteger(c['id']) || typeof c['name'] !== 'string') throw new Error(`${file}: categories[${i}] needs an integer id and a name`);
    return { id: c['id'] as number, name: c['name'] };
  });
  list.sort((a, b) => a.id - b.id);
  const map = new Map(list.map((c, i) => [c.id, i]));
  if (map.size !== list.length) throw new Error(`${file}: duplicate category ids`);
  return { classes: list.map((c) => c.name), map };
}

/** bbox_xywh_to_xyxy then bbox_clip_xyxy, as GluonCV does. */
export function cocoBoxToCorners(b: readonly number[], width: number, height: number): [number, number, number, number] {
  const [x, y, w, h] = b as [number, number, number, number];
  const x2 = x + Math.max(w - 1, 0);
  const y2 = y + Math.max(h - 1, 0);
  const clip = (v: number, hi: number): number => Math.min(hi, Math.max(0, v));
  return [clip(x, width - 1), clip(y, height - 1), clip(x2, width - 1), clip(y2, height - 1)];
}

function cocoRecords(
  doc: Record<string, unknown>,
  file: string,
  root: string,
  dir: string,
  map: ReadonlyMap<number, number>,
  opts: COCOLoadOptions,
  warnings: DataWarnings,
): DetectionRecord[] {
  const images = doc['images'];
  const anns = doc['annotations'];
  if (!Array.isArray(images)) throw new Error(`${file}: no 'images' list`);
  if (!Array.isArray(anns)) throw new Error(`${file}: no 'annotations' list`);
  const byImage = new Map<number, CocoAnn[]>();
  const firstIndex = new Map<number, number>();
  const valid: CocoImage[] = [];
  images.forEach((im, i) => {
    const where = `${file}: images[${i}]${isObj(im) && im['id'] !== undefined ? ` (id ${show(im['id'])})` : ''}`;
    // Sizes must be JSON numbers: "10", [10] or true would pass Number(); 1e400 parses to Infinity.
    const size = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) > 0;
    if (!isObj(im) || !Number.isInteger(im['id']) || typeof im['file_name'] !== 'string' || !size(im['width']) || !size(im['height'])) {
      warnings.warn(`${where} needs id, file_name, width and height; skipped`);
      return;
    }
    if (!isSafeRelative(im['file_name'])) {
      warnings.warn(`${where}: file_name ${show(im['file_name'])} is not a relative path inside the image folder; skipped`);
      return;
    }
    const id = im['id'] as number;
    const first = firstIndex.get(id);
    if (first !== undefined) {
      warnings.warn(`${where}: id repeats images[${first}]; skipped`);
      return;
    }
    firstIndex.set(id, i);
    valid.push({ id, file_name: im['file_name'], width: im['width'] as number, height: im['height'] as number, urlFolder: urlFolder(im['coco_url']) });
  });
  anns.forEach((a, i) => {
    const where = `${file}: annotation ${isObj(a) && a['id'] !== undefined ? `id ${show(a['id'])}` : `#${i}`}`;
    if (!isObj(a) || !Number.isInteger(a['image_id'])) {
      warnings.warn(`${where}: no integer image_id, skipped`);
      return;
    }
    const imageId = a['image_id'] as number;
    const bbox = a['bbox'];
    if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      warnings.warn(`${where} (image ${imageId}): bbox must be 4 finite numbers, skipped`);
      return;
    }
    if (!map.has(a['category_id'] as number)) {
      warnings.warn(`${where} (image ${imageId}): unknown category_id ${show(a['category_id'])}, skipped`);
      return;
    }
    if (a['area'] !== undefined && !(typeof a['area'] === 'number' && Number.isFinite(a['area']))) {
      warnings.warn(`${where} (image ${imageId}): area ${show(a['area'])} is not a finite number, skipped`);
      return;
    }
    if (!firstIndex.has(imageId)) {
      warnings.warn(`${where}: image_id ${imageId} is not in 'images', skipped`);
      return;
    }
    const list = byImage.get(imageId) ?? [];
    list.push(a as unknown as CocoAnn);
    byImage.set(imageId, list);
  });
  const out: DetectionRecord[] = [];
  const empty: number[] = [];
  valid.sort((a, b) => a.id - b.id);
  for (const im of valid) {
    const label: Label = [];
    for (const a of byImage.get(im.id) ?? []) {
      const area = a.area ?? a.bbox[2]! * a.bbox[3]!;
      if (area < (opts.minObjectArea ?? 0)) continue;
      if (a.ignore === 1) continue;
      if (!(opts.useCrowd ?? true) && a.iscrowd) continue;
      const [x1, y1, x2, y2] = cocoBoxToCorners(a.bbox, im.width, im.height);
      if (area > 0 && x2 > x1 && y2 > y1) label.push([x1, y1, x2, y2, map.get(a.category_id)!, 0]);
    }
    if (label.length === 0) {
      empty.push(im.id);
      if (opts.skipEmpty ?? true) continue;
      label.push([-1, -1, -1, -1, -1, -1]);
    }
    const sub = opts.imageDir ?? im.urlFolder ?? dir;
    out.push({ id: String(im.id), imagePath: join(root, sub, im.file_name), label, width: im.width, height: im.height, source: `${file} image ${im.id}` });
  }
  if (empty.length > 0) {
    const shown = empty.slice(0, 10).join(', ') + (empty.length > 10 ? ', ...' : '');
    warnings.warn(`${file}: ${empty.length} images have no valid objects (ids ${shown}); ${(opts.skipEmpty ?? true) ? 'skipped' : 'kept with a [-1]*6 label'}`);
  }
  return out;
}
