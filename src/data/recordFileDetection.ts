// RecordIO detection datasets (spec §8.3; gluoncv/data/recordio/detection.py RecordFileDetection over
// mxnet.gluon.data.RecordFileDataset): the `.rec` file im2rec.py writes, records in `.idx` order (or in file
// order without an .idx), each an IRHeader whose label floats are packed like an LST line's
// [header width A, object width B, extra header..., objects of B: cls xmin ymin xmax ymax extra...] and a JPEG.
// Labels are read once at load (one pass over the file); images are read from the record when a sample is
// decoded (readRecordImage). Coordinates are fractions of the image size by default (coord_normalized=True).
// Bad records are skipped with a warning naming the file and the offset; a bad framing or .idx is an error.
import { existsSync, readFileSync } from 'node:fs';
import { RecordDataset } from './recordDataset.js';
import { DataWarnings, type WarningSink } from './warnings.js';
import { keepValidObjects, parseLstLabel } from './lst.js';
import {
  DEFAULT_MAX_RECORD_BYTES, RecordIOError, fileSource, parseIdx, readRecordAt, scanRecords, unpackIR, type ByteSource,
} from './recordio.js';
import type { DetectionRecord, Label } from './types.js';

export interface RecordFileLoadOptions {
  /** The .idx file (default: the .rec path with .idx); without one the .rec is scanned in file order. */
  idxFile?: string;
  coordNormalized?: boolean;
  classes?: readonly string[];
  /** Without `classes`, class ids at or above this are dropped (default 100,000), as for LST. */
  maxClasses?: number;
  maxRecordBytes?: number;
  onWarning?: WarningSink;
}

export class RecordFileDetection extends RecordDataset {
  private constructor(classes: readonly string[], records: DetectionRecord[], warnings: DataWarnings) {
    super('RecordIO', classes, records, warnings);
  }

  static async load(recFile: string, opts: RecordFileLoadOptions = {}): Promise<RecordFileDetection> {
    const warnings = new DataWarnings(opts.onWarning);
    let src: ReturnType<typeof fileSource>;
    try {
      src = fileSource(recFile);
    } catch (err) {
      throw new Error(`RecordIO file ${recFile}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (err as Error).message}`);
    }
    try {
      const idxFile = opts.idxFile ?? recFile.replace(/\.rec$/, '') + '.idx';
      const entries = existsSync(idxFile)
        ? parseIdx(readFileSync(idxFile, 'utf8'), idxFile, src.size)
        : scanRecords(src, opts.maxRecordBytes).map((offset, i) => ({ key: String(i), offset }));
      const { classes, records } = parseRecordLabels(src, entries, opts, warnings);
      warnings.flush(`RecordIO ${recFile}`);
      return new RecordFileDetection(classes, records, warnings);
    } finally {
      src.close();
    }
  }
}

/**
 * The label of every record at `entries` (keys and offsets): bad records (framing, header, label shape) are
 * skipped with a warning, bad objects dropped as in LST. Classes: `opts.classes`, else class0..classN.
 */
export function parseRecordLabels(src: ByteSource, entries: readonly { key: string; offset: number }[], opts: RecordFileLoadOptions, warnings: DataWarnings): { classes: readonly string[]; records: DetectionRecord[] } {
  const normalized = opts.coordNormalized ?? true;
  const numClasses = opts.classes?.length ?? opts.maxClasses ?? 100_000;
  const records: DetectionRecord[] = [];
  let maxCls = -1;
  for (const { key, offset } of entries) {
    const where = `${src.name}: record ${key} at byte ${offset}`;
    let label: Label;
    try {
      const ir = unpackIR(readRecordAt(src, offset, opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES).payload, where);
      if (!ir.label.every(Number.isFinite)) throw new RecordIOError(`${where}: non-finite label value`);
      label = parseLstLabel(Array.from(ir.label));
    } catch (err) {
      const m = (err as Error).message;
      warnings.warn(`${m.startsWith(src.name) ? m : `${where}: ${m}`}, skipped`);
      continue;
    }
    const good = keepValidObjects(label, where, normalized, numClasses, warnings);
    for (const r of good) maxCls = Math.max(maxCls, r[4]!);
    records.push({ id: key, imagePath: src.name, recordOffset: offset, label: good, coordNormalized: normalized, source: where });
  }
  const classes = opts.classes ?? Array.from({ length: maxCls + 1 }, (_, i) => `class${i}`);
  return { classes, records };
}

/** The image bytes of the record at `offset` of `recFile` (for decoding a sample). */
export function readRecordImage(recFile: string, offset: number, maxRecordBytes = DEFAULT_MAX_RECORD_BYTES): Buffer {
  const src = fileSource(recFile);
  try {
    return unpackIR(readRecordAt(src, offset, maxRecordBytes).payload, `${recFile}: record at byte ${offset}`).image;
  } finally {
    src.close();
  }
}
