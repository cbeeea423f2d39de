// SSD anchor boxes (spec §2.5): GluonCV's SSDAnchorGenerator (and LiteAnchorGenerator, used only by
// ssd_300_mobilenet1.0_lite_coco). Anchors are center format (cx, cy, w, h) in input pixels, neither
// normalized nor (by default) clipped, ordered layer by layer, then row (y), column (x), then per location
// [s_i, sqrt(s_i s_{i+1}), then ratios[1:] at size s_i].
//
//   ssdAnchors(getPreset('ssd_300_vgg16_atrous_voc'));   // (8732, 4): [4,4,30,30], [4,4,42.43,42.43], ...
import { type Tensor, fromTypedArray, tidy } from '../tensor/index.js';
import { ArgCheck, describeValue } from '../util/checkArgs.js';

/** Checks that v is two finite numbers (a (height, width) or (y, x) pair). */
function pair(c: ArgCheck, name: string, v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    c.fail(`${name} must be two finite numbers; got ${Array.isArray(v) ? JSON.stringify(v) : describeValue(v)}`, TypeError);
  }
  return v as [number, number];
}

/** 'ssd' is SSDAnchorGenerator; 'lite' is LiteAnchorGenerator (TF ssd_mobilenet_v1 layout). */
export type AnchorKind = 'ssd' | 'lite';

export interface SSDAnchorGeneratorOptions {
  /** Layer index (LiteAnchorGenerator treats layer 0 differently). */
  index?: number;
  /** Input (height, width) in pixels; used only when clip is set. */
  imSize: [number, number];
  /** (s_i, s_{i+1}) as in the preset table; the second anchor size is sqrt(s_i * s_{i+1}). */
  sizes: [number, number];
  /** Aspect ratios w/h; ratios[0] is the square one (its value is not used, as in GluonCV). */
  ratios: number[];
  /** Distance in pixels between neighbouring anchor centres. */
  step: number;
  /** Centre offsets (y, x) in units of step; default (0.5, 0.5). */
  offsets?: [number, number];
  /** Clamp cx, w to [0, W] and cy, h to [0, H] (GluonCV's clip; SSD never sets it). */
  clip?: boolean;
  kind?: AnchorKind;
}

/** One feature layer's anchor generator (GluonCV SSDAnchorGenerator); holds only its configuration. */
export class SSDAnchorGenerator {
  readonly index: number;
  readonly imSize: [number, number];
  /** (s_i, sqrt(s_i * s_{i+1})). */
  readonly sizes: [number, number];
  readonly ratios: number[];
  readonly step: number;
  readonly offsets: [number, number];
  readonly clip: boolean;
  readonly kind: AnchorKind;

  constructor(o: SSDAnchorGeneratorOptions) {
    const c = new ArgCheck('SSDAnchorGenerator');
    if (typeof o !== 'object' || o === null) c.fail(`options must be an object; got ${describeValue(o)}`, TypeError);
    pair(c, 'imSize', o.imSize);
    if (o.offsets !== undefined) pair(c, 'offsets', o.offsets);
    if (!(Array.isArray(o.sizes) && Array.isArray(o.ratios))) c.fail('sizes and ratios must be arrays of numbers', TypeError);
    if (!(o.sizes.length === 2 && o.sizes.every((s) => s > 0))) {
      throw new RangeError(`SSDAnchorGenerator: sizes must be two positive numbers, got ${JSON.stringify(o.sizes)}`);
    }
    if (o.ratios.length < 1 || !o.ratios.every((r) => r > 0)) {
      throw new RangeError(`SSDAnchorGenerator: ratios must be positive numbers, got ${JSON.stringify(o.ratios)}`);
    }
    if (!(o.step > 0)) throw new RangeError(`SSDAnchorGenerator: step must be positive, got ${o.step}`);
    this.index = o.index ?? 0;
    this.imSize = o.imSize;
    this.sizes = [o.sizes[0], Math.sqrt(o.sizes[0] * o.sizes[1])];
    this.ratios = [...o.ratios];
    this.step = o.step;
    this.offsets = o.offsets ?? [0.5, 0.5];
    this.clip = o.clip ?? false;
    this.kind = o.kind ?? 'ssd';
  }

  /** Anchors per feature-map location. */
  get numDepth(): number {
    return this.kind === 'lite' && this.index === 0 ? this.ratios.length : this.ratios.length + 1;
  }

  /** The (w, h) of the anchors at one location, in GluonCV's order. */
  shapes(): [number, number][] {
    const [s0, s1] = this.sizes;
    const byRatio = this.ratios.slice(1).map((r): [number, number] => [s0 * Math.sqrt(r), s0 / Math.sqrt(r)]);
    if (this.kind === 'lite') {
      return [[s0 / 2, s0 / 2], ...byRatio, ...(this.index > 0 ? [[s1, s1] as [number, number]] : [])];
    }
    return [[s0, s0], [s1, s1], ...byRatio];
  }

  /** The anchors of an H x W feature map: (H * W * numDepth, 4), center format, float32. */
  generate(height: number, width: number): Tensor {
    return fromTypedArray(this.fill(height, width), [height * width * this.numDepth, 4]);
  }

  /** The same values as generate(), as a Float32Array (computed in float64, rounded once, like GluonCV). */
  fill(height: number, width: number): Float32Array {
    if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
      throw new RangeError(`SSDAnchorGenerator: feature size must be positive integers, got ${height}x${width}`);
    }
    const shapes = this.shapes();
    const out = new Float32Array(height * width * shapes.length * 4);
    const [imH, imW] = this.imSize;
    let k = 0;
    for (let i = 0; i < height; i++) {
      const cy = (i + this.offsets[0]) * this.step;
      for (let j = 0; j < width; j++) {
        const cx = (j + this.offsets[1]) * this.step;
        for (const [w, h] of shapes) {
          out[k++] = cx;
          out[k++] = cy;
          out[k++] = w;
          out[k++] = h;
        }
      }
    }
    if (this.clip) {
      for (let n = 0; n < out.length; n += 4) {
        out[n] = Math.min(Math.max(out[n]!, 0), imW);
        out[n + 1] = Math.min(Math.max(out[n + 1]!, 0), imH);
        out[n + 2] = Math.min(Math.max(out[n + 2]!, 0), imW);
        out[n + 3] = Math.min(Math.max(out[n + 3]!, 0), imH);
      }
    }
    return out;
  }
}

/** What ssdAnchors needs from a model preset (src/models/presets.ts satisfies it). */
export interface SSDAnchorConfig {
  /** Square network input size in pixels (300, 512). */
  baseSize: number;
  /** num_layers + 1 sizes. */
  sizes: number[];
  ratios: number[][];
  steps: number[];
  /** Feature-map size per layer: n for n x n, or [h, w]. */
  featureSizes: (number | [number, number])[];
  anchorKind?: AnchorKind;
  offsets?: [number, number];
  clip?: boolean;
}

/** The per-layer generators of a configuration. */
export function anchorGenerators(c: SSDAnchorConfig): SSDAnchorGenerator[] {
  const L = c.featureSizes.length;
  if (c.sizes.length !== L + 1 || c.ratios.length !== L || c.steps.length !== L) {
    throw new RangeError(
      `ssdAnchors: need ${L} layers: sizes ${L + 1} (got ${c.sizes.length}), ratios ${L} (got ${c.ratios.length}), steps ${L} (got ${c.steps.length})`,
    );
  }
  return c.featureSizes.map(
    (_, i) =>
      new SSDAnchorGenerator({
        index: i,
        imSize: [c.baseSize, c.baseSize],
        sizes: [c.sizes[i]!, c.sizes[i + 1]!],
        ratios: c.ratios[i]!,
        step: c.steps[i]!,
        offsets: c.offsets,
        clip: c.clip,
        kind: c.anchorKind,
      }),
  );
}

function featureHW(f: number | [number, number]): [number, number] {
  return typeof f === 'number' ? [f, f] : f;
}

/** Number of anchors of a configuration (8732 for SSD300 VGG). */
export function anchorCount(c: SSDAnchorConfig): number {
  return anchorGenerators(c).reduce((n, g, i) => {
    const [h, w] = featureHW(c.featureSizes[i]!);
    return n + h * w * g.numDepth;
  }, 0);
}

/** Where one layer's anchors sit in the concatenation: index = offset + (y * width + x) * depth + k. */
export interface AnchorLayer {
  offset: number;
  height: number;
  width: number;
  depth: number;
}

const LAYOUTS = new WeakMap<Tensor, readonly AnchorLayer[]>();

/**
 * The grid layout of a tensor returned by ssdAnchors (undefined for any other tensor, including views of it).
 * On such a grid an anchor's x extent depends only on (x, k) and its y extent only on (y, k), which lets the
 * target generator compute IoU without materializing per-anchor intermediates.
 */
export function anchorLayout(anchors: Tensor): readonly AnchorLayer[] | undefined {
  return LAYOUTS.get(anchors);
}

/** The grid layout of a configuration's anchors (what ssdAnchors registers for its result). */
export function ssdAnchorLayout(c: SSDAnchorConfig): AnchorLayer[] {
  let offset = 0;
  return anchorGenerators(c).map((g, i) => {
    const [height, width] = featureHW(c.featureSizes[i]!);
    const layer = { offset, height, width, depth: g.numDepth };
    offset += height * width * g.numDepth;
    return layer;
  });
}

/**
 * Declares that `anchors` ((N, 4) center format, e.g. rebuilt from a Float32Array in a worker) is laid out as
 * `layout`, so that the target generator can use its fast IoU path. Checked: every layer's x extents must repeat
 * down the rows and its y extents across the columns; throws otherwise.
 */
export function setAnchorLayout(anchors: Tensor, layout: readonly AnchorLayer[]): void {
  const c = new ArgCheck('setAnchorLayout');
  c.tensor('anchors', anchors, ['N', 4], 'numeric', { hint: 'center anchors' });
  if (!Array.isArray(layout)) c.fail(`layout must be an array of AnchorLayer; got ${describeValue(layout)}`, TypeError);
  let total = 0;
  for (const l of layout) {
    if (l.offset !== total) throw new RangeError(`setAnchorLayout: layer offsets must follow each other, got ${l.offset} after ${total} anchors`);
    total += l.height * l.width * l.depth;
  }
  if (anchors.ndim !== 2 || anchors.shape[1] !== 4 || anchors.shape[0] !== total) {
    throw new RangeError(`setAnchorLayout: anchors must be (${total}, 4) for this layout, got [${anchors.shape.join(', ')}]`);
  }
  const ok = tidy(() =>
    layout.every((l) => {
      const grid = anchors.narrow(0, l.offset, l.height * l.width * l.depth).view(l.height, l.width, l.depth, 4);
      const xw = [grid.select(3, 0), grid.select(3, 2)]; // cx, w: (H, W, A), the same in every row
      const yh = [grid.select(3, 1), grid.select(3, 3)]; // cy, h: the same in every column
      return (
        xw.every((c) => c.eq(c.narrow(0, 0, 1)).all().item()) && yh.every((c) => c.eq(c.narrow(1, 0, 1)).all().item())
      );
    }),
  );
  if (!ok) throw new RangeError('setAnchorLayout: the anchors do not form the grids of this layout');
  LAYOUTS.set(anchors, layout);
}

/** All anchors of a model, layers concatenated in prediction order: (N, 4) center format, float32. */
export function ssdAnchors(c: SSDAnchorConfig): Tensor {
  const layout = ssdAnchorLayout(c);
  const parts = anchorGenerators(c).map((g, i) => g.fill(...featureHW(c.featureSizes[i]!)));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  const t = fromTypedArray(out, [out.length / 4, 4]);
  LAYOUTS.set(t, layout);
  return t;
}
