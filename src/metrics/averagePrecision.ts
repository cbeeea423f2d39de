// Average precision of one class from its recall/precision curve (spec §7.7; gluoncv/utils/metrics/
// voc_detection.py `_average_precision`): VOC2007's 11-point interpolation and VOC2010+'s area under the
// monotone precision envelope. NaN precision (no counted detection yet) counts as 0 (np.nan_to_num).
// A missing curve (class without ground truth) gives NaN.

function nanToZero(p: number): number {
  return Number.isNaN(p) ? 0 : p;
}

/** VOC07 11-point AP: Σ_{t = 0, 0.1, ..., 1} max(prec[rec >= t], or 0) / 11, thresholds as numpy's arange. */
export function voc07AveragePrecision(recall: ArrayLike<number> | null, precision: ArrayLike<number> | null): number {
  if (recall == null || precision == null) return NaN;
  let ap = 0;
  for (let k = 0; k < 11; k++) {
    const t = k * 0.1; // np.arange(0., 1.1, 0.1) values exactly (0.30000000000000004 etc.)
    let p = 0;
    for (let i = 0; i < recall.length; i++) {
      if (recall[i]! >= t) p = Math.max(p, nanToZero(precision[i]!));
    }
    ap += p / 11;
  }
  return ap;
}

/** VOC2010+ AP: sentinels (0, ..., 1) on recall and (0, ..., 0) on precision, precision made non-increasing
 * from the right, then Σ Δrecall × precision over the points where recall changes. */
export function vocAveragePrecision(recall: ArrayLike<number> | null, precision: ArrayLike<number> | null): number {
  if (recall == null || precision == null) return NaN;
  const n = recall.length;
  const mrec = new Float64Array(n + 2);
  const mpre = new Float64Array(n + 2);
  mrec[n + 1] = 1;
  for (let i = 0; i < n; i++) {
    mrec[i + 1] = recall[i]!;
    mpre[i + 1] = nanToZero(precision[i]!);
  }
  for (let i = n + 1; i > 0; i--) mpre[i - 1] = Math.max(mpre[i - 1]!, mpre[i]!);
  let ap = 0;
  for (let i = 0; i < n + 1; i++) {
    if (mrec[i + 1] !== mrec[i]) ap += (mrec[i + 1]! - mrec[i]!) * mpre[i + 1]!;
  }
  return ap;
}
