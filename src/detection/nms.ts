// Non-maximum suppression with MXNet's contrib.box_nms semantics (spec §6), as SSD uses it: rows
// [id, score, xmin, ymin, xmax, ymax]; valid rows have score > validThresh and id != backgroundId; they are
// stable-sorted by score descending and only the first topk per image (across all classes) take part; greedy
// suppression of a later row whose IoU with a kept row is > overlapThresh, when the classes are equal (or always,
// with forceSuppress); survivors come out in score order, every other row is -1 in all six fields.
//
//   const dets = boxNms(rows, { overlapThresh: 0.45, topk: 400, validThresh: 0.01, keep: 100 });
import { type Tensor, arange, full, onDevice, tidy, where } from '../tensor/index.js';
import { indexArray, indexTensor } from './ints.js';
import { boxIou } from './bbox.js';
import { ArgCheck } from '../util/checkArgs.js';

export interface BoxNmsOptions {
  /** Suppress when IoU > overlapThresh (default 0.5). */
  overlapThresh?: number;
  /** Rows with score <= validThresh are dropped (default 0). */
  validThresh?: number;
  /** Per image, only the topk best valid rows take part; <= 0 for all (default -1). */
  topk?: number;
  /** Suppress across classes (default false: only boxes of the same id suppress each other). */
  forceSuppress?: boolean;
  /** Rows with this id are dropped (default -1, the id decoders give to discarded scores). */
  backgroundId?: number;
}

/** Checks the options that are set: finite numbers, topk an integer. */
function checkOptions(c: ArgCheck, o: BoxNmsOptions & { keep?: number }): void {
  for (const k of ['overlapThresh', 'validThresh', 'backgroundId'] as const) if (o[k] !== undefined) c.number(k, o[k]);
  if (o.topk !== undefined) c.number('topk', o.topk, { integer: true });
  if (o.keep !== undefined) c.number('keep', o.keep, { integer: true, min: 0 });
}

/**
 * Indices of the surviving rows, per image in score order, padded with -1: (B, K), K = the most survivors of
 * any image. scores and ids are (B, L); boxesOf(rows) must return the corner boxes (B, K', 4) of the row
 * indices rows (B, K') (padding slots hold 0 and are ignored).
 */
export function boxNmsIndices(scores: Tensor, ids: Tensor, boxesOf: (rows: Tensor) => Tensor, o: BoxNmsOptions = {}): Tensor {
  const c = new ArgCheck('boxNmsIndices');
  c.tensor('scores', scores, ['B', 'L'], 'numeric');
  c.tensor('ids', ids, ['B', 'L'], 'numeric');
  if (typeof boxesOf !== 'function') c.fail(`boxesOf must be a function from row indices (B, K) to corner boxes (B, K, 4); got ${typeof boxesOf}`, TypeError);
  checkOptions(c, o);
  const overlap = o.overlapThresh ?? 0.5;
  const force = o.forceSuppress ?? false;
  return tidy(() => {
    const [B] = scores.shape as [number, number];
    const { rows, counts } = topValid(scores, ids, o);
    const K = rows.shape[1]!;
    if (K === 0) return full([B, 0], -1, { dtype: 'int64', device: scores.device });
    const safe = rows.clamp(0, null);
    const boxes = boxesOf(safe).float();
    let suppress = boxIou(boxes, boxes).gt(overlap); // (B, K, K)
    if (!force) {
      const cid = ids.gather(1, safe);
      suppress = suppress.logicalAnd(cid.unsqueeze(2).eq(cid.unsqueeze(1)));
    }
    const S = suppress.toTypedArray() as Uint8Array;
    const rowIdx = indexArray(rows);
    const kept: number[][] = [];
    for (let b = 0; b < B; b++) {
      const n = counts[b]!;
      const removed = new Uint8Array(n);
      const keep: number[] = [];
      for (let i = 0; i < n; i++) {
        if (removed[i]) continue;
        keep.push(rowIdx[b * K + i]!);
        const base = (b * K + i) * K;
        for (let j = i + 1; j < n; j++) if (S[base + j]) removed[j] = 1;
      }
      kept.push(keep);
    }
    const width = Math.max(0, ...kept.map((k) => k.length));
    const flat = new Int32Array(B * width).fill(-1);
    kept.forEach((k, b) => flat.set(k, b * width));
    return onDevice(indexTensor(flat, [B, width]), scores.device);
  });
}

/**
 * The rows that take part in NMS: valid ones, stable-sorted by score descending, at most topk per image.
 * Returns rows (B, K) int64 padded with -1 and the per-image counts.
 */
function topValid(scores: Tensor, ids: Tensor, o: BoxNmsOptions): { rows: Tensor; counts: number[] } {
  const [B, L] = scores.shape as [number, number];
  const k = (o.topk ?? -1) > 0 ? Math.min(o.topk!, L) : L;
  const valid = scores.gt(o.validThresh ?? 0).logicalAnd(ids.ne(o.backgroundId ?? -1));
  let sel = valid;
  if (k < L && k > 0) {
    // The k-th best score bounds the selection; ties at the bound are all kept here and cut after the stable sort.
    const kth = where(valid, scores, -Infinity).topk(k, 1)[0].narrow(1, k - 1, 1);
    sel = valid.logicalAnd(scores.ge(kth));
  }
  const selCounts = sel.sum(1);
  const width = L === 0 || B === 0 ? 0 : selCounts.max().item();
  const counts = Array.from(indexArray(selCounts), (c) => Math.min(c, k));
  const device = scores.device;
  if (width === 0) return { rows: full([B, 0], -1, { dtype: 'int64', device }), counts };
  // Compact the selected row indices (ascending) into (B, width), then stable-sort them by score.
  const slot = where(sel, sel.long().cumsum(1).sub(1), width);
  const packed = full([B, width + 1], -1, { dtype: 'int64', device })
    .scatter(1, slot, arange(0, L, 1, { device }).unsqueeze(0).expand(B, L).contiguous())
    .narrow(1, 0, width);
  const packedScores = where(packed.ge(0), scores.gather(1, packed.clamp(0, null)), -Infinity);
  const order = packedScores.sort(1, true, true)[1];
  const rows = packed.gather(1, order).narrow(1, 0, Math.min(width, k));
  const slotIdx = arange(0, rows.shape[1]!, 1, { device }).unsqueeze(0);
  return { rows: where(slotIdx.lt(onDevice(indexTensor(counts), device).unsqueeze(1)), rows, -1), counts };
}

/**
 * MXNet box_nms over data (B, L, 6) or (L, 6) rows [id, score, xmin, ymin, xmax, ymax] (corner). Returns the same
 * layout with `keep` rows per image (default L): survivors first in score order, then rows of -1.
 */
export function boxNms(data: Tensor, o: BoxNmsOptions & { keep?: number } = {}): Tensor {
  const c = new ArgCheck('boxNms');
  c.tensor('data', data, [['B', 'L', 6], ['L', 6]], 'numeric', { hint: 'rows [id, score, xmin, ymin, xmax, ymax]' });
  checkOptions(c, o);
  if (data.ndim === 2) return tidy(() => boxNms(data.unsqueeze(0), o).squeeze(0));
  const s = data.shape;
  return tidy(() => {
    const [B, L] = s as [number, number, number];
    const boxes = data.narrow(2, 2, 4);
    const rows = boxNmsIndices(data.select(2, 1), data.select(2, 0), (r) => boxes.gather(1, r.unsqueeze(2).expand(B, r.shape[1]!, 4)), o);
    return gatherRows(data, rows, o.keep ?? L);
  });
}

/** data (B, L, F) rows at indices (B, K) (-1 = padding), as (B, width, F) with -1 rows after the survivors. */
export function gatherRows(data: Tensor, rows: Tensor, width: number): Tensor {
  const c = new ArgCheck('gatherRows');
  c.tensor('data', data, ['B', 'L', 'F'], 'numeric');
  c.tensor('rows', rows, ['B', 'K'], ['int64'], { hint: 'row indices, -1 for padding' });
  c.number('width', width, { integer: true, min: 0 });
  return tidy(() => {
    const [B, K] = rows.shape as [number, number];
    const [, L, F] = data.shape as [number, number, number];
    const device = data.device;
    if (L === 0) return full([B, width, F], -1, { dtype: data.dtype, device }); // nothing to pick: all padding
    const fitted =
      K >= width ? rows.narrow(1, 0, width) : full([B, width], -1, { dtype: 'int64', device }).scatter(1, arange(0, K, 1, { device }).unsqueeze(0).expand(B, K).contiguous(), rows);
    const picked = data.gather(1, fitted.clamp(0, null).unsqueeze(2).expand(B, width, F));
    return where(fitted.ge(0).unsqueeze(2), picked, -1);
  });
}
