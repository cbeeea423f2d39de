// Autograd: finite-difference gradient checks (conv2d with dilation 6 / stride 2 / bias, maxPool2d in ceil mode,
// logSoftmax, a smooth-L1 composition, and more), gradients of compositions against torch, and the autograd API
// (requiresGrad, isLeaf, grad accumulation, retainGraph, retainGrad, detach, noGrad/enableGrad).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  conv2d, maxPool2d, avgPool2d, adaptiveAvgPool2d, batchNorm, linear, logSoftmax, nllLoss, huberLoss, where, cat, pad,
  fromTypedArray, tensor, ones, noGrad, enableGrad, isGradEnabled, tidy, memory, type Tensor,
} from '../../src/tensor/index.js';
import { loadFixture } from '../helpers.js';
import { fromSpec, expectTensor, type TensorSpec } from './fixture-tensors.js';
import { gradcheck, lcgValues, distinctValues } from './gradcheck.js';

/** A float64 tensor of pseudo-random values in [-scale, scale). */
function rnd(shape: number[], seed: number, scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return fromTypedArray(lcgValues(n, seed).map((v) => v * scale), shape);
}
function distinct(shape: number[], seed = 7): Tensor {
  return fromTypedArray(distinctValues(shape.reduce((a, b) => a * b, 1), 0.125, seed), shape);
}

function smoothL1(x: Tensor, t: Tensor): Tensor {
  const d = x.sub(t);
  const ad = d.abs();
  return where(ad.lt(1), d.square().mul(0.5), ad.sub(0.5)).sum();
}

test('gradcheck: conv2d with dilation 6, padding 6 and bias', () => {
  tidy(() => {
    const r = gradcheck((x, w, b) => conv2d(x, w, b, { padding: 6, dilation: 6 }), [rnd([1, 2, 13, 13], 1), rnd([3, 2, 3, 3], 2), rnd([3], 3)]);
    assert.ok(r.analytic.every((g) => g.some((v) => v !== 0)), 'gradients are not trivially zero');
  });
});

test('gradcheck: conv2d with stride 2, padding 1 and bias; groups 2 with asymmetric stride', () => {
  tidy(() => {
    gradcheck((x, w, b) => conv2d(x, w, b, { stride: 2, padding: 1 }), [rnd([2, 2, 7, 7], 4), rnd([3, 2, 3, 3], 5), rnd([3], 6)]);
    gradcheck((x, w) => conv2d(x, w, null, { stride: [2, 1], padding: [0, 1], groups: 2 }), [rnd([1, 4, 6, 5], 7), rnd([4, 2, 3, 2], 8)]);
  });
});

test('gradcheck: maxPool2d in ceil mode (inputs without ties)', () => {
  tidy(() => {
    const r = gradcheck((x) => maxPool2d(x, { kernelSize: 2, stride: 2, ceilMode: true }), [distinct([1, 2, 7, 7])]);
    // every window (including the partial ones at the ceil-mode border) routes its gradient to one input
    assert.equal(r.analytic[0]!.filter((v) => v !== 0).length, 2 * 4 * 4);
    gradcheck((x) => maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }), [distinct([1, 1, 8, 8], 9)]);
  });
});

test('gradcheck: logSoftmax over the last and the first dimension', () => {
  tidy(() => {
    gradcheck((x) => logSoftmax(x, -1), [rnd([3, 5], 11, 3)]);
    gradcheck((x) => logSoftmax(x, 0), [rnd([3, 5], 12, 3)]);
  });
});

test('gradcheck: smooth-L1 written with where(|d| < 1, 0.5 d^2, |d| - 0.5), summed', () => {
  tidy(() => {
    // differences kept away from the kinks at 0 and ±1
    const d = [0.3, -0.6, 1.7, -2.4, 0.85, -0.15, 3.1, -1.3];
    const t = rnd([8], 13);
    const x = t.add(tensor(d, { dtype: 'float64' }));
    gradcheck(smoothL1, [x, t]);
    // and the gradient itself: d/dx = d where |d| < 1, sign(d) elsewhere
    const xl = x.clone().requiresGrad_();
    smoothL1(xl, t).backward();
    const expected = d.map((v) => (Math.abs(v) < 1 ? v : Math.sign(v)));
    xl.grad!.toArray().forEach((g, i) => assert.ok(Math.abs(g - expected[i]!) < 1e-12, `d/dx[${i}] = ${g}, expected ${expected[i]}`));
    assert.ok(Math.abs(smoothL1(x, t).item() - huberLoss(x, t, 1, 'sum').item()) < 1e-12, 'equals huberLoss(delta 1)');
  });
});

test('gradcheck: other differentiable ops used by SSD', () => {
  tidy(() => {
    gradcheck((x) => avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [rnd([1, 1, 6, 6], 14)]);
    gradcheck((x) => adaptiveAvgPool2d(x, [2, 3]), [rnd([1, 2, 5, 7], 15)]);
    gradcheck((x, w, b) => batchNorm(x, null, null, { weight: w, bias: b, training: true }), [rnd([4, 3, 2, 2], 16, 2), rnd([3], 17), rnd([3], 18)]);
    gradcheck((x, w, b) => linear(x, w, b).sigmoid().mul(linear(x, w, b).tanh()), [rnd([4, 3], 19), rnd([5, 3], 20), rnd([5], 21)]);
    const y = tensor([1, 0, 3, 3, 2]);
    const cw = tensor([1, 2, 0.5, 3], { dtype: 'float64' });
    gradcheck((x) => nllLoss(logSoftmax(x, 1), y, { weight: cw, reduction: 'mean' }), [rnd([5, 4], 22, 2)]);
    gradcheck((x, t) => huberLoss(x, t, 1, 'mean'), [rnd([6], 23, 3), rnd([6], 24, 3)]);
    gradcheck((a, b) => a.matmul(b).exp().add(1).log().div(b.square().sum().add(1).sqrt()), [rnd([2, 3], 25), rnd([3, 4], 26)]);
    const gi = tensor([[0, 2], [1, 1], [3, 0]]);
    gradcheck((x) => cat([x.gather(1, gi), x.indexSelect(0, tensor([2, 2])).narrow(1, 1, 2)], 0).softmax(0), [rnd([3, 4], 27)]);
    gradcheck((x) => pad(x, [1, 2, 0, 1], 0.5).relu().permute(1, 0).reshape(-1).cumsum(0), [rnd([2, 3], 28)]);
  });
});

test('gradcheck itself detects a wrong gradient', () => {
  tidy(() => {
    // backward only sees one factor of x * x (the other is detached): analytic x vs numeric 2x
    assert.throws(() => gradcheck((x) => x.detach().mul(x), [rnd([4], 29)]), /gradcheck: \d+ gradient elements disagree/);
    assert.throws(() => gradcheck((x) => x.mul(2), [tensor([1, 2], { dtype: 'float32' })]), /must be float64/);
  });
});

interface AutogradFixture {
  [name: string]: Record<string, TensorSpec>;
}
const afx = loadFixture<AutogradFixture>('tensor_autograd.json');

test('gradients of compositions equal torch (mlp, conv+ceil pool, indexing, batch norm)', () => {
  tidy(() => {
    const leaf = (s: TensorSpec): Tensor => fromSpec(s).requiresGrad_();
    const m = afx.mlp!;
    const [x, W, b] = [leaf(m.x!), leaf(m.W!), leaf(m.b!)];
    const loss = nllLoss(logSoftmax(linear(x, W, b).relu(), 1), fromSpec(m.y!), { reduction: 'mean' });
    loss.backward();
    expectTensor(loss, m.loss!, 'mlp loss', 1e-10, 1e-12);
    expectTensor(x.grad!, m.gx!, 'mlp dx', 1e-10, 1e-12);
    expectTensor(W.grad!, m.gW!, 'mlp dW', 1e-10, 1e-12);
    expectTensor(b.grad!, m.gb!, 'mlp db', 1e-10, 1e-12);

    const c = afx.conv_pool!;
    const [cx, cw] = [leaf(c.x!), leaf(c.w!)];
    const closs = maxPool2d(conv2d(cx, cw, null, { padding: 1 }), { kernelSize: 2, stride: 2, ceilMode: true }).mul(fromSpec(c.v!)).sum();
    closs.backward();
    expectTensor(closs, c.loss!, 'conv_pool loss', 1e-10, 1e-12);
    expectTensor(cx.grad!, c.gx!, 'conv_pool dx', 1e-10, 1e-12);
    expectTensor(cw.grad!, c.gw!, 'conv_pool dw', 1e-10, 1e-12);

    const ix = afx.indexing!;
    const xi = leaf(ix.x!);
    const iloss = xi.gather(1, fromSpec(ix.index!)).mul(fromSpec(ix.c!)).sum()
      .add(xi.index([fromSpec(ix.mask!)]).square().sum())
      .add(xi.indexSelect(0, tensor([2, 2])).sum());
    iloss.backward();
    expectTensor(iloss, ix.loss!, 'indexing loss', 1e-10, 1e-12);
    expectTensor(xi.grad!, ix.gx!, 'indexing dx', 1e-10, 1e-12);

    const bn = afx.batchnorm_train!;
    const [bx, bw, bb] = [leaf(bn.x!), leaf(bn.weight!), leaf(bn.bias!)];
    const bloss = batchNorm(bx, null, null, { weight: bw, bias: bb, training: true }).mul(fromSpec(bn.v!)).sum();
    bloss.backward();
    expectTensor(bloss, bn.loss!, 'batchnorm loss', 1e-10, 1e-12);
    expectTensor(bx.grad!, bn.gx!, 'batchnorm dx', 1e-8, 1e-10);
    expectTensor(bw.grad!, bn.gweight!, 'batchnorm dweight', 1e-8, 1e-10);
    expectTensor(bb.grad!, bn.gbias!, 'batchnorm dbias', 1e-8, 1e-10);
  });
});

test('requiresGrad, isLeaf, and grad before and after backward', () => {
  tidy(() => {
    const x = tensor([1, 2, 3], { dtype: 'float32' });
    assert.equal(x.requiresGrad, false);
    assert.equal(x.requiresGrad_(), x);
    assert.equal(x.requiresGrad, true);
    assert.equal(x.isLeaf, true);
    assert.equal(x.grad, null);
    const y = x.mul(x).sum();
    assert.equal(y.requiresGrad, true);
    assert.equal(y.isLeaf, false);
    y.backward();
    assert.deepEqual(x.grad!.toArray(), [2, 4, 6]);
    const z = tensor([1], { dtype: 'float32' });
    z.requiresGrad = true;
    assert.equal(z.requiresGrad, true);
    z.requiresGrad = false;
    assert.equal(z.requiresGrad, false);
  });
});

test('gradients accumulate across backward calls; retainGraph allows a second pass; zeroGrad clears', () => {
  tidy(() => {
    const x = tensor([1, -2], { dtype: 'float32' }).requiresGrad_();
    const y = x.mul(3).sum();
    y.backward(null, { retainGraph: true });
    y.backward();
    assert.deepEqual(x.grad!.toArray(), [6, 6]);
    const sq = x.mul(x).sum(); // saves x for its backward, which frees it
    sq.backward();
    assert.throws(() => sq.backward(), /^Error: backward: .*(second time|freed)/is, 'a freed graph cannot be re-run');
    x.zeroGrad();
    assert.equal(x.grad, null);
    x.mul(x).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [2, -4]);
    x.grad = tensor([10, 10], { dtype: 'float32' });
    assert.deepEqual(x.grad!.toArray(), [10, 10]);
    x.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [11, 11], 'accumulates onto a set gradient');
    x.grad = null;
    assert.equal(x.grad, null);
  });
});

test('backward with an explicit gradient for a non-scalar output', () => {
  tidy(() => {
    const x = tensor([[1, 2], [3, 4]], { dtype: 'float64' }).requiresGrad_();
    x.square().backward(tensor([[1, 0], [0.5, -1]], { dtype: 'float64' }));
    assert.deepEqual(x.grad!.tolist(), [[2, 0], [3, -8]]);
  });
});

test('retainGrad keeps the gradient of a non-leaf', () => {
  tidy(() => {
    const x = tensor([1, 2], { dtype: 'float32' }).requiresGrad_();
    const h = x.mul(2);
    h.retainGrad();
    h.square().sum().backward();
    assert.deepEqual(h.grad!.toArray(), [4, 8]);
    assert.deepEqual(x.grad!.toArray(), [8, 16]);
  });
});

test('detach and detach_ stop gradient flow', () => {
  tidy(() => {
    const x = tensor([2, 3], { dtype: 'float32' }).requiresGrad_();
    const d = x.detach();
    assert.equal(d.requiresGrad, false);
    x.mul(d).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [2, 3], 'only the non-detached factor contributes');
    const h = x.mul(2);
    h.detach_();
    assert.equal(h.requiresGrad, false);
    assert.equal(h.isLeaf, true);
    d.fill_(0);
    assert.deepEqual(x.toArray(), [0, 0], 'detach shares storage with the original');
  });
});

test('noGrad disables recording; enableGrad re-enables it inside; both restore the mode after a throw', () => {
  tidy(() => {
    const x = ones([2]).requiresGrad_();
    assert.equal(isGradEnabled(), true);
    const y = noGrad(() => {
      assert.equal(isGradEnabled(), false);
      const inner = enableGrad(() => x.mul(2));
      assert.equal(inner.requiresGrad, true);
      return x.mul(2);
    });
    assert.equal(y.requiresGrad, false);
    assert.equal(isGradEnabled(), true);
    assert.throws(() => noGrad(() => { throw new Error('boom'); }), /boom/);
    assert.equal(isGradEnabled(), true, 'restored after an exception');
  });
});

test('autograd leaves no live tensors behind a tidy()', () => {
  const before = memory().liveTensors;
  tidy(() => {
    const x = tensor([1, 2], { dtype: 'float32' }).requiresGrad_();
    const h = x.mul(2);
    h.retainGrad();
    h.exp().sum().backward();
    void x.grad;
    void h.grad;
    x.detach();
  });
  assert.equal(memory().liveTensors, before);
});
