// Long runs (issue 9, part 5), the suite's short version of `npm run soak` (bench/soak.ts runs 20,000 steps):
// a few hundred steps of the real SSD training loop must keep libtorch's live-tensor count exactly constant, and
// RSS must level off — the second half of the run may not climb above the first half's peak by more than
// allocator noise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getNumThreads, setNumThreads } from '../../src/tensor/index.js';
import { soak } from '../../bench/soak.js';

test('240 SSD training steps: constant live-tensor count, RSS levels off', async () => {
  const threads = getNumThreads();
  setNumThreads(1); // as `npm run soak` does: tiny tensors, and intra-op threads spin on a busy machine
  const r = await soak({ steps: 240, every: 8, log: () => {} }).finally(() => setNumThreads(threads));
  assert.equal(r.samples.length, 30);
  const live = r.samples.map((s) => s.liveTensors);
  assert.ok(r.verdict.liveTensorsConstant, `live tensors per epoch: ${live.join(',')}`);
  const rss = r.samples.map((s) => s.rssAnonMB ?? s.rssMB); // anonymous RSS where Linux reports it (see bench/soak.ts)
  const half = rss.length / 2;
  const firstPeak = Math.max(...rss.slice(0, half));
  const secondPeak = Math.max(...rss.slice(half));
  assert.ok(secondPeak - firstPeak < 32, `RSS climbs in the second half: peak ${firstPeak.toFixed(1)} -> ${secondPeak.toFixed(1)} MB (${rss.map((v) => v.toFixed(0)).join(',')})`);
});
