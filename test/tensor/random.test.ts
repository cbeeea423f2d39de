// Random draws: torch-identical draws for a seed (fixture from PyTorch), manualSeed reproducibility,
// getRngState/setRngState replay, moments of rand/randn/uniform/normal, randint/randperm/dropout properties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  manualSeed, getRngState, setRngState, rand, randn, uniform, normal, randint, randperm, dropout, ones, empty, tidy,
  memory, type Tensor,
} from '../../src/tensor/index.js';
import { loadFixture } from '../helpers.js';
import { expectTensor, type TensorSpec } from './fixture-tensors.js';

interface RandomFixture {
  seed: number;
  draws: { kind: string; args: any[]; out: TensorSpec }[];
}
const fx = loadFixture<RandomFixture>('tensor_random.json');

function draw(kind: string, args: any[]): Tensor {
  switch (kind) {
    case 'rand': return rand(args);
    case 'randn': return randn(args);
    case 'randint': return randint(args[0], args[1], args[2]);
    case 'randperm': return randperm(args[0]);
    case 'uniform': return uniform(args[0], args[1], args[2]);
    case 'normal': return normal(args[0], args[1], args[2]);
    case 'dropout': return dropout(ones(args[0]), args[1], true);
    default: throw new Error(`unknown draw ${kind}`);
  }
}

test('after manualSeed, draws equal PyTorch for the same seed and sequence', () => {
  tidy(() => {
    manualSeed(fx.seed);
    for (const d of fx.draws) expectTensor(draw(d.kind, d.args), d.out, `${d.kind}(${JSON.stringify(d.args)})`, 1e-7, 0);
  });
});

test('the same seed gives the same draws and a different seed different ones', () => {
  tidy(() => {
    const sample = (): number[][] => [
      rand([50]).toArray(), randn([50]).toArray(), uniform([20], -3, 3).toArray(), normal([20], 1, 2).toArray(),
      randint(0, 1000, [20]).toArray(), randperm(30).toArray(), dropout(ones([64]), 0.5).toArray(),
    ];
    manualSeed(7);
    const a = sample();
    manualSeed(7);
    const b = sample();
    assert.deepEqual(a, b);
    manualSeed(8);
    const c = sample();
    a.forEach((xs, k) => assert.notDeepEqual(xs, c[k], `draw ${k} differs for another seed`));
  });
});

test('getRngState/setRngState replays the draws that followed', () => {
  tidy(() => {
    manualSeed(99);
    rand([3]);
    const state = getRngState();
    assert.equal(state.dtype, 'uint8');
    assert.ok(state.numel() > 0);
    const first = [rand([10]).toArray(), randn([25]).toArray(), randperm(12).toArray()];
    const next = rand([10]).toArray();
    setRngState(state);
    const again = [rand([10]).toArray(), randn([25]).toArray(), randperm(12).toArray()];
    assert.deepEqual(again, first);
    assert.deepEqual(rand([10]).toArray(), next, 'the sequence continues identically');
  });
});

/** Mean and (population) variance of a tensor's values. */
function moments(t: Tensor): { mean: number; variance: number; min: number; max: number } {
  const v = t.toArray();
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    s += x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = s / v.length;
  let q = 0;
  for (const x of v) q += (x - mean) ** 2;
  return { mean, variance: q / v.length, min, max };
}

test('moments of rand, randn, uniform and normal are within statistical tolerance', () => {
  tidy(() => {
    manualSeed(2024);
    const n = 200_000;
    // tolerances: 6 standard errors of the mean; variance tolerance 6 * sqrt(Var(x^2)/n) (loose bound)
    const check = (name: string, t: Tensor, mean: number, variance: number, lo: number, hi: number): void => {
      const m = moments(t);
      const se = Math.sqrt(variance / n);
      assert.ok(Math.abs(m.mean - mean) < 6 * se, `${name}: mean ${m.mean}, expected ${mean} ± ${6 * se}`);
      assert.ok(Math.abs(m.variance - variance) < 6 * variance * Math.sqrt(2 / n) * 1.5, `${name}: variance ${m.variance}, expected ${variance}`);
      assert.ok(m.min >= lo && m.max < hi, `${name}: range [${m.min}, ${m.max}] outside [${lo}, ${hi})`);
      assert.equal(t.numel(), n);
    };
    check('rand', rand([n]), 0.5, 1 / 12, 0, 1);
    check('rand float64', rand([n], { dtype: 'float64' }), 0.5, 1 / 12, 0, 1);
    check('randn', randn([400, 500]), 0, 1, -10, 10);
    check('uniform(-2, 3)', uniform([n], -2, 3), 0.5, 25 / 12, -2, 3);
    check('normal(3, 2)', normal([n], 3, 2), 3, 4, -20, 30);
    check('normal float64', normal([n], -1, 0.5, { dtype: 'float64' }), -1, 0.25, -10, 10);
    check('uniform_ in place', empty([n]).uniform_(10, 11), 10.5, 1 / 12, 10, 11);
  });
});

test('randint covers [low, high) uniformly; randperm is a permutation', () => {
  tidy(() => {
    manualSeed(5);
    const r = randint(-3, 4, [70_000]);
    assert.equal(r.dtype, 'int64');
    const counts = new Map<number, number>();
    for (const v of r.toArray()) counts.set(v, (counts.get(v) ?? 0) + 1);
    assert.deepEqual([...counts.keys()].sort((a, b) => a - b), [-3, -2, -1, 0, 1, 2, 3]);
    for (const [v, c] of counts) assert.ok(Math.abs(c - 10_000) < 600, `value ${v} drawn ${c} times`);
    const p = randperm(1000);
    assert.equal(p.dtype, 'int64');
    assert.deepEqual(p.toArray().sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
    assert.notDeepEqual(p.toArray(), Array.from({ length: 1000 }, (_, i) => i), 'not the identity');
  });
});

test('dropout in training zeroes about p of the elements and scales the rest by 1/(1-p)', () => {
  tidy(() => {
    manualSeed(11);
    const n = 100_000;
    const y = dropout(ones([n]), 0.3, true).toArray();
    const zeros = y.filter((v) => v === 0).length;
    assert.ok(Math.abs(zeros / n - 0.3) < 6 * Math.sqrt(0.21 / n), `zero fraction ${zeros / n}`);
    const scale = Math.fround(1 / 0.7);
    assert.ok(y.every((v) => v === 0 || Math.abs(v - scale) < 1e-6), 'kept elements are scaled');
  });
});

test('random ops leave no live tensors behind a tidy()', () => {
  const before = memory().liveTensors;
  tidy(() => {
    for (const d of fx.draws) draw(d.kind, d.args);
    setRngState(getRngState());
  });
  assert.equal(memory().liveTensors, before);
});
