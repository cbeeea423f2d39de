// COCO detection datasets (spec §8.2; gluoncv/data/mscoco/detection.py): {root}/annotations/{split}.json
// ("instances" format). Categories sorted by id map to contiguous ids 0..C-1; boxes go from [x, y, w, h] to
// (x, y, x + max(w-1, 0), y + max(h-1, 0)) clipped to [0, W-1] × [0, H-1] and are kept when area > 0 and
// xmax > xmin and ymax > ymin; `ignore == 1` objects are skipped; crowd objects kept unless useCrowd is false.
// Images left without objects are skipped (skipEmpty, the default) or get one [-1 × 6] dummy row. Label rows
// have 6 columns like VOC's (difficult 0). Malformed records are skipped with a warning naming the file.
import { RecordDataset } from './recordDataset.js';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
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
  coco_url?: string;
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

export class COCODetection extends RecordDataset {
  readonly root: string;
  /** JSON category id → contiguous class id. */
  readonly jsonIdToContiguous: ReadonlyMap<number, number>;

  private constructor(root: string, classes: readonly string[], map: ReadonlyMap<number, number>, records: DetectionRecord[], warnings: DataWarnings) {
    super('COCO', classes, records, warnings);
    this.root = root;
    this.jsonIdToContiguous = map;
  }

  static async load(root: string, splits: readonly string[] = ['instances_val2017'], opts: COCOLoadOptions = {}): Promise<COCODetection> {
    const warnings = new DataWarnings(opts.onWarning);
    const records: DetectionRecord[] = [];
    let classes: readonly string[] | undefined;
    let map: Map<number, number> | undefined;
    for (const split of splits) {
      const file = join(root, 'annotations', `${split}.json`);
      const doc = await readJson(file, opts.maxBytes ?? 2 ** 31);
      const parsed = parseCategories(doc, file);
      if (opts.classes && !sameList(opts.classes, parsed.classes)) {
        throw new Error(`${file}: categories [${parsed.classes.join(', ')}] differ from the expected classes [${opts.classes.join(', ')}]`);
      }
      if (classes && !sameList(classes, parsed.classes)) throw new Error(`${file}: categories differ from those of the previous split`);
      classes = parsed.classes;
      map = parsed.map;
      const dir = opts.imageDir ?? split.replace(/^instances_/, '');
      records.push(...cocoRecords(doc, file, root, dir, parsed.map, opts, warnings));
    }
    warnings.flush(`COCO ${root}`);
    return new COCODetection(root, classes ?? [], map ?? new Map(), records, warnings);
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

async function readJson(file: string, maxBytes: number): Promise<Record<string, unknown>> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    throw new Error(`COCO annotations ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (size > maxBytes) throw new Error(`${file}: ${size} bytes, more than the ${maxBytes} allowed`);
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
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
  const known = new Set<number>();
  const valid: CocoImage[] = [];
  images.forEach((im, i) => {
    if (!isObj(im) || !Number.isInteger(im['id']) || typeof im['file_name'] !== 'string' || !(Number(im['width']) > 0) || !(Number(im['height']) > 0)) {
      warnings.warn(`${file}: images[${i}]${isObj(im) && im['id'] !== undefined ? ` (id ${String(im['id'])})` : ''} needs id, file_name, width and height; skipped`);
      return;
    }
    known.add(im['id'] as number);
    valid.push(im as unknown as CocoImage);
  });
  anns.forEach((a, i) => {
    const where = `${file}: annotation ${isObj(a) && a['id'] !== undefined ? `id ${String(a['id'])}` : `#${i}`}`;
    if (!isObj(a) || !Number.isInteger(a['image_id'])) {
      warnings.warn(`${where}: no integer image_id, skipped`);
      return;
    }
    const bbox = a['bbox'];
    if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      warnings.warn(`${where} (image ${String(a['image_id'])}): bbox must be 4 finite numbers, skipped`);
      return;
    }
    if (!map.has(a['category_id'] as number)) {
      warnings.warn(`${where} (image ${String(a['image_id'])}): unknown category_id ${String(a['category_id'])}, skipped`);
      return;
    }
    if (!known.has(a['image_id'] as number)) {
      warnings.warn(`${where}: image_id ${String(a['image_id'])} is not in 'images', skipped`);
      return;
    }
    const list = byImage.get(a['image_id'] as number) ?? [];
    list.push(a as unknown as CocoAnn);
    byImage.set(a['image_id'] as number, list);
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
    const sub = opts.imageDir ?? (im.coco_url ? im.coco_url.split('/').slice(-2, -1)[0] ?? dir : dir);
    out.push({ id: String(im.id), imagePath: join(root, sub, im.file_name), label, width: im.width, height: im.height, source: `${file} image ${im.id}` });
  }
  if (empty.length > 0) {
    const shown = empty.slice(0, 10).join(', ') + (empty.length > 10 ? ', ...' : '');
    warnings.warn(`${file}: ${empty.length} images have no valid objects (ids ${shown}); ${(opts.skipEmpty ?? true) ? 'skipped' : 'kept with a [-1]*6 label'}`);
  }
  return out;
}
