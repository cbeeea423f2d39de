// The statistics of a paired-by-seed comparison (`ssdkit ablate`): each arm's mean ± sample std, and the mean
// of the per-seed differences with its two-sided 95% Student-t confidence interval (scipy.stats.t.ppf(0.975, n-1)),
// plus how many seeds would make that interval narrower than a given effect.
//
//   const d = pairedDifference(armB, armA);   // { mean, std, n, halfWidth, lo, hi }
//   seedsNeeded(d.std, 0.01)                  // seeds for a ±0.01 interval at this spread
/** t quantiles 0.975 for 1..30 degrees of freedom (scipy.stats.t.ppf), then a few beyond; 1.96 in the limit. */
const T975: readonly number[] = [
  12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.306, 2.2622, 2.2281, 2.201, 2.1788, 2.1604, 2.1448, 2.1314,
  2.1199, 2.1098, 2.1009, 2.093, 2.086, 2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
];

/** The 0.975 quantile of Student's t with `df` degrees of freedom (table to 30, then 2.0423 down to 1.96). */
export function tQuantile975(df: number): number {
  if (!(Number.isInteger(df) && df >= 1)) throw new RangeError(`tQuantile975: df must be an integer >= 1, got ${df}`);
  if (df <= T975.length) return T975[df - 1]!;
  return 1.96 + 2.4 / df; // within 0.0021 of scipy for df > 30 (z + z(z^2+1)/(4 df), Cornish-Fisher's first term)
}

export interface MeanStd {
  mean: number;
  /** Sample standard deviation (n - 1); 0 for one value. */
  std: number;
  n: number;
}

export function meanStd(xs: readonly number[]): MeanStd {
  if (xs.length === 0) throw new RangeError('meanStd: no values');
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { mean, std: Math.sqrt(v), n: xs.length };
}

export interface PairedDifference extends MeanStd {
  /** Half the width of the 95% interval (NaN with one pair). */
  halfWidth: number;
  lo: number;
  hi: number;
}

/** mean(a_i - b_i) with its 95% t interval; a and b are paired by index (seed). */
export function pairedDifference(a: readonly number[], b: readonly number[]): PairedDifference {
  if (a.length !== b.length || a.length === 0) throw new RangeError(`pairedDifference: a and b must pair up, got ${a.length} and ${b.length} values`);
  const d = meanStd(a.map((x, i) => x - b[i]!));
  const halfWidth = d.n > 1 ? (tQuantile975(d.n - 1) * d.std) / Math.sqrt(d.n) : NaN;
  return { ...d, halfWidth, lo: d.mean - halfWidth, hi: d.mean + halfWidth };
}

/** The fewest pairs n >= 2 whose 95% half-width t(n-1)·std/sqrt(n) is below `halfWidth`, at this std. */
export function seedsNeeded(std: number, halfWidth: number): number {
  if (!(halfWidth > 0)) throw new RangeError(`seedsNeeded: halfWidth must be positive, got ${halfWidth}`);
  for (let n = 2; n < 100000; n++) if ((tQuantile975(n - 1) * std) / Math.sqrt(n) < halfWidth) return n;
  return Infinity;
}
