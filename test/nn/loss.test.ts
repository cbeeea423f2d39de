// Gluon losses (spec §4.1) against numpy fixtures computed from MXNet 1.9.1's formulas: per-sample (B,) values,
// sample weights, mean over every non-batch axis, pick's clip mode for -1 labels, and the CE gradient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tidy, ones } from '../../src/tensor/index.js';
import { SoftmaxCrossEntropyLoss, HuberLoss, L1Loss, L2Loss } from '../../src/nn/index.js';
import { assertClose, loadFixture } from '../helpers.js';
import { fromSpec, type ArraySpec } from './util.js';

type Case = Record<string, ArraySpec>;
const F = loadFixture<{ ce: Case; huber: Case; l1: Case; l2: Case }>('nn_losses.json');

test('SoftmaxCrossEntropyLoss: sparse labels, -1 read as class 0, mask weights, mean over N (B,)', () => {
  tidy(() => {
    const ce = new SoftmaxCrossEntropyLoss();
    const pred = fromSpec(F.ce.pred!);
    const label = fromSpec(F.ce.label!);
    const mask = fromSpec(F.ce.mask!);
    const plain = ce.forward(pred, label);
    assert.deepEqual(plain.shape, [2]);
    assertClose(plain, F.ce.plain!.data, 1e-5, 1e-6, 'plain');
    assertClose(ce.forward(pred, label, mask), F.ce.masked!.data, 1e-5, 1e-6, 'masked (denominator stays N)');
    assertClose(new SoftmaxCrossEntropyLoss({ weight: 0.5 }).forward(pred, label, mask), F.ce.weighted!.data, 1e-5, 1e-6, 'weight 0.5');
    assertClose(ce.forward(pred, label.long()), F.ce.plain!.data, 1e-5, 1e-6, 'int64 labels');
    assertClose(new SoftmaxCrossEntropyLoss({ sparseLabel: false }).forward(pred, fromSpec(F.ce.dist!)), F.ce.dense!.data, 1e-5, 1e-6, 'dense labels');
    const predAxis1 = pred.permute(0, 2, 1);
    assertClose(new SoftmaxCrossEntropyLoss({ axis: 1 }).forward(predAxis1, label), F.ce.axis1!.data, 1e-5, 1e-6, 'axis 1');
    assertClose(new SoftmaxCrossEntropyLoss({ fromLogits: true }).forward(pred.logSoftmax(-1), label), F.ce.plain!.data, 1e-5, 1e-6, 'fromLogits');
  });
});

test('SoftmaxCrossEntropyLoss gradient: w / N * (softmax - onehot)', () => {
  tidy(() => {
    const pred = fromSpec(F.ce.pred!).requiresGrad_();
    new SoftmaxCrossEntropyLoss().forward(pred, fromSpec(F.ce.label!), fromSpec(F.ce.mask!)).sum().backward();
    assertClose(pred.grad!, F.ce.maskedGrad!.data, 1e-4, 1e-7, 'dL/dpred');
  });
});

test('HuberLoss(rho): quadratic below rho, linear above, with masks (B,)', () => {
  tidy(() => {
    const pred = fromSpec(F.huber.pred!);
    const label = fromSpec(F.huber.label!);
    const mask = fromSpec(F.huber.mask!);
    const out = new HuberLoss().forward(pred, label);
    assert.deepEqual(out.shape, [2]);
    assertClose(out, F.huber.rho1!.data, 1e-5, 1e-6, 'rho 1');
    assertClose(new HuberLoss({ rho: 1 }).forward(pred, label, mask), F.huber.rho1Masked!.data, 1e-5, 1e-6, 'rho 1 masked');
    assertClose(new HuberLoss({ rho: 0.5 }).forward(pred, label, mask), F.huber.rho05Masked!.data, 1e-5, 1e-6, 'rho 0.5 masked');
    // the tutorial's rescale: Huber mean * (N * 4) recovers the per-image sum
    const perImageSum = new HuberLoss().forward(pred, label, mask).mul(pred.shape[1]! * 4);
    assertClose(perImageSum, F.huber.rho1Masked!.data.map((v) => v * pred.shape[1]! * 4), 1e-5, 1e-6, 'rescaled');
  });
});

test('L1Loss and L2Loss (halved), with a broadcast sample weight and a scalar weight', () => {
  tidy(() => {
    const pred = fromSpec(F.l1.pred!);
    const label = fromSpec(F.l1.label!);
    const w = fromSpec(F.l1.weight!);
    assertClose(new L1Loss().forward(pred, label), F.l1.plain!.data, 1e-5, 1e-6, 'L1');
    assertClose(new L1Loss({ weight: 2 }).forward(pred, label, w), F.l1.weighted!.data, 1e-5, 1e-6, 'L1 weighted');
    assertClose(new L2Loss().forward(pred, label), F.l2.plain!.data, 1e-5, 1e-6, 'L2');
    assertClose(new L2Loss().forward(pred, label, w), F.l2.weighted!.data, 1e-5, 1e-6, 'L2 weighted');
    assert.deepEqual(new L2Loss().forward(pred, label).shape, [3]);
  });
});

test('a sample weight that would change the loss shape is refused', () => {
  tidy(() => {
    const pred = fromSpec(F.ce.pred!);
    const label = fromSpec(F.ce.label!);
    // (B, N) against the (B, N, 1) CE loss would broadcast to (B, N, N) under numpy rules
    assert.throws(() => new SoftmaxCrossEntropyLoss().forward(pred, label, ones([2, 6])), /sampleWeight of shape \[2, 6\] does not broadcast to the loss shape \[2, 6, 1\]/);
    assert.throws(() => new HuberLoss().forward(pred, pred.slice(2, 0, 2)), /label of shape \[2, 6, 2\] does not match pred of shape \[2, 6, 4\]/);
  });
});
