// The ablation's statistics against scipy (scripts/fixtures/make_paired_stats_fixture.py): Student-t quantiles and
// paired 95% intervals, and the seed planning that inverts them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tQuantile975, pairedDifference, seedsNeeded, meanStd } from '../../src/train/pairedStats.js';

interface Fixture {
  t975: Record<string, number>;
  paired: { a: number[]; b: number[]; mean: number; std: number; lo: number; hi: number }[];
}
const fx = JSON.parse(readFileSync(new URL('../../../test/fixtures/train_paired_stats.json', import.meta.url), 'utf8')) as Fixture;

test('t quantiles 0.975 match scipy (table to 30 df; beyond, within 0.0021)', () => {
  for (const [df, q] of Object.entries(fx.t975)) {
    const tol = Number(df) <= 30 ? 1e-4 : 2.1e-3;
    assert.ok(Math.abs(tQuantile975(Number(df)) - q) < tol, `df ${df}: ${tQuantile975(Number(df))} vs scipy ${q}`);
  }
  assert.throws(() => tQuantile975(0), /df must be an integer >= 1/);
});

test('paired differences and their 95% intervals match scipy.stats.ttest_rel', () => {
  for (const c of fx.paired) {
    const d = pairedDifference(c.a, c.b);
    assert.ok(Math.abs(d.mean - c.mean) < 1e-12 && Math.abs(d.std - c.std) < 1e-12, `n ${c.a.length}`);
    const tol = c.a.length - 1 <= 30 ? 1e-4 * d.std : 3e-3 * d.std;
    assert.ok(Math.abs(d.lo - c.lo) < tol && Math.abs(d.hi - c.hi) < tol, `n ${c.a.length}: [${d.lo}, ${d.hi}] vs [${c.lo}, ${c.hi}]`);
  }
  assert.ok(Number.isNaN(pairedDifference([0.5], [0.4]).halfWidth), 'one pair has no interval');
  assert.throws(() => pairedDifference([1, 2], [1]), /must pair up, got 2 and 1/);
  assert.deepEqual(meanStd([2, 4, 6]), { mean: 4, std: 2, n: 3 });
});

test('seedsNeeded: the fewest seeds whose interval is narrower than the effect', () => {
  // std 0.02, effect 0.01: n = 18 gives 2.1098*0.02/sqrt(18) = 0.00995; n = 17 gives 2.1199*0.02/sqrt(17) = 0.01028
  assert.equal(seedsNeeded(0.02, 0.01), 18);
  assert.equal(seedsNeeded(0, 0.01), 2);
});
