// The SSD training loss (spec §4): GluonCV's SSDMultiBoxLoss — softmax cross-entropy over positives and per-image
// hard negatives plus smooth-L1 box regression over positives, normalized by the batch's positive count
// (GluonCV, normalization 'batch') or by each image's own (the seed tutorial's alternative, 'sample').
//
//   const { sum, cls, box } = new SSDMultiBoxLoss().compute(clsPreds, boxPreds, clsTargets, boxTargets);
//   sum.sum().backward();
import { type Tensor, noGrad, tidy, where } from '../tensor/index.js';
import { stableTopK } from './sampler.js';
import { ArgCheck } from '../util/checkArgs.js';

export type LossNormalization = 'batch' | 'sample';

export interface SSDMultiBoxLossOptions {
  /** Hard negatives per positive, per image (default 3). */
  negativeMiningRatio?: number;
  /** Smooth-L1 threshold (default 1). */
  rho?: number;
  /** Weight of the box loss (default 1). */
  lambd?: number;
  /** At least this many hard negatives per image, so batches without positives still train (default 0). */
  minHardNegatives?: number;
  /** 'batch' (default): divide by max(1, positives in the batch); 'sample': by max(1, positives in the image). */
  normalization?: LossNormalization;
}

/** Per-sample losses, each (B,). */
export interface SSDLosses {
  /** cls + lambd * box. */
  sum: Tensor;
  cls: Tensor;
  box: Tensor;
}

/**
 * For each image: CE_i = -log softmax(clsPreds)[i, target] (targets clamped to [0, C], so an ignore label -1 reads
 * background, as MXNet's pick does); negatives are ranked by CE descending (stable), positives last, and the first
 * max(minHardNegatives, ratio * num_pos_image) ranks are hard negatives;
 *   cls = sum over positives and hard negatives of CE,
 *   box = sum over positives of the 4 smooth-L1 terms (|d| - rho/2 if |d| > rho else d^2 / (2 rho)),
 * both divided by the normalizer. Without any positive in the batch and minHardNegatives < 1, returns zeros that
 * are still connected to the predictions (zero gradient).
 */
export class SSDMultiBoxLoss {
  readonly negativeMiningRatio: number;
  readonly rho: number;
  readonly lambd: number;
  readonly minHardNegatives: number;
  readonly normalization: LossNormalization;

  constructor(o: SSDMultiBoxLossOptions = {}) {
    const c = new ArgCheck('SSDMultiBoxLoss');
    this.negativeMiningRatio = c.number('negativeMiningRatio', o.negativeMiningRatio ?? 3);
    this.rho = c.number('rho', o.rho ?? 1);
    this.lambd = c.number('lambd', o.lambd ?? 1);
    this.minHardNegatives = c.number('minHardNegatives', o.minHardNegatives ?? 0);
    this.normalization = o.normalization ?? 'batch';
    if (!(this.rho > 0)) throw new RangeError(`SSDMultiBoxLoss: rho must be positive, got ${this.rho}`);
    if (this.normalization !== 'batch' && this.normalization !== 'sample') {
      throw new RangeError(`SSDMultiBoxLoss: normalization must be 'batch' or 'sample', got '${String(this.normalization)}'`);
    }
  }

  /**
   * clsPreds (B, N, C+1) logits, boxPreds (B, N, 4) float; clsTargets (B, N) class + 1 / 0 background / -1 ignored
   * (integer, or float holding integers as GluonCV's), boxTargets (B, N, 4) float. In data-parallel training,
   * `batchPositives` is the positive count of the whole global batch (summed over ranks, as GluonCV's loss sums
   * num_pos over devices): 'batch' normalization then divides by max(1, batchPositives) instead of this part's.
   */
  compute(clsPreds: Tensor, boxPreds: Tensor, clsTargets: Tensor, boxTargets: Tensor, options: { batchPositives?: number } = {}): SSDLosses {
    const c = new ArgCheck('SSDMultiBoxLoss.compute');
    c.tensor('clsPreds', clsPreds, ['B', 'N', 'C+1'], 'float', { min: { 'C+1': 2 }, hint: 'class logits, column 0 background' });
    c.tensor('boxPreds', boxPreds, ['B', 'N', 4], 'float');
    c.tensor('clsTargets', clsTargets, ['B', 'N'], 'numeric');
    c.tensor('boxTargets', boxTargets, ['B', 'N', 4], 'float');
    const C1 = clsPreds.shape[2]!;
    return tidy(() => {
      const target = clsTargets.long();
      const pos = target.gt(0); // (B, N)
      const numPos = pos.sum(1, true); // (B, 1) int64
      const numPosAll = numPos.sum().item();
      const batchPositives = options.batchPositives ?? numPosAll;
      if (numPosAll < 1 && this.minHardNegatives < 1) {
        const zero = clsPreds.sum([1, 2]).mul(0).add(boxPreds.sum([1, 2]).mul(0));
        return { sum: zero, cls: zero.clone(), box: zero.clone() };
      }
      const ce = clsPreds.logSoftmax(2).gather(2, target.clamp(0, C1 - 1).unsqueeze(2)).squeeze(2).neg(); // (B, N)
      const hard = noGrad(() => {
        const key = where(pos, 0, ce.detach().neg()); // hardest negatives first, positives last
        // rank < quota (GluonCV's argsort of argsort) <=> among the ceil(quota) first of a stable sort
        const quota = numPos.double().mul(this.negativeMiningRatio).clampMin(this.minHardNegatives).ceil().long();
        return stableTopK(key, quota, false);
      });
      const cls = where(pos.logicalOr(hard), ce, 0).sum(1);
      const d = boxPreds.sub(boxTargets).abs();
      const smoothL1 = where(d.gt(this.rho), d.sub(0.5 * this.rho), d.square().mul(0.5 / this.rho));
      const box = where(pos.unsqueeze(2), smoothL1, 0).sum([1, 2]);
      const norm = this.normalization === 'batch' ? Math.max(1, batchPositives) : numPos.squeeze(1).clampMin(1).float();
      const clsLoss = cls.div(norm);
      const boxLoss = box.div(norm);
      return { sum: clsLoss.add(boxLoss.mul(this.lambd)), cls: clsLoss, box: boxLoss };
    });
  }
}
