// Pascal VOC detection datasets (spec §8.1; gluoncv/data/pascal_voc/detection.py). Ids come from
// {root}/{folder}/ImageSets/Main/{name}.txt, images are JPEGImages/{id}.jpg, annotations Annotations/{id}.xml.
// Label rows are [xmin-1, ymin-1, xmax-1, ymax-1, cls, difficult] (1-based VOC pixels to 0-based); names are
// lower-cased and trimmed; unknown classes are skipped and boxes failing 0<=xmin<W, 0<=ymin<H, xmin<xmax<=W,
// ymin<ymax<=H are dropped, each with a warning naming the file and the object. Labels are preloaded.
// Malformed, oversized or missing annotations and missing images drop the record with a warning.
import { RecordDataset } from './recordDataset.js';
import { readFile, stat, access } from 'node:fs/promises';
import { join } from 'node:path';
import { parseBoundedXml, xmlChild, xmlText, clip, type XmlLimits, type XmlNode } from './xml.js';
import { imageInfo, DEFAULT_MAX_PIXELS } from './imageIO.js';
import { DataWarnings, type WarningSink } from './warnings.js';
import type { DetectionRecord, Label } from './types.js';

export const VOC_CLASSES: readonly string[] = [
  'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor',
];

export interface VOCLoadOptions {
  /** Replaces VOC's 20 classes (CustomVOCDetectionBase's `classes`). */
  classes?: readonly string[];
  /** Drop images left without objects (default false: kept with an empty label, with a warning). */
  skipEmpty?: boolean;
  /** Check that each image file exists at load time (default true). */
  checkImages?: boolean;
  xmlLimits?: XmlLimits;
  /** Used only when an annotation lacks a usable <size> and the image header is read instead. */
  maxPixels?: number;
  onWarning?: WarningSink;
  /** Parallel file reads (default 16). */
  concurrency?: number;
}

/** A parsed VOC annotation. */
export interface VOCAnnotation {
  width: number;
  height: number;
  label: Label;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function num(s: string | undefined): number {
  if (s === undefined || s.trim() === '') return NaN;
  return Number(s);
}

/**
 * Parses one VOC annotation. `size` may be supplied when the XML has none. Problems with single objects are
 * reported through `warn` (the object is skipped); problems with the whole file throw.
 */
export function parseVOCAnnotation(
  xml: string,
  file: string,
  classIndex: ReadonlyMap<string, number>,
  warn: (m: string) => void,
  limits: XmlLimits = {},
  size?: { width: number; height: number },
): VOCAnnotation {
  const doc = parseBoundedXml(xml, file, ['object'], limits);
  const root = xmlChild(doc, 'annotation');
  if (!root) throw new Error(`${file}: no <annotation> element`);
  const sizeEl = xmlChild(root, 'size');
  let width = num(xmlText(sizeEl, 'width'));
  let height = num(xmlText(sizeEl, 'height'));
  // Finite: '1e400' or 400 nines parse to Infinity, which would make every box "inside the image".
  if (!(width > 0 && height > 0 && Number.isFinite(width) && Number.isFinite(height))) {
    const shown = (k: string): string => clip(String(xmlText(sizeEl, k)), 40);
    if (!size) throw new Error(`${file}: no usable <size> (width ${shown('width')}, height ${shown('height')})`);
    ({ width, height } = size);
  }
  const objects = (root['object'] as XmlNode[] | undefined) ?? [];
  const label: Label = [];
  objects.forEach((obj, k) => {
    const where = `${file}: object ${k + 1}`;
    if (typeof obj !== 'object') {
      warn(`${where}: empty <object>, skipped`);
      return;
    }
    const rawName = xmlText(obj, 'name');
    const name = (rawName ?? '').trim().toLowerCase();
    const d = Number.parseInt(xmlText(obj, 'difficult') ?? '', 10);
    // Unparsable → 0, as before; so is a run of digits too long to be exact (parseInt gives up to Infinity).
    const difficult = Number.isSafeInteger(d) ? d : 0;
    const cls = classIndex.get(name);
    if (cls === undefined) {
      warn(`${where}: unknown class '${clip(rawName ?? '', 60)}', skipped`);
      return;
    }
    const box = xmlChild(obj, 'bndbox');
    const c = ['xmin', 'ymin', 'xmax', 'ymax'].map((key) => num(xmlText(box, key)) - 1) as [number, number, number, number];
    if (!box || c.some((v) => !Number.isFinite(v))) {
      warn(`${where} ('${clip(name, 60)}'): missing or non-numeric <bndbox>, skipped`);
      return;
    }
    const [xmin, ymin, xmax, ymax] = c;
    if (!(0 <= xmin && xmin < width && 0 <= ymin && ymin < height && xmin < xmax && xmax <= width && ymin < ymax && ymax <= height)) {
      const why = xmax <= xmin || ymax <= ymin ? 'zero or negative area' : 'outside the image';
      warn(`${where} ('${clip(name, 60)}'): invalid box [${xmin}, ${ymin}, ${xmax}, ${ymax}] (0-based) in a ${width}x${height} image (${why}), dropped`);
      return;
    }
    label.push([xmin, ymin, xmax, ymax, cls, difficult]);
  });
  return { width, height, label };
}

/** `'2007/trainval'` or `[2007, 'trainval']` → [folder, name] with folder `VOC2007`. */
function vocSplit(s: string | readonly [number | string, string]): [string, string] {
  const [year, name] = typeof s === 'string' ? (s.split('/') as [string, string]) : [String(s[0]), s[1]];
  if (!year || !name) throw new Error(`bad VOC split '${String(s)}': expected 'YEAR/NAME', e.g. '2007/trainval'`);
  return [`VOC${year}`, name];
}

/** `'VOC2007/trainval'` or `['VOC2007', 'trainval']` → [folder, name]. */
function customSplit(s: string | readonly [string, string]): [string, string] {
  if (typeof s !== 'string') return [s[0], s[1]];
  const i = s.lastIndexOf('/');
  if (i <= 0) throw new Error(`bad split '${s}': expected 'FOLDER/NAME', e.g. 'VOC2007/trainval'`);
  return [s.slice(0, i), s.slice(i + 1)];
}

/** A VOC-layout detection dataset over [folder, image-set] splits. Build one with `VOCDetection.load`. */
export class VOCDetection extends RecordDataset {
  readonly root: string;

  protected constructor(root: string, classes: readonly string[], records: DetectionRecord[], warnings: DataWarnings) {
    super('VOC', classes, records, warnings);
    this.root = root;
  }

  /** Pascal VOC: splits like `'2007/trainval'` under `root` (the folder holding VOC2007/, VOC2012/). */
  static async load(root: string, splits: readonly (string | readonly [number | string, string])[] = ['2007/trainval', '2012/trainval'], opts: VOCLoadOptions = {}): Promise<VOCDetection> {
    return loadVOC(root, splits.map(vocSplit), opts.classes ?? VOC_CLASSES, opts, (r, c, rec, w) => new VOCDetection(r, c, rec, w));
  }

  /** Readable summary, e.g. for logs. */
  override toString(): string {
    return `VOCDetection(${this.root}, ${this.length} images, ${this.classes.length} classes)`;
  }
}

/**
 * VOC-format custom data (CustomVOCDetectionBase): splits are `[folder, image-set]` pairs under `root`, classes
 * are given, or generated from the annotations (sorted names, like generate_classes=True) when omitted.
 */
export class CustomVOCDetection extends VOCDetection {
  static async loadCustom(root: string, splits: readonly (string | readonly [string, string])[], opts: VOCLoadOptions = {}): Promise<CustomVOCDetection> {
    const parsed = splits.map(customSplit);
    const classes = opts.classes ?? (await generateClasses(root, parsed, opts));
    return loadVOC(root, parsed, classes, opts, (r, c, rec, w) => new CustomVOCDetection(r, c, rec, w));
  }
}

async function readIds(root: string, folder: string, name: string): Promise<string[]> {
  const file = join(root, folder, 'ImageSets', 'Main', `${name}.txt`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`VOC split ${folder}/${name}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseImageSetIds(text, file);
}

/**
 * The ids of an ImageSets/Main list (first word of each non-blank line). Ids become file names under
 * Annotations/ and JPEGImages/, so an id that could leave them — a path separator, '.' or '..', a NUL or other
 * control character, a drive prefix — is refused: `file:line: image id "../../x" ...`.
 */
export function parseImageSetIds(text: string, file: string): string[] {
  const ids: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const id = line.trim().split(/\s+/)[0] ?? '';
    if (id.length === 0) return;
    if (!isPlainId(id)) {
      throw new Error(`${file}:${i + 1}: image id ${JSON.stringify(clip(id, 80))} is not a plain file name (path separators, '.', '..', control characters and drive prefixes would leave the dataset folder); refused`);
    }
    ids.push(id);
  });
  return ids;
}

function isPlainId(id: string): boolean {
  // eslint-disable-next-line no-control-regex
  return id !== '.' && id !== '..' && !/[\\/:\u0000-\u001f\u007f]/.test(id);
}

async function readBounded(file: string, maxBytes: number): Promise<string> {
  const st = await stat(file);
  if (st.size > maxBytes) throw new Error(`${file}: XML is ${st.size} bytes, more than the ${maxBytes} allowed`);
  return readFile(file, 'utf8');
}

async function generateClasses(root: string, splits: [string, string][], opts: VOCLoadOptions): Promise<string[]> {
  const names = new Set<string>();
  const limits = opts.xmlLimits ?? {};
  for (const [folder, name] of splits) {
    const ids = await readIds(root, folder, name);
    await mapLimit(ids, opts.concurrency ?? 16, async (id) => {
      const file = join(root, folder, 'Annotations', `${id}.xml`);
      try {
        const doc = parseBoundedXml(await readBounded(file, limits.maxBytes ?? 1 << 20), file, ['object'], limits);
        for (const o of (xmlChild(doc, 'annotation')?.['object'] as XmlNode[] | undefined) ?? []) {
          const n = xmlText(o, 'name')?.trim().toLowerCase();
          if (n) names.add(n);
        }
      } catch {
        // reported when the labels are loaded
      }
    });
  }
  if (names.size === 0) throw new Error(`no class names found in the annotations of ${splits.map((s) => s.join('/')).join(', ')} under ${root}`);
  return [...names].sort();
}

async function loadVOC<D extends VOCDetection>(
  root: string,
  splits: [string, string][],
  classes: readonly string[],
  opts: VOCLoadOptions,
  make: (root: string, classes: readonly string[], records: DetectionRecord[], w: DataWarnings) => D,
): Promise<D> {
  const warnings = new DataWarnings(opts.onWarning);
  const classIndex = new Map(classes.map((c, i) => [c.trim().toLowerCase(), i]));
  if (classIndex.size !== classes.length) throw new Error(`duplicate class names in [${classes.join(', ')}]`);
  const limits = opts.xmlLimits ?? {};
  const records: DetectionRecord[] = [];
  for (const [folder, name] of splits) {
    const ids = await readIds(root, folder, name);
    const loaded = await mapLimit(ids, opts.concurrency ?? 16, async (id): Promise<DetectionRecord | null> => {
      const annFile = join(root, folder, 'Annotations', `${id}.xml`);
      const imagePath = join(root, folder, 'JPEGImages', `${id}.jpg`);
      const rec = `${folder}/${name} id '${id}'`;
      if (opts.checkImages ?? true) {
        try {
          await access(imagePath);
        } catch {
          warnings.warn(`${rec}: image ${imagePath} is missing, record skipped`);
          return null;
        }
      }
      let ann: VOCAnnotation;
      try {
        const xml = await readBounded(annFile, limits.maxBytes ?? 1 << 20);
        let size: { width: number; height: number } | undefined;
        try {
          ann = parseVOCAnnotation(xml, annFile, classIndex, (m) => warnings.warn(m), limits);
        } catch (err) {
          if (!(err instanceof Error) || !/no usable <size>/.test(err.message)) throw err;
          size = await imageInfo(imagePath, { maxPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS });
          ann = parseVOCAnnotation(xml, annFile, classIndex, (m) => warnings.warn(m), limits, size);
        }
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const m = e.code === 'ENOENT' ? `annotation ${annFile} is missing` : e.message;
        warnings.warn(`${rec}: ${m}, record skipped`);
        return null;
      }
      if (ann.label.length === 0) {
        warnings.warn(`${rec}: ${annFile} has no valid objects${opts.skipEmpty ? ', record skipped' : ''}`);
        if (opts.skipEmpty) return null;
      }
      return { id, imagePath, label: ann.label, width: ann.width, height: ann.height, source: annFile };
    });
    for (const r of loaded) if (r) records.push(r);
  }
  warnings.flush(`VOC ${root}`);
  return make(root, classes, records, warnings);
}

/** One object for formatVOCAnnotation: a 0-based box (as in label rows) and its flags. */
export interface VOCObject {
  name: string;
  box: [number, number, number, number];
  difficult?: boolean;
  truncated?: boolean;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A VOC annotation file; boxes are written 1-based (xmin+1 ...), the inverse of the §8.1 shift. */
export function formatVOCAnnotation(folder: string, filename: string, width: number, height: number, objects: readonly VOCObject[]): string {
  const objs = objects.map((o) => {
    const [x0, y0, x1, y1] = o.box.map((v) => Math.round((v + 1) * 100) / 100);
    return [
      '\t<object>',
      `\t\t<name>${escapeXml(o.name)}</name>`,
      '\t\t<pose>Unspecified</pose>',
      `\t\t<truncated>${o.truncated ? 1 : 0}</truncated>`,
      `\t\t<difficult>${o.difficult ? 1 : 0}</difficult>`,
      '\t\t<bndbox>',
      `\t\t\t<xmin>${x0}</xmin>`,
      `\t\t\t<ymin>${y0}</ymin>`,
      `\t\t\t<xmax>${x1}</xmax>`,
      `\t\t\t<ymax>${y1}</ymax>`,
      '\t\t</bndbox>',
      '\t</object>',
    ].join('\n');
  });
  return [
    '<annotation>',
    `\t<folder>${escapeXml(folder)}</folder>`,
    `\t<filename>${escapeXml(filename)}</filename>`,
    '\t<size>',
    `\t\t<width>${width}</width>`,
    `\t\t<height>${height}</height>`,
    '\t\t<depth>3</depth>',
    '\t</size>',
    '\t<segmented>0</segmented>',
    ...objs,
    '</annotation>',
    '',
  ].join('\n');
}
