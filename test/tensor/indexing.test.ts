// Indexing ops against fixtures from explicit Python loops / numpy: gather, scatter (tensor and scalar), scatterAdd
// with duplicate indices, indexSelect, advanced index (int and bool), maskedFill/maskedSelect, nonzero, oneHot,
// stable sort and argsort with ties, topk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oneHot, tidy, memory, tensor, type Tensor } from '../../src/tensor/index.js';
import { loadFixture } from '../helpers.js';
import { decode, expectOut, runOpCases, type OpCase } from './fixture-tensors.js';

const fx = loadFixture<{ cases: OpCase[] }>('tensor_indexing.json');

const OPS: Record<string, (...a: any[]) => Tensor | Tensor[]> = {
  gather: (x, d, i) => x.gather(d, i),
  scatter: (x, d, i, s) => x.scatter(d, i, s),
  scatterAdd: (x, d, i, s) => x.scatterAdd(d, i, s),
  indexSelect: (x, d, i) => x.indexSelect(d, i),
  index: (x, is) => x.index(is),
  maskedFill: (x, m, v) => x.maskedFill(m, v),
  maskedSelect: (x, m) => x.maskedSelect(m),
  nonzero: (x) => x.nonzero(),
  oneHot: (i, n) => oneHot(i, n),
  sort: (x, d, desc, stable) => x.sort(d, desc, stable),
  argsort: (x, d, desc, stable) => x.argsort(d, desc, stable),
  topk: (x, k, d, largest, sorted) => x.topk(k, d, largest, sorted),
};

test('indexing ops match the reference loops', async (t) => {
  await runOpCases(t, fx.cases, OPS, 0, 0);
});

test('out-of-place indexing ops leave their input unchanged', () => {
  tidy(() => {
    const x = tensor([[1, 2], [3, 4]], { dtype: 'float32' });
    const idx = tensor([[1], [0]]);
    x.scatter(1, idx, 9);
    x.scatterAdd(1, idx, tensor([[1], [1]], { dtype: 'float32' }));
    x.maskedFill(x.gt(2), 0);
    assert.deepEqual(x.tolist(), [[1, 2], [3, 4]]);
  });
});

test('topk unsorted returns the same set as sorted', () => {
  tidy(() => {
    const x = tensor([0.3, 2.5, -1, 7, 4.25, 0], { dtype: 'float32' });
    const [v, i] = x.topk(3, -1, true, false);
    const pairs = v.toArray().map((val, k) => [val, i.toArray()[k]!]).sort((a, b) => b[0]! - a[0]!);
    assert.deepEqual(pairs, [[7, 3], [4.25, 4], [2.5, 1]]);
  });
});

test('indexing ops leave no live tensors behind a tidy()', () => {
  const before = memory().liveTensors;
  tidy(() => {
    for (const c of fx.cases) OPS[c.op]!(...decode(c.args));
  });
  assert.equal(memory().liveTensors, before);
});
