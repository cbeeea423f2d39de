// SSD training targets (spec §3): GluonCV's SSDTargetGenerator. Batched over images whose ground truth is padded
// with -1 rows (ids < 0), matching CompositeMatcher([BipartiteMatcher(share_max=False), MaximumMatcher(iouThresh)]),
// then OHEMSampler (negativeMiningRatio > 0, needs clsPreds) or NaiveSampler, MultiClassEncoder and
// NormalizedBoxCenterEncoder.
//
//   const gen = new SSDTargetGenerator({ negativeMiningRatio: -1 });          // train_ssd.py's setting
//   const { clsTargets, boxTargets } = gen.generate(anchors, null, gtBoxes, gtIds);
import { type Tensor, empty, full, noGrad, tidy, zeros } from '../tensor/index.js';
import { AnchorIou } from './anchorIou.js';
import { BipartiteMatcher, CompositeMatcher, MaximumMatcher } from './matcher.js';
import { NaiveSampler, OHEMSampler } from './sampler.js';
import { MultiClassEncoder, NormalizedBoxCenterEncoder, anchorCodes, type AnchorCodes, type Quad } from './coder.js';
import { ArgCheck } from '../util/checkArgs.js';

export interface SSDTargetGeneratorOptions {
  /** IoU at or above which an anchor matches its best ground truth (default 0.5). */
  iouThresh?: number;
  /** OHEM: anchors with best IoU >= negThresh are never negatives (default 0.5). */
  negThresh?: number;
  /** Hard negatives per positive for OHEM; <= 0 selects NaiveSampler (default 3, as GluonCV's class). */
  negativeMiningRatio?: number;
  /** Box-code divisors (default (0.1, 0.1, 0.2, 0.2)). */
  stds?: Quad;
  /** Images processed together (working-set size; results do not depend on it). Default 4. */
  chunkImages?: number;
}

export interface SSDTargets {
  /** (B, N) int64: class + 1 for positives, 0 background, -1 ignored (OHEM only). */
  clsTargets: Tensor;
  /** (B, N, 4) float32 encoded boxes of positives, 0 elsewhere; always finite. */
  boxTargets: Tensor;
  /** (B, N, 4) float32, 1 for positives (a broadcast view of a (B, N, 1) tensor). */
  boxMasks: Tensor;
  /** (B, N) int64 matched ground-truth row per anchor, -1 unmatched. */
  matches: Tensor;
}

export class SSDTargetGenerator {
  readonly iouThresh: number;
  readonly negThresh: number;
  readonly negativeMiningRatio: number;
  readonly stds: Quad;
  readonly chunkImages: number | undefined;
  readonly matcher: CompositeMatcher;
  readonly sampler: OHEMSampler | NaiveSampler;
  readonly clsEncoder = new MultiClassEncoder();
  readonly boxEncoder: NormalizedBoxCenterEncoder;

  constructor(o: SSDTargetGeneratorOptions = {}) {
    const c = new ArgCheck('SSDTargetGenerator');
    this.iouThresh = c.number('iouThresh', o.iouThresh ?? 0.5);
    this.negThresh = c.number('negThresh', o.negThresh ?? 0.5);
    this.negativeMiningRatio = c.number('negativeMiningRatio', o.negativeMiningRatio ?? 3);
    this.stds = o.stds ?? [0.1, 0.1, 0.2, 0.2];
    this.chunkImages = o.chunkImages === undefined ? undefined : c.number('chunkImages', o.chunkImages, { integer: true, min: 1 });
    this.matcher = new CompositeMatcher([new BipartiteMatcher({ shareMax: false }), new MaximumMatcher(this.iouThresh)]);
    this.sampler =
      this.negativeMiningRatio > 0 ? new OHEMSampler(this.negativeMiningRatio, { thresh: this.negThresh }) : new NaiveSampler();
    this.boxEncoder = new NormalizedBoxCenterEncoder({ stds: this.stds });
  }

  /**
   * anchors: (N, 4) or (1, N, 4) center format (SSDAnchorGenerator's); clsPreds: (B, N, C+1) logits, required
   * with OHEM, otherwise unused (but checked when given); gtBoxes: (B, M, 4) corner, same pixel units as the
   * anchors; gtIds: (B, M) or (B, M, 1) class ids, rows with id < 0 are padding (null: every row is real).
   * Shapes and dtypes are checked at entry (src/util/checkArgs.ts).
   *
   * Padding rows never match. An image without any real ground truth gets all anchors background (class 0,
   * zero box targets) with either sampler (GluonCV would give -inf box targets, spec §3.8).
   */
  generate(anchors: Tensor, clsPreds: Tensor | null, gtBoxes: Tensor, gtIds: Tensor | null = null): SSDTargets {
    const c = new ArgCheck('SSDTargetGenerator.generate');
    c.tensor('anchors', anchors, [['N', 4], [1, 'N', 4]], 'numeric', { hint: 'center anchors' });
    c.tensor('gtBoxes', gtBoxes, ['B', 'M', 4], 'numeric', { hint: 'corner boxes, padded' });
    if (gtIds != null) c.tensor('gtIds', gtIds, [['B', 'M'], ['B', 'M', 1]], 'numeric', { hint: 'class ids, < 0 for padding' });
    const [B, M] = gtBoxes.shape as [number, number];
    const N = c.size('N')!;
    const ohem = this.sampler instanceof OHEMSampler;
    if (ohem && clsPreds == null) {
      c.fail(`negativeMiningRatio > 0 needs clsPreds (B, N, C+1) = (${B}, ${N}, C+1) logits for hard-negative mining; got ${String(clsPreds)}`, TypeError);
    }
    if (clsPreds != null) c.tensor('clsPreds', clsPreds, ['B', 'N', 'C+1'], 'float', { min: { 'C+1': 2 }, hint: 'class logits' });
    const chunk = Math.max(1, Math.min(B, this.chunkImages ?? 4));
    return noGrad(() =>
      tidy(() => {
        const iou = new AnchorIou(anchors, chunk, M);
        const codes = anchorCodes(iou.corners);
        const masksOf = (cls: Tensor) => cls.gt(0).float().unsqueeze(2).expand(B, N, 4);
        if (B <= chunk) {
          const one = this.generateChunk(iou, codes, ohem ? clsPreds : null, gtBoxes.float(), gtIds);
          return { ...one, boxMasks: masksOf(one.clsTargets) };
        }
        const device = gtBoxes.device;
        const clsTargets = empty([B, N], { dtype: 'int64', device });
        const boxTargets = empty([B, N, 4], { device });
        const matches = empty([B, N], { dtype: 'int64', device });
        for (let b = 0; b < B; b += chunk) {
          const n = Math.min(chunk, B - b);
          tidy(() => {
            const part = this.generateChunk(
              iou,
              codes,
              ohem ? clsPreds!.narrow(0, b, n) : null,
              gtBoxes.narrow(0, b, n).float(),
              gtIds === null ? null : gtIds.narrow(0, b, n),
            );
            clsTargets.narrow(0, b, n).copy_(part.clsTargets);
            boxTargets.narrow(0, b, n).copy_(part.boxTargets);
            matches.narrow(0, b, n).copy_(part.matches);
          });
        }
        return { clsTargets, boxTargets, boxMasks: masksOf(clsTargets), matches };
      }),
    );
  }

  private generateChunk(iou: AnchorIou, codes: AnchorCodes, clsPreds: Tensor | null, gtBoxes: Tensor, gtIds: Tensor | null) {
    const [B, M] = gtBoxes.shape as [number, number];
    const ids = gtIds === null ? zeros([B, M], { dtype: 'int64', device: gtBoxes.device }) : gtIds.ndim === 3 ? gtIds.squeeze(2) : gtIds;
    const real = ids.ge(0); // (B, M)
    const ious = iou.compute(gtBoxes, gtIds === null ? null : real); // (B, N, M)
    const matches = this.matcher.match(ious);
    const samples =
      this.sampler instanceof OHEMSampler ? this.sampler.sample(matches, clsPreds!, ious) : this.sampler.sample(matches);
    // Images without real ground truth: all background, with either sampler.
    samples.maskedFill_(M === 0 ? full([B, 1], true, { dtype: 'bool', device: gtBoxes.device }) : real.any(1, true).logicalNot(), -1);
    const clsTargets = this.clsEncoder.encode(samples, matches, ids);
    const boxTargets = this.boxEncoder.targets(samples, matches, codes, gtBoxes);
    return { clsTargets, boxTargets, matches };
  }
}
