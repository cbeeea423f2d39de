// LST detection lists (spec §8.3; gluoncv/data/lst/detection.py LstDetection): one image per line,
// tab-separated `idx, A, B, [A-2 extra header values], objects (B values each: cls xmin ymin xmax ymax [extra]),
// path`. Objects are reordered to [xmin, ymin, xmax, ymax, cls, extra...] (a 6th column is 0 when B = 5);
// with coordNormalized (default) coordinates are fractions scaled by the decoded image's size. Bad lines (and
// lines without an image path) are skipped with a warning naming file:line; so are objects whose class id is
// not below the number of classes (given, or at most maxClasses when generated).
import { RecordDataset } from './recordDataset.js';
import { readFile, stat } from 'node:fs/promises';
import { join, isAbsolute } from 'node:path';
import { DataWarnings, type WarningSink } from './warnings.js';
import { clip } from './xml.js';
import type { DetectionRecord, Label } from './types.js';

export interface LstLoadOptions {
  /** Folder the image paths are relative to (default ''). */
  root?: string;
  coordNormalized?: boolean;
  classes?: readonly string[];
  maxBytes?: number;
  /**
   * Without `classes`, class ids at or above this are dropped (default 100,000): the classes are generated as
   * class0..classN, and a hostile id like 4294967296 must not allocate billions of names.
   */
  maxClasses?: number;
  onWarning?: WarningSink;
}

/** Parses the numeric fields of one line (between idx and path) into label rows; throws on a bad shape. */
export function parseLstLabel(values: readonly number[]): Label {
  if (values.length < 7) throw new Error(`label has ${values.length} values, at least 7 needed`);
  const headerLen = Math.trunc(values[0]!);
  const width = Math.trunc(values[1]!);
  if (headerLen < 2) throw new Error(`header length ${values[0]} < 2`);
  if (width < 5) throw new Error(`label width ${values[1]} < 5`);
  const body = values.length - headerLen;
  if (body < 0 || body % width !== 0) throw new Error(`${values.length} values do not fit header ${headerLen} + objects of ${width}`);
  const out: Label = [];
  for (let o = headerLen; o < values.length; o += width) {
    const obj = values.slice(o, o + width);
    const row = [obj[1]!, obj[2]!, obj[3]!, obj[4]!, obj[0]!, ...obj.slice(5)];
    while (row.length < 6) row.push(0);
    out.push(row);
  }
  return out;
}

export class LstDetection extends RecordDataset {

  private constructor(classes: readonly string[], records: DetectionRecord[], warnings: DataWarnings) {
    super('LST', classes, records, warnings);
  }

  static async load(filename: string, opts: LstLoadOptions = {}): Promise<LstDetection> {
    const warnings = new DataWarnings(opts.onWarning);
    const maxBytes = opts.maxBytes ?? 1 << 30;
    let text: string;
    try {
      const st = await stat(filename);
      if (st.size > maxBytes) throw new Error(`${st.size} bytes, more than the ${maxBytes} allowed`);
      text = await readFile(filename, 'utf8');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new Error(`LST file ${filename}: ${e.code === 'ENOENT' ? 'missing' : e.message}`);
    }
    const { classes, records } = parseLstText(text, filename, opts, warnings);
    warnings.flush(`LST ${filename}`);
    return new LstDetection(classes, records, warnings);
  }
}

/**
 * The objects of one image (LST line or RecordIO record) that are usable: a non-empty box inside the image
 * ([0, 1] when normalized) and an integer class in [0, numClasses); the others are dropped with a warning.
 */
export function keepValidObjects(label: Label, where: string, normalized: boolean, numClasses: number, warnings: DataWarnings): Label {
  return label.filter((r, k) => {
    const [x0, y0, x1, y1] = r as [number, number, number, number];
    const inRange = normalized ? x0 >= 0 && y0 >= 0 && x1 <= 1 && y1 <= 1 : x0 >= 0 && y0 >= 0;
    const ok = x0 < x1 && y0 < y1 && inRange && Number.isInteger(r[4]) && r[4]! >= 0 && r[4]! < numClasses;
    if (!ok) warnings.warn(`${where}: object ${k + 1} [${r.slice(0, 5).join(', ')}] is invalid (empty, out of range or class not in [0, ${numClasses})), dropped`);
    return ok;
  });
}

/**
 * Parses the text of one LST file (`filename` is named as file:line in every message); bad lines and objects
 * are skipped through `warnings`. Classes are `opts.classes`, else class0..classN up to the largest class id.
 */
export function parseLstText(text: string, filename: string, opts: LstLoadOptions, warnings: DataWarnings): { classes: readonly string[]; records: DetectionRecord[] } {
  const normalized = opts.coordNormalized ?? true;
  const numClasses = opts.classes?.length ?? opts.maxClasses ?? 100_000;
  const records: DetectionRecord[] = [];
  let maxCls = -1;
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${filename}:${i + 1}`;
    const parts = line.split('\t');
    if (parts.length < 3) {
      warnings.warn(`${where}: expected tab-separated 'idx, header..., objects..., path', skipped`);
      return;
    }
    const path = parts[parts.length - 1]!.trim();
    if (path === '' || path.includes('\0')) {
      warnings.warn(`${where}: ${path === '' ? 'no image path' : `image path ${JSON.stringify(clip(path))} has a NUL byte`}, skipped`);
      return;
    }
    const values = parts.slice(1, -1).flatMap((p) => p.trim().split(/\s+/)).filter((p) => p !== '').map(Number);
    if (values.some((v) => !Number.isFinite(v))) {
      warnings.warn(`${where}: non-numeric label value, skipped`);
      return;
    }
    let label: Label;
    try {
      label = parseLstLabel(values);
    } catch (err) {
      warnings.warn(`${where}: ${(err as Error).message}, skipped`);
      return;
    }
    const good = keepValidObjects(label, where, normalized, numClasses, warnings);
    if (good.length === 0) warnings.warn(`${where}: image ${clip(path)} has no valid objects`);
    for (const r of good) maxCls = Math.max(maxCls, r[4]!);
    records.push({
      id: parts[0]!.trim(),
      imagePath: isAbsolute(path) ? path : join(opts.root ?? '', path),
      label: good,
      coordNormalized: normalized,
      source: where,
    });
  });
  const classes = opts.classes ?? Array.from({ length: maxCls + 1 }, (_, i) => `class${i}`);
  return { classes, records };
}
