// SSD's default train and validation transforms (spec §7.4, §7.5; gluoncv/data/transforms/presets/ssd.py), as
// plain functions and as worker-loadable SampleTransform factories. The train transform draws, in GluonCV's
// order: colour distortion, expand (p 0.5, ≤4×, mean fill), constrained crop, interpolation randint(0,5),
// flip (p 0.5); it renders the colour-distorted, expanded, cropped region in one pass, then resizes and
// normalizes. `ssdTrainTransformReference` does the same steps literally, one image per step, for tests.
// Target generation (spec §7.4.7) plugs in through `targets`, a ModuleRef loaded in the worker.
import type { Label, RGBImage, Field } from '../types.js';
import type { Rng, Random } from '../random.js';
import type { Sample } from '../sample.js';
import { labelToField } from '../batchify.js';
import { loadModuleRef, type ModuleRef, type SampleTransform, type TransformSpec } from '../workerTransform.js';
import { bboxTranslate, bboxResize, bboxFlip, randomCropWithConstraints, type CropBox } from './bbox.js';
import { resize, autoInterp, type Interp } from './resize.js';
import {
  drawColorDistort,
  colorDistortAffine,
  colorDistortStepwise,
  drawExpand,
  cropExpanded,
  expandImage,
  fixedCrop,
  flipHorizontal,
  toNormalizedCHW,
  type ColorDistortParams,
  type Expansion,
} from './image.js';

export const SSD_MEAN: readonly number[] = [0.485, 0.456, 0.406];
export const SSD_STD: readonly number[] = [0.229, 0.224, 0.225];

export interface SSDTransformOptions {
  width: number;
  height: number;
  mean?: readonly number[];
  std?: readonly number[];
}

/** What the train transform drew, for inspection and tests. */
export interface SSDTrainTrace {
  color: ColorDistortParams;
  expand: Expansion | null;
  crop: CropBox;
  interp: Interp;
  flip: boolean;
}

export interface TransformedSample {
  /** CHW float32, normalized. */
  image: Float32Array;
  /** Rows in the output image's pixels (width×height). */
  label: Label;
}

function drawTrain(img: RGBImage, label: Label, rng: Rng): { trace: SSDTrainTrace; label: Label } {
  const color = drawColorDistort(rng);
  let expand: Expansion | null = null;
  let bbox = label;
  if (rng.uniform(0, 1) > 0.5) {
    expand = drawExpand(img.width, img.height, rng, 4, true);
    bbox = bboxTranslate(label, expand.offsetX, expand.offsetY);
  }
  const cw = expand ? expand.width : img.width;
  const ch = expand ? expand.height : img.height;
  const cropped = randomCropWithConstraints(bbox, [cw, ch], rng);
  let crop = cropped.crop;
  if (crop[2] <= 0 || crop[3] <= 0) crop = [0, 0, cw, ch]; // degenerate draw on a tiny image
  const interp = rng.randrange(5) as Interp;
  const flip = rng.random() < 0.5;
  return { trace: { color, expand, crop, interp, flip }, label: cropped.label };
}

function finishLabel(label: Label, crop: CropBox, flip: boolean, o: SSDTransformOptions): Label {
  const resized = bboxResize(label, [crop[2], crop[3]], [o.width, o.height]);
  return bboxFlip(resized, [o.width, o.height], flip);
}

/** SSDDefaultTrainTransform without target generation: normalized CHW image and its boxes. */
export function ssdTrainTransform(img: RGBImage, label: Label, rng: Rng, o: SSDTransformOptions): TransformedSample & { trace: SSDTrainTrace } {
  const mean = o.mean ?? SSD_MEAN;
  const std = o.std ?? SSD_STD;
  const { trace, label: cropped } = drawTrain(img, label, rng);
  const e = trace.expand ?? { offsetX: 0, offsetY: 0, width: img.width, height: img.height };
  const region = cropExpanded(img, e, trace.crop, mean.map((m) => m * 255), colorDistortAffine(trace.color));
  const resized = resize(region, o.width, o.height, trace.interp);
  return { image: toNormalizedCHW(resized, mean, std, trace.flip), label: finishLabel(cropped, trace.crop, trace.flip, o), trace };
}

/** The same transform done step by step on whole images, as GluonCV does (slow; the reference for tests). */
export function ssdTrainTransformReference(img: RGBImage, label: Label, rng: Rng, o: SSDTransformOptions): TransformedSample & { trace: SSDTrainTrace } {
  const mean = o.mean ?? SSD_MEAN;
  const std = o.std ?? SSD_STD;
  const { trace, label: cropped } = drawTrain(img, label, rng);
  let cur: RGBImage = colorDistortStepwise(img, trace.color);
  if (trace.expand) cur = expandImage(cur, trace.expand, mean.map((m) => m * 255));
  const [l, t, w, h] = trace.crop;
  cur = fixedCrop(cur, l, t, w, h);
  cur = resize(cur, o.width, o.height, trace.interp);
  if (trace.flip) cur = flipHorizontal(cur);
  return { image: toNormalizedCHW(cur, mean, std), label: finishLabel(cropped, trace.crop, trace.flip, o), trace };
}

/** SSDDefaultValTransform: resize with interp 9 (auto), boxes scaled, normalize; all label columns kept. */
export function ssdValTransform(img: RGBImage, label: Label, o: SSDTransformOptions): TransformedSample {
  const mean = o.mean ?? SSD_MEAN;
  const std = o.std ?? SSD_STD;
  const resized = resize(img, o.width, o.height, autoInterp(img.width, img.height, o.width, o.height));
  return { image: toNormalizedCHW(resized, mean, std), label: bboxResize(label, [img.width, img.height], [o.width, o.height]) };
}

/**
 * Target generation run inside the workers after augmentation (spec §7.4.7): given the augmented label (pixels
 * of the width×height network input) it returns the target fields (e.g. cls_targets, box_targets).
 */
export type TargetGenerator = (label: Label, width: number, height: number) => Field[];

export interface SSDTrainWorkerOptions extends SSDTransformOptions {
  /** Optional target generator factory: `(options) => TargetGenerator`. Without it the label is returned. */
  targets?: ModuleRef;
}

function imageField(data: Float32Array, o: SSDTransformOptions): Field {
  return { data, shape: [3, o.height, o.width] };
}

/** Worker factory for the train transform: fields [image, label] or [image, ...targets]. */
export async function createSSDTrainTransform(o: SSDTrainWorkerOptions): Promise<SampleTransform> {
  const gen = o.targets ? await loadModuleRef<TargetGenerator>(o.targets) : undefined;
  return (s: Sample, rng: Random) => {
    const r = ssdTrainTransform(s.image, s.label, rng, o);
    return gen ? [imageField(r.image, o), ...gen(r.label, o.width, o.height)] : [imageField(r.image, o), labelToField(r.label)];
  };
}

/** Worker factory for the val transform: fields [image, label (all columns)]. */
export function createSSDValTransform(o: SSDTransformOptions): SampleTransform {
  return (s: Sample) => {
    const r = ssdValTransform(s.image, s.label, o);
    const cols = Math.max(6, ...r.label.map((row) => row.length));
    return [imageField(r.image, o), labelToField(r.label, cols)];
  };
}

const HERE = import.meta.url;

/** The loader spec for SSD training: batches [image, label padded with -1] or [image, ...stacked targets]. */
export function ssdTrainTransformSpec(o: SSDTrainWorkerOptions): TransformSpec<SSDTrainWorkerOptions> {
  return { module: HERE, export: 'createSSDTrainTransform', options: o, batchify: o.targets ? undefined : ['stack', { pad: -1 }] };
}

/** The loader spec for validation: batches [image, label padded with -1]. */
export function ssdValTransformSpec(o: SSDTransformOptions): TransformSpec<SSDTransformOptions> {
  return { module: HERE, export: 'createSSDValTransform', options: o, batchify: ['stack', { pad: -1 }] };
}
