// Layers: Conv2D/Dense against the functional ops, pooling sizes (MXNet's 'full' convention), L2Normalization
// and BatchNorm against numpy fixtures from the MXNet formulas, Sequential and Activation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arange, conv2d, linear, randn, tensor, tidy, manualSeed, noGrad, maxPool2d, zeros } from '../../src/tensor/index.js';
import {
  Conv2D, Dense, MaxPool2D, AvgPool2D, GlobalAvgPool2D, BatchNorm, ReLU, Activation, L2Normalization, Normalize,
  Sequential, l2Normalization, pooledSize, init,
} from '../../src/nn/index.js';
import { assertClose, loadFixture } from '../helpers.js';
import { fromSpec, type ArraySpec } from './util.js';

const F = loadFixture<{
  l2norm: { x: ArraySpec; scale: number[]; out: ArraySpec };
  batchNorm: {
    gamma: number[]; beta: number[]; inputs: ArraySpec[]; trainOutputs: ArraySpec[];
    runningMean: number[]; runningVar: number[]; evalInput: ArraySpec; evalOutput: ArraySpec;
  };
}>('nn_layers.json');

test('Conv2D: parameter shapes from inChannels/groups, forward = conv2d with stride, padding, dilation, groups', () => {
  manualSeed(10);
  const fc6 = new Conv2D({ channels: 8, inChannels: 6, kernelSize: 3, padding: 6, dilation: 6 }).initialize();
  const grouped = new Conv2D({ channels: 4, inChannels: 6, kernelSize: [3, 1], strides: 2, padding: [1, 0], groups: 2, useBias: false }).initialize();
  try {
    assert.deepEqual(fc6.weight.shape, [8, 6, 3, 3]);
    assert.deepEqual(grouped.weight.shape, [4, 3, 3, 1]);
    assert.equal(grouped.bias, null);
    assert.equal(grouped.collectParams().size, 1);
    tidy(() => {
      const x = randn([2, 6, 19, 19]);
      const y = fc6.forward(x);
      assert.deepEqual(y.shape, [2, 8, 19, 19], 'dilation 6 with padding 6 keeps 19x19 (VGG fc6)');
      assertClose(y, conv2d(x, fc6.weight.data(), fc6.bias!.data(), { padding: 6, dilation: 6 }).toArray(), 1e-6, 1e-6, 'fc6');
      const g = grouped.forward(x);
      assert.deepEqual(g.shape, [2, 4, 10, 10]);
      assertClose(g, conv2d(x, grouped.weight.data(), null, { stride: 2, padding: [1, 0], groups: 2 }).toArray(), 1e-6, 1e-6, 'grouped');
      const relu = new Conv2D({ channels: 2, inChannels: 6, kernelSize: 1, activation: 'relu', weightInitializer: init.Normal(1) }).initialize();
      assert.ok(relu.forward(x).min().item() >= 0);
      relu.dispose();
    });
    assert.throws(() => new Conv2D({ channels: 3, inChannels: 6, kernelSize: 1, groups: 2 }), /divisible by groups/);
  } finally {
    fc6.dispose();
    grouped.dispose();
  }
});

test('Dense: y = x W^T + b, flattening (B, ...) inputs by default', () => {
  const d = new Dense({ units: 3, inUnits: 8 }).initialize(init.Normal(1));
  try {
    tidy(() => {
      d.bias!.setData(tensor([1, 2, 3]));
      const x = randn([2, 2, 2, 2]);
      const y = d.forward(x);
      assert.deepEqual(y.shape, [2, 3]);
      assertClose(y, linear(x.reshape(2, 8), d.weight.data(), d.bias!.data()).toArray(), 1e-6, 1e-6, 'dense');
    });
  } finally {
    d.dispose();
  }
});

test("MaxPool2D ceilMode follows MXNet's 'full' convention, including where libtorch would drop a window", () => {
  tidy(() => {
    assert.equal(pooledSize(75, 2, 2, 0, true), 38);
    assert.equal(pooledSize(75, 2, 2, 0, false), 37);
    assert.deepEqual(new MaxPool2D({ poolSize: 2, strides: 2, ceilMode: true }).forward(zeros([1, 1, 75, 75])).shape, [1, 1, 38, 38]);
    assert.deepEqual(new MaxPool2D().forward(zeros([1, 1, 75, 75])).shape, [1, 1, 37, 37]);
    assert.deepEqual(new MaxPool2D({ poolSize: 3, strides: 1, padding: 1, ceilMode: true }).forward(zeros([1, 2, 19, 19])).shape, [1, 2, 19, 19]);
    // in 5, k 2, s 2, p 1: MXNet 'full' gives ceil(5/2)+1 = 4 windows, libtorch's ceil mode 3
    const x = arange(25).float().reshape(1, 1, 5, 5);
    const y = new MaxPool2D({ poolSize: 2, strides: 2, padding: 1, ceilMode: true }).forward(x);
    assert.deepEqual(y.shape, [1, 1, 4, 4]);
    assert.deepEqual(maxPool2d(x, { kernelSize: 2, stride: 2, padding: 1, ceilMode: true }).shape, [1, 1, 3, 3]);
    assertClose(y.slice(2, 0, 3).slice(3, 0, 3), maxPool2d(x, { kernelSize: 2, stride: 2, padding: 1, ceilMode: true }).toArray(), 0, 0, 'shared windows');
  });
});

test('AvgPool2D and GlobalAvgPool2D average', () => {
  tidy(() => {
    const x = arange(16).float().reshape(1, 1, 4, 4);
    assert.deepEqual(new AvgPool2D().forward(x).toArray(), [2.5, 4.5, 10.5, 12.5]);
    const g = new GlobalAvgPool2D().forward(x);
    assert.deepEqual(g.shape, [1, 1, 1, 1]);
    assert.equal(g.item(), 7.5);
  });
});

test('L2Normalization: x / sqrt(sum_c x^2 + eps) * scale, eps inside the sqrt (numpy fixture)', () => {
  const n = new L2Normalization({ channels: 3 }).initialize();
  try {
    assert.equal(Normalize, L2Normalization);
    assert.deepEqual(n.scale.shape, [1, 3, 1, 1]);
    assert.deepEqual(n.scale.data().toArray(), [20, 20, 20], 'scale starts at 20');
    assert.equal(n.scale.name, 'normalize0_normalize_scale');
    n.scale.setData(tensor(F.l2norm.scale).reshape(1, 3, 1, 1));
    tidy(() => {
      const x = fromSpec(F.l2norm.x);
      const y = n.forward(x);
      assertClose(y, F.l2norm.out.data, 1e-5, 1e-6, 'L2Normalization');
      // at the tiny-norm position (n, h, w) = (0, 0, 0) eps matters: 20 * 1e-3 / sqrt(6e-6 + 1e-5) = 5, where
      // torchvision's x / max(||x||, 1e-12) would give 20 * 1e-3 / sqrt(6e-6) = 8.16
      const x0 = [0, 1, 2].map((c) => F.l2norm.x.data[c * 4]!);
      const ss = x0.reduce((a, v) => a + v * v, 0);
      assertClose([y.toArray()[0]!], [(20 * x0[0]!) / Math.sqrt(ss + 1e-5)], 1e-5, 0, 'eps inside the sqrt');
      assert.ok(Math.abs(y.toArray()[0]! - (20 * x0[0]!) / Math.sqrt(ss)) > 1, 'differs from F.normalize');
      y.sum().backward();
      assert.deepEqual(n.scale.grad()?.shape, [1, 3, 1, 1], 'the scale is trainable');
      // the functional form, instance mode: every sample has unit norm
      const inst = l2Normalization(randn([3, 4, 5]), { mode: 'instance' });
      assertClose(inst.square().sum([1, 2]), [1, 1, 1], 1e-5, 1e-6, 'instance norms');
    });
  } finally {
    n.dispose();
  }
});

test('BatchNorm: training uses batch statistics and moves running stats with momentum 0.9 and the biased variance', () => {
  const bn = new BatchNorm({ inChannels: 3 }).initialize();
  const B = F.batchNorm;
  try {
    bn.gamma.setData(tensor(B.gamma));
    bn.beta.setData(tensor(B.beta));
    bn.train();
    tidy(() => {
      B.inputs.forEach((inp, i) => assertClose(bn.forward(fromSpec(inp)), B.trainOutputs[i]!.data, 1e-4, 1e-5, `train output ${i}`));
    });
    assertClose(bn.runningMean.data(), B.runningMean, 1e-5, 1e-6, 'running mean');
    assertClose(bn.runningVar.data(), B.runningVar, 1e-5, 1e-6, 'running var');
    bn.eval();
    tidy(() => {
      assertClose(bn.forward(fromSpec(B.evalInput)), B.evalOutput.data, 1e-4, 1e-5, 'eval output');
      // inference does not move the running statistics
      bn.forward(fromSpec(B.inputs[0]!));
    });
    assertClose(bn.runningMean.data(), B.runningMean, 1e-5, 1e-6, 'running mean after eval');
    assert.equal(bn.runningMean.data().requiresGrad, false);
    assert.equal(bn.gamma.data().requiresGrad, true);
  } finally {
    bn.dispose();
  }
});

test('BatchNorm: a training batch of one value per channel moves the running variance towards 0 (biased), not NaN', () => {
  const bn = new BatchNorm({ inChannels: 3 }).initialize();
  try {
    bn.train();
    tidy(() => void bn.forward(tensor([[[[2]], [[-1]], [[0.5]]]])));
    assertClose(bn.runningMean.data(), [0.2, -0.1, 0.05], 1e-6, 1e-7, 'running mean: 0.9 * 0 + 0.1 * x');
    assertClose(bn.runningVar.data(), [0.9, 0.9, 0.9], 1e-6, 1e-7, 'running var: 0.9 * 1 + 0.1 * 0');
  } finally {
    bn.dispose();
  }
});

test('Sequential chains its blocks; Activation and ReLU apply their function', () => {
  manualSeed(11);
  const net = new Sequential();
  net.nameScope(() => net.add(new Conv2D({ channels: 4, inChannels: 2, kernelSize: 3, padding: 1 }), new ReLU(), new Activation('tanh'), new GlobalAvgPool2D()));
  net.initialize(init.Normal(1));
  try {
    assert.equal(net.length, 4);
    assert.ok(net.at(-1) instanceof GlobalAvgPool2D);
    assert.deepEqual([...net.namedParameters().keys()], ['0.weight', '0.bias']);
    tidy(() => {
      const x = randn([2, 2, 5, 5]);
      const conv = net.at(0) as Conv2D;
      const expected = noGrad(() => conv.forward(x).relu().tanh().mean([2, 3], true));
      assertClose(net.forward(x), expected.toArray(), 1e-6, 1e-6, 'sequential');
    });
    assert.match(net.toString(), /Sequential\(\n {2}\(0\): Conv2D\(2 -> 4, kernel_size=3x3, padding=\(1, 1\)\)\n {2}\(1\): ReLU\(relu\)/);
  } finally {
    net.dispose();
  }
});
