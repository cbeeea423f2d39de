// SSD training targets computed inside the data-loader workers (spec §7.4 step 7, GluonCV PR #99): after
// augmentation each image's label goes through SSDTargetGenerator(iouThresh 0.5, NaiveSampler) against the
// model's fixed anchors, and the worker returns cls targets (N) and box targets (N, 4) as float32 fields.
//
//   ssdTrainTransformSpec({ width, height, targets: ssdTargetsRef(anchors) })   // batches [img, cls, box]
import { type Tensor, fromTypedArray, keep, tensor, tidy } from '../tensor/index.js';
import { SSDTargetGenerator, setAnchorLayout, type AnchorLayer, type Quad } from '../detection/index.js';
import type { DetectionRecord, Field, Label } from '../data/types.js';
import type { TargetGenerator } from '../data/transforms/ssdPresets.js';
import { retainBuffer, type ModuleRef, type SampleTransform, type TransformSpec } from '../data/workerTransform.js';
import type { Sample } from '../data/sample.js';
import type { Random } from '../data/random.js';
import { toNormalizedCHW } from '../data/transforms/image.js';
import { bboxFlip, bboxResize } from '../data/transforms/bbox.js';
import { resize, autoInterp } from '../data/transforms/resize.js';
import { SSD_MEAN, SSD_STD } from '../data/transforms/ssdPresets.js';

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
  /**
   * MiB of each worker's memory for keeping every record's deterministic work (the resized, normalized image
   * and the targets of both mirror images) so that later epochs neither decode nor resize it (default 512; 0
   * keeps nothing). Records past the budget are made afresh each time.
   */
  cacheMiB?: number;
}

/** One record's work, kept: the unmirrored normalized CHW image, and targets per mirror state (sparse boxes). */
interface KeptRecord {
  image: Float32Array;
  /** The decoded image's size and its label in its pixels. */
  width: number;
  height: number;
  label: Label;
  targets: [KeptTargets | undefined, KeptTargets | undefined];
  /** Held in the transform's memory (false: past the budget, made for this sample only). */
  kept: boolean;
}

interface KeptTargets {
  cls: Float32Array;
  /** Anchors whose box target is not all zeros, and their 4 values each. */
  boxAt: Int32Array;
  boxValues: Float32Array;
}

function keepTargets(cls: Field, box: Field): KeptTargets {
  const b = box.data as Float32Array;
  const at: number[] = [];
  for (let i = 0; i < b.length; i += 4) if (b[i] !== 0 || b[i + 1] !== 0 || b[i + 2] !== 0 || b[i + 3] !== 0) at.push(i / 4);
  const boxAt = Int32Array.from(at);
  const boxValues = new Float32Array(at.length * 4);
  at.forEach((a, k) => boxValues.set(b.subarray(a * 4, a * 4 + 4), k * 4));
  return { cls: (cls.data as Float32Array).slice(), boxAt, boxValues };
}

function keptTargetFields(t: KeptTargets): Field[] {
  const n = t.cls.length;
  const box = new Float32Array(n * 4);
  t.boxAt.forEach((a, k) => box.set(t.boxValues.subarray(k * 4, k * 4 + 4), a * 4));
  return [{ data: t.cls.slice(), shape: [n] }, { data: box, shape: [n, 4] }];
}

/** The CHW image mirrored left-right (each row of each plane reversed, by the engine's copy and reverse). */
function mirrorCHW(img: Float32Array, width: number): Float32Array {
  const out = img.slice();
  for (let row = 0; row < out.length; row += width) out.subarray(row, row + width).reverse();
  return out;
}

function recordKey(r: DetectionRecord): string {
  return `${r.imagePath}#${r.recordOffset ?? ''}#${JSON.stringify(r.label)}`;
}

/**
 * A light training transform (not GluonCV's): the validation resize and normalization plus a random horizontal
 * flip, then targets. Short from-scratch runs such as the demo learn much faster without expand/crop/colour
 * augmentation; full training uses ssdTrainTransformSpec. Everything but the flip is the same every epoch, so
 * each record's image and both mirror states' targets are kept (up to `cacheMiB`) and reused without decoding:
 * in the demo the loader's CPU time per image fell from ~15-19 ms to ~2 ms once both mirror states were seen,
 * time the training threads get back.
 */
export function createLightTrainTransform(o: LightTrainOptions): SampleTransform {
  const gen = createSSDTargets(o.targets.options!);
  const size: [number, number] = [o.width, o.height];
  const kept = new Map<string, KeptRecord>();
  let budget = (o.cacheMiB ?? 512) * 2 ** 20;
  const transform: SampleTransform = (s: Sample, rng: Random) => {
    const flip = rng.uniform(0, 1) > 0.5;
    const key = recordKey(s.record);
    let k = kept.get(key);
    if (k === undefined) {
      const resized = resize(s.image, o.width, o.height, autoInterp(s.image.width, s.image.height, o.width, o.height));
      const image = toNormalizedCHW(resized, SSD_MEAN, SSD_STD);
      k = { image, width: s.image.width, height: s.image.height, label: s.label, targets: [undefined, undefined], kept: budget >= image.byteLength };
      if (k.kept) {
        retainBuffer(image); // handed out as it is: the loader copies it into batches, never hands it on
        kept.set(key, k);
        budget -= image.byteLength;
      }
    }
    return fieldsOf(k, flip);
  };
  // Resized first and mirrored afterwards: the same image as mirroring the source first (the resize weights
  // are symmetric), without a pass over the full-size image.
  const fieldsOf = (k: KeptRecord, flip: boolean): Field[] => {
    const image = flip ? mirrorCHW(k.image, o.width) : k.image;
    let t = k.targets[flip ? 1 : 0];
    if (t === undefined) {
      const scaled = bboxResize(k.label, [k.width, k.height], size);
      const [cls, box] = gen(flip ? bboxFlip(scaled, size, true) : scaled, o.width, o.height) as [Field, Field];
      t = keepTargets(cls, box);
      const bytes = t.cls.byteLength + t.boxAt.byteLength + t.boxValues.byteLength;
      if (k.kept && budget >= bytes) {
        k.targets[flip ? 1 : 0] = t;
        budget -= bytes;
      }
    }
    return [{ data: image, shape: [3, o.height, o.width] }, ...keptTargetFields(t)];
  };
  transform.fromRecord = (record, rng) => {
    const k = kept.get(recordKey(record));
    if (k === undefined) return undefined;
    return { fields: fieldsOf(k, rng.uniform(0, 1) > 0.5), width: k.width, height: k.height };
  };
  return transform;
}

export function lightTrainTransformSpec(o: LightTrainOptions): TransformSpec<LightTrainOptions> {
  return { module: import.meta.url, export: 'createLightTrainTransform', options: o };
}
