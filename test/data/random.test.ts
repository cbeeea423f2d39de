// Seeded PRNG (src/data/random.ts): reproducibility, ranges (randint inclusive like Python), permutations,
// state save/restore.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random, mixSeed } from '../../src/data/random.js';

test('same seed, same sequence; different seeds differ', () => {
  const a = new Random(42);
  const b = new Random(42);
  const c = new Random(43);
  const sa = Array.from({ length: 20 }, () => a.random());
  assert.deepEqual(sa, Array.from({ length: 20 }, () => b.random()));
  assert.notDeepEqual(sa, Array.from({ length: 20 }, () => c.random()));
  assert.ok(sa.every((v) => v >= 0 && v < 1));
});

test('uniform, randint (both ends included) and randrange have the right ranges and means', () => {
  const g = new Random(7);
  const n = 20000;
  let sum = 0;
  const counts = new Map<number, number>();
  const rr = new Set<number>();
  for (let i = 0; i < n; i++) {
    const x = g.uniform(-2, 6);
    assert.ok(x >= -2 && x < 6);
    sum += x;
    const k = g.randint(3, 7);
    counts.set(k, (counts.get(k) ?? 0) + 1);
    rr.add(g.randrange(4));
  }
  assert.ok(Math.abs(sum / n - 2) < 0.05, `uniform mean ${sum / n}`);
  assert.deepEqual([...counts.keys()].sort(), [3, 4, 5, 6, 7]);
  for (const c of counts.values()) assert.ok(Math.abs(c / n - 0.2) < 0.015, `randint frequency ${c / n}`);
  assert.deepEqual([...rr].sort(), [0, 1, 2, 3]);
  assert.throws(() => g.randrange(0), /empty range/);
  assert.throws(() => g.randint(3, 2), /empty range/);
});

test('normal draws have the requested mean and spread', () => {
  const g = new Random(3);
  const xs = Array.from({ length: 20000 }, () => g.normal(5, 2));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  assert.ok(Math.abs(mean - 5) < 0.05 && Math.abs(sd - 2) < 0.05, `mean ${mean} sd ${sd}`);
});

test('shuffle/permutation give permutations; choice picks members', () => {
  const g = new Random(11);
  const p = g.permutation(50);
  assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(p, Array.from({ length: 50 }, (_, i) => i));
  const items = ['a', 'b', 'c'];
  const seen = new Set(Array.from({ length: 100 }, () => g.choice(items)));
  assert.deepEqual([...seen].sort(), items);
});

test('state round trip resumes the same stream', () => {
  const g = new Random(5);
  g.random();
  const st = g.getState();
  const next = [g.random(), g.random()];
  const h = new Random(0);
  h.setState(st);
  assert.deepEqual([h.random(), h.random()], next);
});

test('mixSeed separates keys and derive is reproducible', () => {
  const seeds = new Set<number>();
  for (let e = 0; e < 10; e++) for (let p = 0; p < 100; p++) seeds.add(mixSeed(1, e, p));
  assert.equal(seeds.size, 1000);
  assert.notEqual(mixSeed(1, 2), mixSeed(2, 1));
  assert.notEqual(mixSeed(2 ** 32), mixSeed(0));
  assert.equal(Random.derive(1, 2, 3).random(), Random.derive(1, 2, 3).random());
});
