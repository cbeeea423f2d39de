// Target encoders and prediction decoders (spec §3.6–3.7, §6): GluonCV's MultiClassEncoder,
// NormalizedBoxCenterEncoder / NormalizedBoxCenterDecoder, MultiClassDecoder (the seed's "method 1": argmax
// class) and MultiPerClassDecoder ("method 2": every foreground class separately).
//
//   const [boxTargets, boxMasks] = new NormalizedBoxCenterEncoder().encode(samples, matches, anchorsCorner, gtBoxes);
//   const boxes = new NormalizedBoxCenterDecoder().decode(boxPreds, anchorsCenter);
import { type Tensor, arange, cat, full, tensor, tidy, where, zeros } from '../tensor/index.js';
import { cornerToCenter } from './bbox.js';
import { ArgCheck, describeValue, formatShape, isTensor, type Dim } from '../util/checkArgs.js';

export type Quad = [number, number, number, number];

/** Anchors as encoders and decoders take them: one set for all images, or one per image. */
const ANCHOR_SHAPES: Dim[][] = [['N', 4], [1, 'N', 4], ['B', 'N', 4]];

/** Checks that v is four finite numbers. */
function quad(c: ArgCheck, name: string, v: unknown): Quad {
  if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    c.fail(`${name} must be four finite numbers; got ${Array.isArray(v) ? JSON.stringify(v) : describeValue(v)}`, TypeError);
  }
  return v as Quad;
}

/** Class probabilities (B, N, C+1), column 0 background: what the class decoders take. */
function checkProbs(fn: string, x: Tensor): void {
  new ArgCheck(fn).tensor('x', x, ['B', 'N', 'C+1'], 'float', { min: { 'C+1': 2 }, hint: 'class probabilities, column 0 background' });
}

/** Ground-truth column per anchor, with -1 read as column 0 (MXNet pick's clip mode). */
function pickIndex(matches: Tensor): Tensor {
  return matches.clamp(0, null).long();
}

/** Ids (B, M) or (B, M, 1) as (B, M). */
function flatIds(ids: Tensor): Tensor {
  return ids.ndim === 3 ? ids.squeeze(2) : ids;
}

/**
 * Class targets (B, N) int64: gtIds[match] + 1 where samples > 0.5 (positives), 0 (background) where
 * samples < -0.5, ignoreLabel (-1) where samples is 0.
 */
export class MultiClassEncoder {
  constructor(readonly ignoreLabel = -1) {
    new ArgCheck('MultiClassEncoder').number('ignoreLabel', ignoreLabel, { integer: true });
  }

  /** samples (B, N) from a sampler, matches (B, N) from a matcher, gtIds (B, M) or (B, M, 1) class ids. */
  encode(samples: Tensor, matches: Tensor, gtIds: Tensor): Tensor {
    const c = new ArgCheck('MultiClassEncoder.encode');
    c.tensor('samples', samples, ['B', 'N'], 'numeric');
    c.tensor('matches', matches, ['B', 'N'], 'integer');
    c.tensor('gtIds', gtIds, [['B', 'M'], ['B', 'M', 1]], 'numeric');
    return tidy(() => {
      const ids = flatIds(gtIds);
      const target =
        ids.shape[1] === 0 ? full(samples.shape, this.ignoreLabel, { dtype: 'int64', device: samples.device }) : ids.long().add(1).gather(1, pickIndex(matches));
      target.maskedFill_(samples.le(0.5), this.ignoreLabel);
      return target.maskedFill_(samples.lt(-0.5), 0);
    });
  }
}

export interface BoxCoderOptions {
  /** Divisors of the four encoded values (default (0.1, 0.1, 0.2, 0.2)). */
  stds?: Quad;
  /** Subtracted before dividing (default 0). */
  means?: Quad;
}

/** Anchors as the box encoder reads them: (1, N, 4) = (cx, cy, ln w, ln h) and (1, N, 2) = (w, h). */
export interface AnchorCodes {
  codes: Tensor;
  sizes: Tensor;
}

/** Precomputes AnchorCodes from corner anchors (N, 4), (1, N, 4) or (B, N, 4), to encode many batches. */
export function anchorCodes(anchorsCorner: Tensor): AnchorCodes {
  new ArgCheck('anchorCodes').tensor('anchorsCorner', anchorsCorner, ANCHOR_SHAPES, 'numeric', { hint: 'corner anchors' });
  return tidy(() => {
    const c = cornerToCenter(anchorsCorner.ndim === 2 ? anchorsCorner.unsqueeze(0) : anchorsCorner);
    const sizes = c.narrow(2, 2, 2).contiguous();
    return { codes: cat([c.narrow(2, 0, 2), sizes.log()], 2), sizes };
  });
}

/**
 * Box regression targets. With g the matched ground truth and a the anchor, both converted corner -> center:
 * t = ((gx - ax) / aw, (gy - ay) / ah, ln(gw / aw), ln(gh / ah)), then (t - means) / stds (the logs are taken
 * as ln gw - ln aw). Returns [targets, masks], both (B, N, 4): the codes and 1 for positives (samples > 0.5),
 * 0 elsewhere; targets are 0 off the positives. masks is a broadcast view of a (B, N, 1) tensor.
 */
export class NormalizedBoxCenterEncoder {
  readonly stds: Quad;
  readonly means: Quad;

  constructor(o: BoxCoderOptions = {}) {
    const c = new ArgCheck('NormalizedBoxCenterEncoder');
    this.stds = quad(c, 'stds', o.stds ?? [0.1, 0.1, 0.2, 0.2]);
    this.means = quad(c, 'means', o.means ?? [0, 0, 0, 0]);
  }

  /** The shared entry checks of encode and targets. */
  #check(fn: string, samples: Tensor, matches: Tensor, anchors: Tensor | AnchorCodes, gtBoxes: Tensor): void {
    const c = new ArgCheck(fn);
    c.tensor('matches', matches, ['B', 'N'], 'integer');
    c.tensor('samples', samples, ['B', 'N'], 'numeric');
    c.tensor('gtBoxes', gtBoxes, ['B', 'M', 4], 'numeric', { hint: 'corner boxes' });
    if (isTensor(anchors)) {
      c.tensor('anchors', anchors, ANCHOR_SHAPES, 'numeric', { hint: 'corner anchors' });
    } else if (typeof anchors === 'object' && anchors !== null && 'codes' in anchors && 'sizes' in anchors) {
      c.tensor('anchors.codes', anchors.codes, [[1, 'N', 4], ['B', 'N', 4]], 'float', { hint: 'from anchorCodes()' });
      c.tensor('anchors.sizes', anchors.sizes, [[1, 'N', 2], ['B', 'N', 2]], 'float', { hint: 'from anchorCodes()' });
    } else {
      c.fail(`anchors must be a Tensor of shape ${ANCHOR_SHAPES.map(formatShape).join(' or ')} (corner anchors) or anchorCodes() of one; got ${describeValue(anchors)}`, TypeError);
    }
  }

  /**
   * samples, matches (B, N); anchors: corner (N, 4), (1, N, 4), (B, N, 4) or their anchorCodes; gtBoxes corner
   * (B, M, 4).
   */
  encode(samples: Tensor, matches: Tensor, anchors: Tensor | AnchorCodes, gtBoxes: Tensor): [Tensor, Tensor] {
    this.#check('NormalizedBoxCenterEncoder.encode', samples, matches, anchors, gtBoxes);
    return tidy(() => {
      const [B, N] = matches.shape as [number, number];
      return [this.targets(samples, matches, anchors, gtBoxes), samples.gt(0.5).unsqueeze(2).float().expand(B, N, 4)];
    });
  }

  /** The targets alone (what encode returns first). */
  targets(samples: Tensor, matches: Tensor, anchors: Tensor | AnchorCodes, gtBoxes: Tensor): Tensor {
    this.#check('NormalizedBoxCenterEncoder.targets', samples, matches, anchors, gtBoxes);
    return tidy(() => {
      const [B, N] = matches.shape as [number, number];
      if (gtBoxes.shape[1] === 0) return zeros([B, N, 4]);
      const a = 'codes' in anchors ? anchors : anchorCodes(anchors);
      const g = cornerToCenter(gtBoxes.float());
      const table = cat([g.narrow(2, 0, 2), g.narrow(2, 2, 2).log()], 2); // (B, M, 4)
      const t = table.gather(1, pickIndex(matches).unsqueeze(2).expand(B, N, 4));
      t.sub_(a.codes);
      t.narrow(2, 0, 2).div_(a.sizes);
      if (this.means.some((m) => m !== 0)) t.sub_(tensor(this.means, { dtype: 'float32' }));
      t.div_(tensor(this.stds, { dtype: 'float32' }));
      return t.maskedFill_(samples.le(0.5).unsqueeze(2), 0);
    });
  }
}

export interface BoxDecoderOptions extends BoxCoderOptions {
  /** Upper bound on the scaled log-size codes before exp (GluonCV's clip; none by default, as in SSD). */
  clip?: number | null;
}

/**
 * Inverse of NormalizedBoxCenterEncoder for center-format anchors (SSD's): ox = (p0 * s0 + m0) * aw + ax,
 * ow = exp(min(p2 * s2 + m2, clip)) * aw / 2 (likewise y, h); returns corner boxes
 * (ox - ow, oy - oh, ox + ow, oy + oh). x (B, N, 4); anchors (N, 4), (1, N, 4) or (B, N, 4).
 */
export class NormalizedBoxCenterDecoder {
  readonly stds: Quad;
  readonly means: Quad;
  readonly clip: number | null;

  constructor(o: BoxDecoderOptions = {}) {
    const c = new ArgCheck('NormalizedBoxCenterDecoder');
    this.stds = quad(c, 'stds', o.stds ?? [0.1, 0.1, 0.2, 0.2]);
    this.means = quad(c, 'means', o.means ?? [0, 0, 0, 0]);
    this.clip = o.clip == null ? null : c.number('clip', o.clip);
  }

  /** x (B, N, 4) box codes; anchors (N, 4), (1, N, 4) or (B, N, 4) center format. */
  decode(x: Tensor, anchors: Tensor): Tensor {
    const c = new ArgCheck('NormalizedBoxCenterDecoder.decode');
    c.tensor('x', x, ['B', 'N', 4], 'float', { hint: 'box codes' });
    c.tensor('anchors', anchors, ANCHOR_SHAPES, 'numeric', { hint: 'center anchors' });
    return tidy(() => {
      const a = (anchors.ndim === 2 ? anchors.unsqueeze(0) : anchors).split(1, -1);
      const p = x.split(1, -1);
      const [s, m] = [this.stds, this.means];
      const ox = p[0]!.mul(s[0]).add(m[0]).mul(a[2]!).add(a[0]!);
      const oy = p[1]!.mul(s[1]).add(m[1]).mul(a[3]!).add(a[1]!);
      let dw = p[2]!.mul(s[2]).add(m[2]);
      let dh = p[3]!.mul(s[3]).add(m[3]);
      if (this.clip !== null) {
        dw = dw.clampMax(this.clip);
        dh = dh.clampMax(this.clip);
      }
      const ow = dw.exp().mul(a[2]!).mul(0.5);
      const oh = dh.exp().mul(a[3]!).mul(0.5);
      return cat([ox.sub(ow), oy.sub(oh), ox.add(ow), oy.add(oh)], -1);
    });
  }
}

export interface ClassDecoderOptions {
  /** Scores <= thresh become (id -1, score 0) (default 0.01). */
  thresh?: number;
}

/**
 * Method 1: the best foreground class per anchor. x (B, N, C+1) probabilities (column 0 background) ->
 * [ids (B, N) int64 in 0..C-1, scores (B, N)]; id -1 and score 0 where the best score is <= thresh.
 */
export class MultiClassDecoder {
  readonly thresh: number;

  constructor(o: ClassDecoderOptions = {}) {
    this.thresh = new ArgCheck('MultiClassDecoder').number('thresh', o.thresh ?? 0.01);
  }

  decode(x: Tensor): [Tensor, Tensor] {
    checkProbs('MultiClassDecoder.decode', x);
    return tidy(() => {
      const fg = x.narrow(-1, 1, x.shape[x.ndim - 1]! - 1);
      const id = fg.argmax(-1, true);
      const score = fg.gather(-1, id).squeeze(-1);
      const keep = score.gt(this.thresh);
      return [where(keep, id.squeeze(-1), -1), where(keep, score, 0)];
    });
  }
}

/**
 * Method 2: every foreground class separately. x (B, N, C+1) probabilities -> [ids (B, N, C) int64, scores
 * (B, N, C)] with ids[..., c] = c, and (-1, 0) where the class's score is <= thresh.
 */
export class MultiPerClassDecoder {
  readonly thresh: number;

  constructor(o: ClassDecoderOptions = {}) {
    this.thresh = new ArgCheck('MultiPerClassDecoder').number('thresh', o.thresh ?? 0.01);
  }

  decode(x: Tensor): [Tensor, Tensor] {
    checkProbs('MultiPerClassDecoder.decode', x);
    return tidy(() => {
      const C = x.shape[x.ndim - 1]! - 1;
      const scores = x.narrow(-1, 1, C);
      const keep = scores.gt(this.thresh);
      return [where(keep, arange(C).expand(scores.shape), -1), where(keep, scores, 0)];
    });
  }
}
