// Reductions against numpy fixtures: sum/mean/prod/max/min/amax/amin/argmax/argmin/any/all/cumsum/logsumexp/
// std/var/norm/countNonzero/softmax/logSoftmax, with dim lists, negative dims, keepdim, int/bool dtypes and ties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tidy, memory, tensor, type Tensor } from '../../src/tensor/index.js';
import { loadFixture } from '../helpers.js';
import { decode, expectOut, type OpCase } from './fixture-tensors.js';

const fx = loadFixture<{ cases: OpCase[] }>('tensor_reductions.json');

/** A missing dim in the fixture is encoded as a shorter argument list; null dims mean "all". */
const OPS: Record<string, (x: Tensor, ...a: any[]) => Tensor | Tensor[]> = {
  sum: (x, d, k) => (d === undefined ? x.sum() : x.sum(d, k)),
  mean: (x, d, k) => (d === undefined ? x.mean() : x.mean(d, k)),
  prod: (x, d, k) => x.prod(d, k),
  max: (x, d, k) => (d === undefined ? x.max() : x.max(d, k)),
  min: (x, d, k) => (d === undefined ? x.min() : x.min(d, k)),
  amax: (x, d, k) => x.amax(d, k),
  amin: (x, d, k) => x.amin(d, k),
  argmax: (x, d, k) => x.argmax(d, k),
  argmin: (x, d, k) => x.argmin(d, k),
  any: (x, d, k) => x.any(d, k),
  all: (x, d, k) => x.all(d, k),
  cumsum: (x, d) => x.cumsum(d),
  logsumexp: (x, d, k) => x.logsumexp(d, k),
  std: (x, d, u, k) => x.std(d, u, k),
  var: (x, d, u, k) => x.var(d, u, k),
  norm: (x, p) => x.norm(p),
  countNonzero: (x, d) => x.countNonzero(d),
  softmax: (x, d) => x.softmax(d),
  logSoftmax: (x, d) => x.logSoftmax(d),
};

test('reductions match numpy (values, dtypes, shapes, first index on ties)', async (t) => {
  for (const c of fx.cases) {
    await t.test(c.name, () => {
      tidy(() => {
        const fn = OPS[c.op];
        assert.ok(fn, `no mapping for op ${c.op}`);
        const [x, ...rest] = decode(c.args) as [Tensor, ...unknown[]];
        expectOut(fn(x, ...rest), c.out, c.name, 1e-5, 1e-5);
      });
    });
  }
});

test('every reduction of the op table is exercised by the fixture', () => {
  const ops = new Set(fx.cases.map((c) => c.op));
  for (const op of Object.keys(OPS)) assert.ok(ops.has(op), `${op} covered`);
});

test('softmax rows sum to one and logSoftmax equals log(softmax)', () => {
  tidy(() => {
    const x = tensor([[1, 2, 3], [-2, 0, 0.5]], { dtype: 'float32' });
    const s = x.softmax(-1);
    for (const v of s.sum(-1).toArray()) assert.ok(Math.abs(v - 1) < 1e-6, `row sum ${v}`);
    const diff = s.log().sub(x.logSoftmax(-1)).abs().max().item();
    assert.ok(diff < 1e-6, `|log softmax - logSoftmax| = ${diff}`);
    const far = tensor([[-200, 0, 200]], { dtype: 'float32' });
    assert.deepEqual(far.logSoftmax(1).toArray(), [-400, -200, 0], 'logSoftmax stays finite where softmax underflows');
  });
});

test('reductions leave no live tensors behind a tidy()', () => {
  const before = memory().liveTensors;
  tidy(() => {
    for (const c of fx.cases) {
      const [x, ...rest] = decode(c.args) as [Tensor, ...unknown[]];
      OPS[c.op]!(x, ...rest);
    }
  });
  assert.equal(memory().liveTensors, before);
});
