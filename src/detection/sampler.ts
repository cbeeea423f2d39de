// Training-sample selection (spec §3.5): GluonCV's NaiveSampler and OHEMSampler. Input: matches (B, N) from a
// matcher; output: (B, N) int64 samples, +1 positive, -1 negative, 0 ignored.
//
//   const samples = new OHEMSampler(3, { thresh: 0.5 }).sample(matches, clsPreds, ious);
import { type Tensor, noGrad, tidy, where, zeros } from '../tensor/index.js';
import { ArgCheck } from '../util/checkArgs.js';

/** Checks matches (B, N) integer (a matcher's output) and returns the checker, B and N bound. */
function checkMatches(matches: Tensor, fn: string): ArgCheck {
  const c = new ArgCheck(fn);
  c.tensor('matches', matches, ['B', 'N'], 'integer', { hint: "a matcher's output" });
  return c;
}

/** Every matched anchor positive (+1), every other anchor negative (-1). */
export class NaiveSampler {
  sample(matches: Tensor): Tensor {
    checkMatches(matches, 'NaiveSampler.sample');
    return tidy(() => where(matches.ge(0), 1, -1).long());
  }
}

export interface OHEMSamplerOptions {
  /** Lower bound on negatives per image (default 0). */
  minSamples?: number;
  /** Anchors whose best IoU is >= thresh are never negatives (default 0.5). */
  thresh?: number;
}

/**
 * Online hard-example mining: per image, num_neg = min(max(minSamples, floor(ratio * num_pos)), N - num_pos)
 * unmatched anchors with IoU < thresh, the ones with the highest background loss -log softmax(clsPreds)[..., 0]
 * (stable order on ties), become negatives; positives stay +1; the rest are ignored (0).
 *
 * Difference from GluonCV: negatives are drawn only from the eligible anchors. GluonCV's slice of the sorted
 * scores can run into masked anchors (positives and IoU >= thresh) when thresh is below the matching threshold,
 * turning them negative; with SSD's equal thresholds (0.5/0.5) the two agree.
 */
export class OHEMSampler {
  readonly ratio: number;
  readonly minSamples: number;
  readonly thresh: number;

  constructor(ratio: number, o: OHEMSamplerOptions = {}) {
    if (!(ratio > 0)) throw new RangeError(`OHEMSampler: ratio must be positive, got ${ratio}`);
    const c = new ArgCheck('OHEMSampler');
    this.ratio = c.number('ratio', ratio);
    this.minSamples = c.number('minSamples', o.minSamples ?? 0);
    this.thresh = c.number('thresh', o.thresh ?? 0.5);
  }

  /** matches (B, N), clsPreds (B, N, C+1) logits, ious (B, N, M) (or their per-anchor max, (B, N)). */
  sample(matches: Tensor, clsPreds: Tensor, ious: Tensor): Tensor {
    const c = checkMatches(matches, 'OHEMSampler.sample');
    c.tensor('clsPreds', clsPreds, ['B', 'N', 'C+1'], 'float', { min: { 'C+1': 2 } });
    c.tensor('ious', ious, [['B', 'N', 'M'], ['B', 'N']], 'float', { hint: 'IoU, or its per-anchor maximum' });
    const [B, N] = matches.shape as [number, number];
    return noGrad(() =>
      tidy(() => {
        const pos = matches.ge(0);
        const numPos = pos.sum(1, true); // (B, 1)
        const maxIou = ious.ndim === 3 ? (ious.shape[2] === 0 ? zeros([B, N], { device: ious.device }) : ious.amax(2)) : ious;
        const eligible = pos.logicalNot().logicalAnd(maxIou.lt(this.thresh));
        const score = clsPreds.logsumexp(2).sub(clsPreds.select(2, 0)); // -log softmax(...)[0]
        const numNeg = numPos
          .double()
          .mul(this.ratio)
          .floor()
          .clampMin(this.minSamples)
          .minimum(numPos.rsub(N).double())
          .long();
        const neg = stableTopK(where(eligible, score, -1), numNeg, true).logicalAnd(eligible);
        return where(pos, 1, where(neg, -1, 0)).long();
      }),
    );
  }
}

/**
 * Marks, per row of key (B, N), the count[b] (a (B, 1) int64) largest (or smallest) entries, ties taken in index
 * order: exactly the first count[b] positions of a stable sort, found with one top-k instead of a full sort.
 */
export function stableTopK(key: Tensor, count: Tensor, largest: boolean): Tensor {
  const c = new ArgCheck('stableTopK');
  c.tensor('key', key, ['B', 'N'], 'numeric');
  c.tensor('count', count, ['B', 1], ['int64']);
  if (typeof largest !== 'boolean') c.fail(`largest must be a boolean; got ${typeof largest}`, TypeError);
  return tidy(() => {
    const [B, N] = key.shape as [number, number];
    const k = Math.min(N, count.max().item());
    if (k <= 0) return zeros([B, N], { dtype: 'bool', device: key.device });
    const q = count.clamp(0, N);
    const bound = key.topk(k, 1, largest, true)[0].gather(1, q.sub(1).clamp(0, null)); // the q-th best value
    const better = largest ? key.gt(bound) : key.lt(bound);
    const tie = key.eq(bound);
    const need = q.sub(better.sum(1, true)); // how many tied entries to take, in index order
    return better.logicalOr(tie.logicalAnd(tie.long().cumsum(1).le(need))).logicalAnd(q.gt(0));
  });
}
