// Anchor-to-ground-truth matchers (spec §3.2–3.4): GluonCV's BipartiteMatcher, MaximumMatcher and
// CompositeMatcher. Input: IoU matrices (B, N anchors, M ground truths) (or (N, M)); output: (B, N) int64,
// the matched ground-truth column per anchor or -1.
//
//   const matches = new CompositeMatcher([new BipartiteMatcher(), new MaximumMatcher(0.5)]).match(ious);
import { type Tensor, full, onDevice, tidy, where } from '../tensor/index.js';
import { indexArray, indexTensor } from './ints.js';
import { ArgCheck } from '../util/checkArgs.js';

export interface Matcher {
  /** (B, N, M) or (N, M) IoU -> (B, N) or (N) int64 column index, -1 where unmatched. */
  match(ious: Tensor): Tensor;
}

/** Checks ious: (B, N, M) or (N, M), floating point. */
function checkIous(ious: Tensor, fn: string): void {
  new ArgCheck(fn).tensor('ious', ious, [['B', 'N', 'M'], ['N', 'M']], 'float', { hint: 'IoU of N anchors with M ground truths' });
}

/** Runs a batched (B, N, M) matcher on (N, M) input too. */
function batched(ious: Tensor, fn: string, run: (x: Tensor) => Tensor): Tensor {
  checkIous(ious, fn);
  if (ious.ndim === 2) return tidy(() => run(ious.unsqueeze(0)).squeeze(0));
  return run(ious);
}

export interface BipartiteMatcherOptions {
  /** Pairs with IoU <= threshold are never matched (default 1e-12). */
  threshold?: number;
  /** Tolerance of the tie extension's "is also a best anchor" test (default 1e-12). */
  eps?: number;
  /**
   * false (SSD's setting): an anchor left unmatched is matched to its best ground truth g when it is also (one of)
   * g's best anchors. true: when it is (one of) the best anchors of any ground truth.
   */
  shareMax?: boolean;
}

/**
 * MXNet's bipartite_matching plus GluonCV's tie extension.
 *
 * 1. Greedy in global order: all (anchor, gt) pairs of an image sorted by IoU descending, ties broken by the lower
 *    flat index anchor*M + gt (a stable sort); walking that list, a pair is matched when its anchor and its gt are
 *    both still free and IoU > threshold. So every ground truth that overlaps anything gets one anchor.
 * 2. Tie extension for the anchors still free: match to pargmax = argmax_g IoU (first on ties) when
 *    IoU[a, pargmax] + eps >= max_a' IoU[a', pargmax] (shareMax=false).
 *
 * Deliberate difference from GluonCV: the extension also requires IoU[a, pargmax] > threshold. GluonCV omits it,
 * so a ground truth that overlaps no anchor (a -1 padding row, a zero-area or far-away box) in column 0 "ties"
 * every zero-IoU anchor (spec §3.8: an all-padding image becomes all-positive with -inf box targets). Whenever
 * each ground truth overlaps some anchor the two agree.
 *
 * Vectorized: the walk only ever needs each column's best free anchor, so it reads the pairs near each column's
 * max and re-reads a column only when those are all taken (see greedyWalk), never sorting all N*M pairs.
 */
export class BipartiteMatcher implements Matcher {
  readonly threshold: number;
  readonly eps: number;
  readonly shareMax: boolean;

  constructor(o: BipartiteMatcherOptions = {}) {
    const c = new ArgCheck('BipartiteMatcher');
    this.threshold = c.number('threshold', o.threshold ?? 1e-12);
    this.eps = c.number('eps', o.eps ?? 1e-12);
    this.shareMax = o.shareMax ?? false;
  }

  match(ious: Tensor): Tensor {
    return batched(ious, 'BipartiteMatcher.match', (x) => tidy(() => bipartiteMatch(x, this, false)));
  }

  /** Step 1 only: (B, N) int64, each ground truth matched to at most one anchor. */
  greedy(ious: Tensor): Tensor {
    return batched(ious, 'BipartiteMatcher.greedy', (x) =>
      tidy(() => {
        const [B, N, M] = x.shape as [number, number, number];
        const out = full([B, N], -1, { dtype: 'int64', device: x.device });
        if (M > 0 && N > 0) {
          const xt = x.transpose(1, 2);
          writePairs(out, greedyWalk(x, nearColumnMax(xt, xt.amax(2, true), this.threshold, Infinity), this.threshold));
        }
        return out;
      }),
    );
  }
}

/**
 * Both steps on (B, N, M) IoU; with `orAbove`, also matches the remaining anchors whose best IoU is >= orAbove
 * (a following MaximumMatcher, fused: the same result as CompositeMatcher's general path).
 *
 * Only few (anchor, column) pairs matter: those at (or within eps of) their column's maximum — every column's
 * greedy head and every tie-extension candidate — and anchors whose best IoU reaches orAbove. They are found with
 * max-value reductions and thresholds; the IoU rows of just those anchors are then read to find each one's best
 * column (argmax, first on ties).
 */
function bipartiteMatch(x: Tensor, m: BipartiteMatcher, orAbove: number | false): Tensor {
  const [B, N, M] = x.shape as [number, number, number];
  const out = full([B, N], -1, { dtype: 'int64', device: x.device });
  if (M === 0 || N === 0) return out;
  // x + eps in x's precision (for float32 the eps only matters below ~2e-5, so at orAbove ties are exact).
  const plusEps = x.dtype === 'float32' ? (v: number) => Math.fround(v + Math.fround(m.eps)) : (v: number) => v + m.eps;
  const fused = orAbove !== false && !m.shareMax && x.dtype === 'float32' && orAbove >= 1e-4;
  const xt = x.transpose(1, 2); // (B, M, N): contiguous for AnchorIou's buffers
  const maxsT = xt.amax(2, true); // (B, M, 1)
  const maxs = maxsT.toArray();
  // Ties at a column maximum >= orAbove are matched by the MaximumMatcher anyway (to the same column: those
  // anchors' best IoU is >= orAbove), so when fused only the columns below orAbove need all their near-maximum
  // pairs; the others need just their head.
  const near = nearColumnMax(xt, maxsT, m.threshold, fused ? orAbove : Infinity);
  const ext = new Set<number>(); // b * N + a: anchors that may take the tie extension
  for (let i = 0; i < near.b.length; i++) {
    const v = near.v[i]!;
    if (v > m.threshold && plusEps(v) >= maxs[near.b[i]! * M + near.g[i]!]!) ext.add(near.b[i]! * N + near.a[i]!);
  }
  const keys: number[] = [];
  if (orAbove !== false) {
    const strong = indexArray(x.amax(2).ge(orAbove).nonzero()); // (K, 2): [b, a], ascending
    for (let i = 0; i < strong.length; i += 2) keys.push(strong[i]! * N + strong[i + 1]!);
  }
  const nStrong = keys.length;
  const strongSet = new Set(keys);
  for (const k of ext) if (!strongSet.has(k)) keys.push(k);
  const ok: Pairs = { b: [], a: [], g: [] };
  if (keys.length > 0) {
    const rows = x.index([indexTensor(keys.map((k) => Math.floor(k / N))), indexTensor(keys.map((k) => k % N))]);
    const R = rows.toTypedArray() as ArrayLike<number>; // (K, M)
    for (let i = 0; i < keys.length; i++) {
      const b = Math.floor(keys[i]! / N);
      const a = keys[i]! % N;
      let parg = 0;
      for (let g = 1; g < M; g++) if (R[i * M + g]! > R[i * M + parg]!) parg = g;
      const v = R[i * M + parg]!;
      const accept =
        (orAbove !== false && v >= orAbove) ||
        (ext.has(keys[i]!) && (m.shareMax || (v > m.threshold && plusEps(v) >= maxs[b * M + parg]!)));
      if (accept) {
        ok.b.push(b);
        ok.a.push(a);
        ok.g.push(parg);
      }
      // The heads of the columns at or above orAbove are among these anchors (their IoU is that column's max).
      if (fused && i < nStrong) {
        for (let g = 0; g < M; g++) {
          const mx = maxs[b * M + g]!;
          if (mx >= (orAbove as number) && R[i * M + g] === mx) near.push(b, g, a, mx);
        }
      }
    }
  }
  writePairs(out, ok);
  writePairs(out, greedyWalk(x, near, m.threshold)); // step 1 wins over step 2
  return out;
}

interface Pairs {
  b: number[];
  a: number[];
  g: number[];
}

function writePairs(out: Tensor, p: Pairs): void {
  if (p.b.length === 0) return;
  tidy(() => void out.indexPut_([indexTensor(p.b), indexTensor(p.a)], onDevice(indexTensor(p.g), out.device)));
}

/** (b, g, a, IoU) of pairs within a hair of their column's maximum, in no particular order. */
class NearMax {
  readonly b: number[] = [];
  readonly g: number[] = [];
  readonly a: number[] = [];
  readonly v: number[] = [];

  push(b: number, g: number, a: number, v: number): void {
    this.b.push(b);
    this.g.push(g);
    this.a.push(a);
    this.v.push(v);
  }
}

/**
 * Every pair >= a bound just below its column's max - eps, for the columns whose max is in (threshold, below).
 * xt is the (B, M, N) IoU, maxsT its (B, M, 1) column maxima.
 */
function nearColumnMax(xt: Tensor, maxsT: Tensor, threshold: number, below: number): NearMax {
  return tidy(() => {
    const [B, M] = xt.shape as [number, number, number];
    const out = new NearMax();
    // Safely below max - eps in float32, and above 0 so that an empty column selects nothing.
    const bound = maxsT.mul(1 - 1e-6).minimum(maxsT.sub(4 * Math.max(threshold, 1e-12))).clampMin(1e-38);
    const maxs = maxsT.toArray();
    const cols: number[] = [];
    for (let k = 0; k < B * M; k++) if (maxs[k]! > threshold && maxs[k]! < below) cols.push(k);
    if (cols.length === 0) return out;
    const all = cols.length === B * M;
    const sel = all ? null : indexTensor(cols);
    const rows = all ? xt.reshape(B * M, -1) : xt.reshape(B * M, -1).indexSelect(0, sel!); // (C, N)
    const bounds = all ? bound.reshape(B * M, 1) : bound.reshape(B * M, 1).indexSelect(0, sel!);
    const nz = rows.ge(bounds).nonzero(); // (P, 2): [column row, anchor]
    if (nz.shape[0] === 0) return out;
    const [r, a] = nz.split(1, 1).map((c) => c.squeeze(1)) as [Tensor, Tensor];
    const v = rows.index([r, a]).toArray();
    const rr = indexArray(r);
    const aa = indexArray(a);
    for (let i = 0; i < v.length; i++) {
      const k = cols[rr[i]!]!;
      out.push(Math.floor(k / M), k % M, aa[i]!, v[i]!);
    }
    return out;
  });
}

/**
 * The greedy walk, lazily. A column's head is its best free anchor (IoU descending, lowest anchor on ties). The
 * next pair of MXNet's walk is the best head over the free columns (IoU, then anchor, then column: the stable
 * order of flat index anchor*M + g). Heads come from the near-maximum pairs (all pairs >= a bound, so while one of
 * them is free it is the column's best free anchor); only a column whose near-maximum anchors are all taken is
 * read again from the IoU matrix — rare.
 */
function greedyWalk(x: Tensor, near: NearMax, threshold: number): Pairs {
  const [B, , M] = x.shape as [number, number, number];
  const pairs: Pairs = { b: [], a: [], g: [] };
  const all: Pair[][] = Array.from({ length: B * M }, () => []);
  for (let i = 0; i < near.b.length; i++) all[near.b[i]! * M + near.g[i]!]!.push({ v: near.v[i]!, a: near.a[i]! });
  for (let b = 0; b < B; b++) {
    const lists = all.slice(b * M, (b + 1) * M);
    for (const l of lists) l.sort((p, q) => q.v - p.v || p.a - q.a);
    const heads = new Array<number>(M).fill(0);
    const taken: number[] = [];
    const isTaken = new Set<number>();
    const done = new Uint8Array(M);
    const head = (g: number): Pair | null => {
      const l = lists[g]!;
      while (heads[g]! < l.length && isTaken.has(l[heads[g]!]!.a)) heads[g]!++;
      if (heads[g]! < l.length) return l[heads[g]!]!;
      if (l.length === 0) return null; // nothing above the bound: the column's max is <= threshold
      const next = nextBest(x, b, g, taken);
      l.push(next);
      return next;
    };
    for (;;) {
      let best = -1;
      let bp: Pair | null = null;
      for (let g = 0; g < M; g++) {
        if (done[g]) continue;
        const p = head(g);
        if (p === null || !(p.v > threshold)) {
          done[g] = 1;
          continue;
        }
        if (bp === null || p.v > bp.v || (p.v === bp.v && p.a < bp.a)) {
          best = g;
          bp = p;
        }
      }
      if (bp === null) break;
      taken.push(bp.a);
      isTaken.add(bp.a);
      done[best] = 1;
      pairs.b.push(b);
      pairs.a.push(bp.a);
      pairs.g.push(best);
    }
  }
  return pairs;
}

interface Pair {
  v: number;
  a: number;
}

/** Column g of image b: its best anchor (lowest index on ties) among those not taken. */
function nextBest(x: Tensor, b: number, g: number, taken: number[]): Pair {
  return tidy(() => {
    const col = x.select(0, b).select(1, g).clone();
    col.indexPut_([indexTensor(taken)], full([taken.length], -Infinity, { dtype: col.dtype, device: col.device }));
    const [v, a] = col.max(0);
    return { v: v.item(), a: a.item() };
  });
}

/** Each anchor's best ground truth (first on ties) when IoU >= threshold, else -1. */
export class MaximumMatcher implements Matcher {
  constructor(readonly threshold: number) {
    new ArgCheck('MaximumMatcher').number('threshold', threshold);
  }

  match(ious: Tensor): Tensor {
    return batched(ious, 'MaximumMatcher.match', (x) =>
      tidy(() => {
        const [B, N, M] = x.shape as [number, number, number];
        if (M === 0) return full([B, N], -1, { dtype: 'int64', device: x.device });
        const argmax = x.argmax(2, true);
        return where(x.gather(2, argmax).ge(this.threshold), argmax, -1).squeeze(2);
      }),
    );
  }
}

/** Runs matchers in order; a later matcher only fills the anchors the earlier ones left at -1. */
export class CompositeMatcher implements Matcher {
  readonly matchers: Matcher[];

  constructor(matchers: Matcher[]) {
    if (!Array.isArray(matchers) || matchers.length === 0) throw new RangeError('CompositeMatcher: at least one matcher is required');
    this.matchers = [...matchers];
  }

  match(ious: Tensor): Tensor {
    const [first, second] = this.matchers;
    if (this.matchers.length === 2 && first instanceof BipartiteMatcher && second instanceof MaximumMatcher) {
      // SSD's pair, fused: both steps read the same per-anchor maxima (same result as the general path).
      return batched(ious, 'CompositeMatcher.match', (x) => tidy(() => bipartiteMatch(x, first, second.threshold)));
    }
    checkIous(ious, 'CompositeMatcher.match');
    return tidy(() => {
      let result = this.matchers[0]!.match(ious);
      for (const m of this.matchers.slice(1)) result = where(result.gt(-0.5), result, m.match(ious));
      return result;
    });
  }
}
