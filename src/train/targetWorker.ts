// SSD training targets computed inside the data-loader workers (spec §7.4 step 7, GluonCV PR #99): after
// augmentation each image's label goes through SSDTargetGenerator(iouThresh 0.5, NaiveSampler) against the
// model's fixed anchors, and the worker returns cls targets (N) and box targets (N, 4) as float32 fields.
//
//   ssdTrainTransformSpec({ width, height, targets: ssdTargetsRef(anchors) })   // batches [img, cls, box]
import { type Tensor, fromTypedArray, keep, tensor, tidy } from '../tensor/index.js';
import { SSDTargetGenerator, setAnchorLayout, type AnchorLayer, type Quad } from '../detection/index.js';
import type { Field, Label } from '../data/types.js';
import type { TargetGenerator } from '../data/transforms/ssdPresets.js';
import type { ModuleRef, SampleTransform, TransformSpec } from '../data/workerTransform.js';
import type { Sample } from '../data/sample.js';
import type { Random } from '../data/random.js';
import { flipHorizontal } from '../data/transforms/image.js';
import { bboxFlip } from '../data/transforms/bbox.js';
import { ssdValTransform } from '../data/transforms/ssdPresets.js';

export interface SSDTargetWorkerOptions {
  /** Anchors, center format in input pixels, N*4 values (SSD's third training output). */
  anchors: Float32Array;
  iouThresh?: number;
  stds?: Quad;
  /** The anchors' grid layout per feature map; when given, target generation uses the fast grid IoU path. */
  layout?: AnchorLayer[];
}

/** A TargetGenerator holding its own copy of the anchors; dispose() frees it (a worker's lives as long as it). */
export type SSDTargets = TargetGenerator & { dispose(): void };

/** Worker factory: a TargetGenerator for one image's augmented label. */
export function createSSDTargets(o: SSDTargetWorkerOptions): SSDTargets {
  const n = o.anchors.length / 4;
  if (!Number.isInteger(n) || n === 0) throw new RangeError(`createSSDTargets: anchors must hold N*4 values, got ${o.anchors.length}`);
  const anchors: Tensor = keep(fromTypedArray(o.anchors, [n, 4], { copy: true }));
  if (o.layout) setAnchorLayout(anchors, o.layout);
  const gen = new SSDTargetGenerator({ iouThresh: o.iouThresh ?? 0.5, negativeMiningRatio: -1, stds: o.stds });
  const targets = (label: Label): Field[] => {
    const rows = label.filter((r) => r[4]! >= 0);
    if (rows.length === 0) return [{ data: new Float32Array(n), shape: [n] }, { data: new Float32Array(n * 4), shape: [n, 4] }];
    return tidy(() => {
      const gt = tensor(rows.map((r) => r.slice(0, 4)), { dtype: 'float32' }).reshape(1, rows.length, 4);
      const ids = tensor(rows.map((r) => r[4]!), { dtype: 'float32' }).reshape(1, rows.length);
      const t = gen.generate(anchors, null, gt, ids);
      return [
        { data: t.clsTargets.float().reshape(-1).toTypedArray() as Float32Array, shape: [n] },
        { data: t.boxTargets.reshape(-1).toTypedArray() as Float32Array, shape: [n, 4] },
      ];
    });
  };
  return Object.assign(targets, { dispose: () => anchors.dispose() });
}

/** The ModuleRef that makes the loader workers build createSSDTargets with these anchors. */
export function ssdTargetsRef(anchors: Tensor, o: Omit<SSDTargetWorkerOptions, 'anchors'> = {}): ModuleRef<SSDTargetWorkerOptions> {
  return {
    module: import.meta.url,
    export: 'createSSDTargets',
    options: { ...o, anchors: tidy(() => anchors.reshape(-1).contiguous().toTypedArray()) as Float32Array },
  };
}

export interface LightTrainOptions {
  width: number;
  height: number;
  targets: ModuleRef<SSDTargetWorkerOptions>;
}

/**
 * A light training transform (not GluonCV's): the validation resize and normalization plus a random horizontal
 * flip, then targets. Short from-scratch runs such as the demo learn much faster without expand/crop/colour
 * augmentation; full training uses ssdTrainTransformSpec.
 */
export function createLightTrainTransform(o: LightTrainOptions): SampleTransform {
  const gen = createSSDTargets(o.targets.options!);
  return (s: Sample, rng: Random) => {
    const flip = rng.uniform(0, 1) > 0.5;
    const img = flip ? flipHorizontal(s.image) : s.image;
    const label = flip ? bboxFlip(s.label, [s.image.width, s.image.height], true) : s.label;
    const r = ssdValTransform(img, label, { width: o.width, height: o.height });
    return [{ data: r.image, shape: [3, o.height, o.width] }, ...gen(r.label, o.width, o.height)];
  };
}

export function lightTrainTransformSpec(o: LightTrainOptions): TransformSpec<LightTrainOptions> {
  return { module: import.meta.url, export: 'createLightTrainTransform', options: o };
}
