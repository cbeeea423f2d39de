// Reading one dataset record into a decoded sample (what a loader worker does before augmenting, spec §7.3):
// decode the image (bounded, see imageIO.ts), check it against the annotation's stated size, scale LST's
// normalized coordinates (spec §8.3). Failures are SampleErrors naming the record and the file.
import { decodeImage, DEFAULT_MAX_PIXELS } from './imageIO.js';
import { readRecordImage } from './recordFileDetection.js';
import type { DetectionRecord, Label, RGBImage } from './types.js';

export interface Sample {
  image: RGBImage<Uint8Array>;
  label: Label;
  record: DetectionRecord;
}

export class SampleError extends Error {}

export function describeRecord(r: DetectionRecord): string {
  return `record '${r.id}' (${r.imagePath}${r.recordOffset === undefined ? '' : ` at byte ${r.recordOffset}`})`;
}

export async function readSample(record: DetectionRecord, opts: { maxPixels?: number } = {}): Promise<Sample> {
  let image: RGBImage<Uint8Array>;
  try {
    const src = record.recordOffset === undefined ? record.imagePath : readRecordImage(record.imagePath, record.recordOffset);
    image = await decodeImage(src, { maxPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS });
  } catch (err) {
    const m = err instanceof Error ? err.message : String(err);
    throw new SampleError(`${describeRecord(record)}: ${m.replace(`${record.imagePath}: `, '')}`);
  }
  if (record.width !== undefined && record.height !== undefined && (record.width !== image.width || record.height !== image.height)) {
    throw new SampleError(
      `${describeRecord(record)}: image is ${image.width}x${image.height} but ${record.source ?? 'the annotation'} says ${record.width}x${record.height}`,
    );
  }
  let label = record.label.map((r) => r.slice());
  if (record.coordNormalized) {
    label = label.map((r) => {
      const o = r.slice();
      o[0] = r[0]! * image.width;
      o[1] = r[1]! * image.height;
      o[2] = r[2]! * image.width;
      o[3] = r[3]! * image.height;
      return o;
    });
  }
  return { image, label, record };
}
