// Samplers (src/detection/sampler.ts): stable top-k selection against a stable sort, NaiveSampler.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromTypedArray, tensor } from '../../src/tensor/index.js';
import { NaiveSampler, stableTopK } from '../../src/detection/index.js';
import { assertNoLeak } from './synth.js';

test('stableTopK marks the first count entries of a stable sort (largest or smallest), ties in index order', () => {
  let s = 5;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const B = 4;
  const N = 300;
  const keys = new Float32Array(B * N).map(() => Math.floor(rnd() * 7) / 7 - 0.3); // heavy ties
  const counts = [0, 17, 150, 300];
  const key = fromTypedArray(keys, [B, N]);
  const count = tensor(counts).unsqueeze(1);
  for (const largest of [true, false]) {
    const got = assertNoLeak(() => stableTopK(key, count, largest), 'stableTopK').toArray();
    for (let b = 0; b < B; b++) {
      const row = Array.from(keys.subarray(b * N, (b + 1) * N));
      const order = row.map((_, i) => i).sort((i, j) => (largest ? row[j]! - row[i]! : row[i]! - row[j]!)); // stable
      const want = new Array<number>(N).fill(0);
      order.slice(0, counts[b]).forEach((i) => (want[i] = 1));
      assert.deepEqual(got.slice(b * N, (b + 1) * N), want, `row ${b} largest=${largest}`);
    }
  }
});

test('NaiveSampler: matched anchors +1, all others -1', () => {
  assert.deepEqual(new NaiveSampler().sample(tensor([[2, -1, 0, -1]])).tolist(), [[1, -1, 1, -1]]);
});
