// SSD's inference post-processing (ssdDetect in detect.ts: MultiPerClassDecoder + MXNet box_nms, spec §6) on
// plain arrays, for consumers of an exported ONNX model that have no tensors: the `ssdkit serve` page imports
// this file's compiled JavaScript as is, so it must import nothing. Same semantics as ssdDetect:
//   row r = c * N + n (class-major) with score scores[n, c]; rows with score <= scoreThresh are dropped;
//   the valid rows are stable-sorted by score descending and the first nmsTopk (across classes) take part;
//   greedy suppression of a later row of the same class whose IoU with a kept row is > nmsThresh;
//   the first postNms survivors, in score order (postNms <= 0 keeps all). nmsThresh outside (0, 1): no NMS.
//
//   const dets = perClassNms(bboxes, scores, N, C);   // [{ classId, score, box: [xmin, ymin, xmax, ymax] }]

export interface ArrayNmsOptions {
  /** IoU above which a later box of the same class is suppressed (default 0.45). */
  nmsThresh?: number;
  /** Rows taking part in NMS, across classes; <= 0 for all (default 400). */
  nmsTopk?: number;
  /** Survivors kept; <= 0 for all (default 100). */
  postNms?: number;
  /** Per-class scores at or below are not detections (MultiPerClassDecoder, default 0.01). */
  scoreThresh?: number;
}

export interface ArrayDetection {
  /** 0-based foreground class. */
  classId: number;
  score: number;
  /** Corner box in the units of `bboxes`. */
  box: [number, number, number, number];
}

/** IoU of corner boxes i and j of `b` (N × 4), as bbox.ts's boxIou with offset 0. */
function iou(b: ArrayLike<number>, i: number, j: number): number {
  const iw = Math.min(b[4 * i + 2]!, b[4 * j + 2]!) - Math.max(b[4 * i]!, b[4 * j]!);
  const ih = Math.min(b[4 * i + 3]!, b[4 * j + 3]!) - Math.max(b[4 * i + 1]!, b[4 * j + 1]!);
  const inter = Math.max(iw, 0) * Math.max(ih, 0);
  if (!(inter > 0)) return 0;
  const area = (k: number): number => Math.max(b[4 * k + 2]! - b[4 * k]!, 0) * Math.max(b[4 * k + 3]! - b[4 * k + 1]!, 0);
  return inter / (area(i) + area(j) - inter);
}

/**
 * bboxes (N × 4 corner boxes) and scores (N × C foreground probabilities) of one image, row-major as the ONNX
 * model's outputs `bboxes[b]` and `scores[b]`. Returns the detections in score order.
 */
export function perClassNms(bboxes: ArrayLike<number>, scores: ArrayLike<number>, N: number, C: number, o: ArrayNmsOptions = {}): ArrayDetection[] {
  if (bboxes.length !== N * 4 || scores.length !== N * C) {
    throw new RangeError(`perClassNms: expected ${N * 4} box values and ${N * C} scores, got ${bboxes.length} and ${scores.length}`);
  }
  const nmsThresh = o.nmsThresh ?? 0.45;
  const topk = o.nmsTopk ?? 400;
  const postNms = o.postNms ?? 100;
  const thresh = o.scoreThresh ?? 0.01;
  const rows: number[] = [];
  for (let c = 0; c < C; c++) for (let n = 0; n < N; n++) if (scores[n * C + c]! > thresh) rows.push(c * N + n);
  const score = (r: number): number => scores[(r % N) * C + Math.floor(r / N)]!;
  rows.sort((a, b) => score(b) - score(a) || a - b); // stable: ties keep row order
  const useNms = nmsThresh > 0 && nmsThresh < 1;
  const candidates = useNms && topk > 0 ? rows.slice(0, topk) : rows;
  const kept: number[] = [];
  const removed = new Uint8Array(candidates.length);
  for (let i = 0; i < candidates.length; i++) {
    if (removed[i]) continue;
    const r = candidates[i]!;
    kept.push(r);
    if (!useNms) continue;
    for (let j = i + 1; j < candidates.length; j++) {
      const s = candidates[j]!;
      if (!removed[j] && Math.floor(s / N) === Math.floor(r / N) && iou(bboxes, r % N, s % N) > nmsThresh) removed[j] = 1;
    }
  }
  const out = useNms && postNms > 0 ? kept.slice(0, postNms) : kept;
  return out.map((r) => {
    const n = r % N;
    return { classId: Math.floor(r / N), score: score(r), box: [bboxes[4 * n]!, bboxes[4 * n + 1]!, bboxes[4 * n + 2]!, bboxes[4 * n + 3]!] };
  });
}
