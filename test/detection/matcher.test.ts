// Matchers (src/detection/matcher.ts) against the reference on IoU matrices full of exact ties, and the
// vectorized bipartite walk against a brute-force greedy over all pairs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromTypedArray, tensor, where } from '../../src/tensor/index.js';
import { BipartiteMatcher, CompositeMatcher, MaximumMatcher } from '../../src/detection/index.js';
import { loadFixture } from '../helpers.js';
import { assertNoLeak } from './synth.js';

interface MatcherCase {
  iou: number[][][];
  bipartite: number[][];
  bipartite_share: number[][];
  maximum: number[][];
  composite: number[][];
}

test('BipartiteMatcher (both tie extensions), MaximumMatcher and CompositeMatcher match the reference', () => {
  for (const [i, c] of loadFixture<MatcherCase[]>('detection_matchers.json').entries()) {
    const iou = tensor(c.iou, { dtype: 'float32' });
    const bip = assertNoLeak(() => new BipartiteMatcher().match(iou), 'bipartite');
    assert.deepEqual(bip.tolist(), c.bipartite, `case ${i} bipartite`);
    assert.deepEqual(new BipartiteMatcher({ shareMax: true }).match(iou).tolist(), c.bipartite_share, `case ${i} share_max`);
    assert.deepEqual(new MaximumMatcher(0.5).match(iou).tolist(), c.maximum, `case ${i} maximum`);
    const comp = new CompositeMatcher([new BipartiteMatcher(), new MaximumMatcher(0.5)]);
    assert.deepEqual(assertNoLeak(() => comp.match(iou), 'composite').tolist(), c.composite, `case ${i} composite`);
    assert.deepEqual(new BipartiteMatcher().match(iou.select(0, 1)).tolist(), c.bipartite[1], `case ${i} 2-D input`);
  }
});

test('bipartite: global order, lower flat index on ties, tie extension only for best-of-best anchors', () => {
  // anchor 0 ties between gt 0 and 1 -> gt 0 (lower flat index); gt 1 then takes its next best, anchor 2.
  // anchor 1 is gt 0's other best (0.9): tie extension adds it. anchor 3 best is gt 1 at 0.4 < max 0.6: unmatched.
  const iou = tensor([[[0.9, 0.9], [0.9, 0.1], [0.2, 0.6], [0, 0.4], [0, 0]]], { dtype: 'float32' });
  assert.deepEqual(new BipartiteMatcher().greedy(iou).tolist(), [[0, -1, 1, -1, -1]]);
  assert.deepEqual(new BipartiteMatcher().match(iou).tolist(), [[0, 0, 1, -1, -1]]);
  // Without any overlap nothing matches (GluonCV would match every anchor to column 0 here).
  assert.deepEqual(new BipartiteMatcher().match(tensor([[[0, 0], [0, 0]]], { dtype: 'float32' })).tolist(), [[-1, -1]]);
  // No ground-truth columns at all.
  assert.deepEqual(new BipartiteMatcher().match(tensor([[[], []]], { dtype: 'float32' }).reshape(1, 2, 0)).tolist(), [[-1, -1]]);
});

/** Reference greedy over every (anchor, gt) pair of one image, in stable descending order. */
function bruteGreedy(v: Float32Array, N: number, M: number): number[] {
  const order = Array.from({ length: N * M }, (_, i) => i).sort((i, j) => v[j]! - v[i]!);
  const out = new Array<number>(N).fill(-1);
  const col = new Uint8Array(M);
  for (const p of order) {
    if (v[p]! <= 1e-12) break;
    const a = Math.floor(p / M);
    const g = p % M;
    if (out[a] === -1 && !col[g]) {
      out[a] = g;
      col[g] = 1;
    }
  }
  return out;
}

test('the lazy greedy walk equals the full greedy walk over all pairs on large tied matrices', () => {
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (const [B, N, M, levels] of [[3, 300, 12, 4], [2, 120, 40, 3], [2, 50, 60, 6]] as const) {
    const v = new Float32Array(B * N * M).map(() => (rnd() < 0.6 ? 0 : Math.floor(rnd() * levels) / levels + 0.1));
    const got = new BipartiteMatcher().greedy(fromTypedArray(v, [B, N, M])).tolist() as number[][];
    for (let b = 0; b < B; b++) {
      assert.deepEqual(got[b], bruteGreedy(v.subarray(b * N * M, (b + 1) * N * M), N, M), `B${B} N${N} M${M} image ${b}`);
    }
  }
});

test('the fused Bipartite+Maximum composite equals the general composition, in both memory layouts', () => {
  let s = 99;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (const [B, N, M] of [[3, 400, 10], [2, 150, 30], [4, 60, 3]] as const) {
    const levels = [0, 0, 0, 0.05, 0.2, 0.3, 0.45, 0.5, 0.5, 0.6, 0.8, 1];
    const v = new Float32Array(B * N * M).map(() => levels[Math.floor(rnd() * levels.length)]!);
    const nm = fromTypedArray(v, [B, N, M]);
    const mn = nm.transpose(1, 2).contiguous().transpose(1, 2); // AnchorIou's layout
    const bip = new BipartiteMatcher();
    const max = new MaximumMatcher(0.5);
    const first = bip.match(nm);
    const general = where(first.ge(0), first, max.match(nm)).tolist();
    const fused = new CompositeMatcher([bip, max]);
    assert.deepEqual(fused.match(nm).tolist(), general, `B${B} N${N} M${M} contiguous`);
    assert.deepEqual(fused.match(mn).tolist(), general, `B${B} N${N} M${M} column-major`);
    assert.deepEqual(bip.match(mn).tolist(), first.tolist());
    const dbl = nm.double();
    const firstD = bip.match(dbl);
    assert.deepEqual(fused.match(dbl).tolist(), where(firstD.ge(0), firstD, max.match(dbl)).tolist(), 'float64');
  }
});
