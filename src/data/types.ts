// Shared data-pipeline types: images as HWC RGB buffers, labels as rows [xmin,ymin,xmax,ymax,cls,difficult,...]
// (spec §7.4 input convention, §8 dataset output), dataset records, and the fields a sample transform returns.

/** An RGB image, row-major HWC with 3 interleaved channels. Uint8 straight from a decoder, Float32 once
 * augmented (values are not clipped: colour distortion can leave [0, 255], spec §7.4.1). */
export interface RGBImage<T extends Uint8Array | Float32Array = Uint8Array | Float32Array> {
  data: T;
  width: number;
  height: number;
}

/** Object rows `[xmin, ymin, xmax, ymax, cls, difficult, ...extra]` in pixels, 0-based (spec §8.1). */
export type Label = number[][];

/** One image of a detection dataset: where its pixels are and its (already parsed) objects. */
export interface DetectionRecord {
  /** The dataset's id for the image (VOC: the ImageSets id; COCO: the image id). */
  id: string;
  imagePath: string;
  label: Label;
  /** Size stated by the annotation, when it states one; the decoded image must match it. */
  width?: number;
  height?: number;
  /** LST: coordinates are fractions of the image size, scaled once the image is decoded (spec §8.3). */
  coordNormalized?: boolean;
  /** RecordIO: imagePath is the .rec file and the image is in the record starting at this byte. */
  recordOffset?: number;
  /** Where the label came from (annotation file, or `file:line`), for messages. */
  source?: string;
}

/** A detection dataset: a list of records with preloaded labels. */
export interface DetectionDataset {
  readonly classes: readonly string[];
  readonly length: number;
  record(index: number): DetectionRecord;
}

/** One array-valued output of a sample transform (an image, a label, a target...), row-major. */
export interface Field {
  data: Float32Array;
  shape: number[];
}
