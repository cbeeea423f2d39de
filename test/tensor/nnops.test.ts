// Linear algebra and neural-network ops against float64 references: matmul/mm/bmm/linear (numpy), conv2d with
// stride, padding, dilation 6, groups and asymmetric options, max/avg pooling incl. ceil mode (75 -> 38),
// adaptive average pooling, batch norm in eval and training (running-stat update), dropout, Huber and NLL losses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  matmul, linear, conv2d, maxPool2d, avgPool2d, adaptiveAvgPool2d, batchNorm, dropout, huberLoss, nllLoss, tidy,
  memory, type Tensor,
} from '../../src/tensor/index.js';
import { loadFixture } from '../helpers.js';
import { decode, expectOut, type OpCase } from './fixture-tensors.js';

const fx = loadFixture<{ cases: OpCase[] }>('tensor_nnops.json');

/** Each entry returns the outputs the fixture lists (batchNorm: output, then the running stats after the call). */
const OPS: Record<string, (args: any[], opts: any) => Tensor | Tensor[]> = {
  matmul: ([a, b]) => matmul(a, b),
  mm: ([a, b]) => a.mm(b),
  bmm: ([a, b]) => a.bmm(b),
  linear: ([x, w, b]) => linear(x, w, b),
  conv2d: ([x, w, b], o) => conv2d(x, w, b, o),
  maxPool2d: ([x], o) => maxPool2d(x, o),
  avgPool2d: ([x], o) => avgPool2d(x, o),
  adaptiveAvgPool2d: ([x], o) => adaptiveAvgPool2d(x, o.outputSize),
  batchNorm: ([x, rm, rv], o) => {
    const y = batchNorm(x, rm, rv, o);
    return rm === null ? [y] : [y, rm, rv];
  },
  dropout: ([x, p, training]) => dropout(x, p, training),
  huberLoss: ([x, t, delta, reduction]) => huberLoss(x, t, delta, reduction),
  nllLoss: ([lp, y], o) => nllLoss(lp, y, o),
};

test('nn ops match float64 references', async (t) => {
  for (const c of fx.cases) {
    await t.test(c.name, () => {
      tidy(() => {
        const fn = OPS[c.op];
        assert.ok(fn, `no mapping for op ${c.op}`);
        const out = fn(decode(c.args), decode(c.opts ?? {}));
        expectOut(out, c.out, c.name, 1e-4, 1e-5);
      });
    });
  }
});

test('maxPool2d in ceil mode maps 75x75 to 38x38 and floor mode to 37x37', () => {
  const names = fx.cases.map((c) => c.name);
  assert.ok(names.includes('maxPool2d ceil 75 -> 38'));
  tidy(() => {
    const c = fx.cases.find((k) => k.name === 'maxPool2d ceil 75 -> 38')!;
    const [x] = decode(c.args) as [Tensor];
    assert.deepEqual(maxPool2d(x, { kernelSize: 2, stride: 2, ceilMode: true }).shape, [1, 1, 38, 38]);
    assert.deepEqual(maxPool2d(x, { kernelSize: 2, stride: 2 }).shape, [1, 1, 37, 37]);
    assert.deepEqual(avgPool2d(x, { kernelSize: 2, stride: 2, ceilMode: true }).shape, [1, 1, 38, 38]);
  });
});

test('batchNorm in eval mode leaves the running statistics unchanged', () => {
  tidy(() => {
    const c = fx.cases.find((k) => k.name === 'batchNorm eval affine')!;
    const [x, rm, rv] = decode(c.args) as Tensor[];
    const before = [rm!.toArray(), rv!.toArray()];
    batchNorm(x!, rm!, rv!, { ...decode(c.opts), training: false });
    assert.deepEqual([rm!.toArray(), rv!.toArray()], before);
  });
});

test('nn ops leave no live tensors behind a tidy()', () => {
  const before = memory().liveTensors;
  tidy(() => {
    for (const c of fx.cases) OPS[c.op]!(decode(c.args), decode(c.opts ?? {}));
  });
  assert.equal(memory().liveTensors, before);
});
