// Elementwise ops against numpy fixtures: binary ops with broadcasting and scalars, type promotion (dtypes from
// torch), comparisons and logical ops, where, clamp, every unary op (with nan/inf inputs) and the in-place ops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { where, maximum, minimum, tidy, memory, tensor, Tensor } from '../../src/tensor/index.js';
import { loadFixture } from '../helpers.js';
import { decode, expectOut, runOpCases, type OpCase } from './fixture-tensors.js';

const fx = loadFixture<{ cases: OpCase[]; inplace: OpCase[] }>('tensor_elementwise.json');

type Op = (...a: any[]) => Tensor;
const UNARY = [
  'neg', 'exp', 'expm1', 'log', 'log1p', 'sqrt', 'rsqrt', 'square', 'abs', 'sign', 'floor', 'ceil', 'round', 'trunc',
  'reciprocal', 'sigmoid', 'tanh', 'sin', 'cos', 'relu', 'logicalNot', 'isnan', 'isinf', 'isfinite',
] as const;

const OPS: Record<string, Op> = {
  add: (a, b, alpha) => a.add(b, alpha),
  sub: (a, b, alpha) => a.sub(b, alpha),
  rsub: (a, b, alpha) => a.rsub(b, alpha),
  mul: (a, b) => a.mul(b),
  div: (a, b) => a.div(b),
  floorDivide: (a, b) => a.floorDivide(b),
  remainder: (a, b) => a.remainder(b),
  pow: (a, b) => a.pow(b),
  maximum: (a, b) => maximum(a, b),
  minimum: (a, b) => minimum(a, b),
  eq: (a, b) => a.eq(b),
  ne: (a, b) => a.ne(b),
  lt: (a, b) => a.lt(b),
  le: (a, b) => a.le(b),
  gt: (a, b) => a.gt(b),
  ge: (a, b) => a.ge(b),
  logicalAnd: (a, b) => a.logicalAnd(b),
  logicalOr: (a, b) => a.logicalOr(b),
  logicalXor: (a, b) => a.logicalXor(b),
  where: (c, a, b) => where(c, a, b),
  clamp: (a, lo, hi) => a.clamp(lo, hi),
  clampMin: (a, lo) => a.clampMin(lo),
  clampMax: (a, hi) => a.clampMax(hi),
  leakyRelu: (a, s) => a.leakyRelu(s),
  ...Object.fromEntries(UNARY.map((n) => [n, (a: any) => a[n]()])),
};

/** In-place ops: each must return the very tensor it was called on. */
const INPLACE: Record<string, (t: Tensor, ...a: any[]) => Tensor> = {
  add_: (t, b, alpha) => t.add_(b, alpha),
  sub_: (t, b, alpha) => t.sub_(b, alpha),
  mul_: (t, b) => t.mul_(b),
  div_: (t, b) => t.div_(b),
  addcmul_: (t, a, b, v) => t.addcmul_(a, b, v),
  addcdiv_: (t, a, b, v) => t.addcdiv_(a, b, v),
  copy_: (t, s) => t.copy_(s),
  fill_: (t, v) => t.fill_(v),
  zero_: (t) => t.zero_(),
  clamp_: (t, lo, hi) => t.clamp_(lo, hi),
  relu_: (t) => t.relu_(),
  exp_: (t) => t.exp_(),
  sqrt_: (t) => t.sqrt_(),
  neg_: (t) => t.neg_(),
  maskedFill_: (t, m, v) => t.maskedFill_(m, v),
  indexPut_: (t, idx, v, acc) => t.indexPut_(idx, v, acc),
};

test('elementwise ops match numpy values and torch result dtypes', async (t) => {
  await runOpCases(t, fx.cases, OPS, 2e-6, 1e-6);
});

test('every unary op of the table is covered by the fixture, also on special values', () => {
  const names = new Set(fx.cases.map((c) => c.name));
  for (const op of UNARY) {
    assert.ok(names.has(op), `${op} covered`);
    assert.ok(names.has(`${op} special`), `${op} on nan/inf covered`);
  }
});

test('in-place ops update and return the same tensor', async (t) => {
  for (const c of fx.inplace) {
    await t.test(c.name, () => {
      tidy(() => {
        const fn = INPLACE[c.op];
        assert.ok(fn, `no mapping for op ${c.op}`);
        const [self, ...rest] = decode(c.args) as [Tensor, ...unknown[]];
        const r = fn(self, ...rest);
        assert.equal(r, self, 'returns this');
        expectOut(self, c.out, c.name, 2e-6, 1e-6);
      });
    });
  }
});

test('in-place ops on a view write through to the base tensor', () => {
  tidy(() => {
    const base = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float32' });
    base.select(0, 1).mul_(10);
    base.slice(1, 0, 1).fill_(-1);
    assert.deepEqual(base.tolist(), [[-1, 2, 3], [-1, 50, 60]]);
  });
});

test('binary ops do not modify their inputs', () => {
  tidy(() => {
    const a = tensor([1, 2], { dtype: 'float32' });
    const b = tensor([3, 4], { dtype: 'float32' });
    a.add(b).mul(2).sub(a).div(b);
    where(a.gt(1), a, b);
    a.clamp(0, 1);
    assert.deepEqual(a.toArray(), [1, 2]);
    assert.deepEqual(b.toArray(), [3, 4]);
  });
});

test('elementwise ops leave no live tensors behind a tidy()', () => {
  const before = memory().liveTensors;
  tidy(() => {
    for (const c of fx.cases.slice(0, 40)) OPS[c.op]!(...decode(c.args));
    const x = tensor([1, -2], { dtype: 'float32' });
    x.clamp(tensor([0, 0], { dtype: 'float32' }), 0.5);
    x.clamp(null, tensor(0.5));
  });
  assert.equal(memory().liveTensors, before);
});
