// Native memory: a module's parameters, gradients and optimizer state are freed by dispose(), and a training
// step in a tidy() scope leaves no tensors behind (memory().liveTensors).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, memory, randn, tidy, manualSeed, zeros } from '../../src/tensor/index.js';
import {
  Block, Conv2D, BatchNorm, L2Normalization, MaxPool2D, Sequential, ReLU, SoftmaxCrossEntropyLoss, HuberLoss, Trainer,
  clipGlobalNorm, init,
} from '../../src/nn/index.js';

class Net extends Block {
  readonly body: Sequential;
  readonly norm: L2Normalization;
  readonly cls: Conv2D;
  readonly box: Conv2D;
  constructor() {
    super();
    this.constant('initScale', [[[[58.395]], [[57.12]], [[57.375]]]]);
    const b = this.nameScope(() => {
      const body = new Sequential();
      body.nameScope(() =>
        body.add(
          new Conv2D({ channels: 8, inChannels: 3, kernelSize: 3, padding: 1 }),
          new BatchNorm({ inChannels: 8 }),
          new ReLU(),
          new MaxPool2D({ ceilMode: true }),
        ),
      );
      return {
        body,
        norm: new L2Normalization({ channels: 8 }),
        cls: new Conv2D({ channels: 3, inChannels: 8, kernelSize: 3, padding: 1, weightInitializer: init.Xavier({ magnitude: 2 }) }),
        box: new Conv2D({ channels: 4, inChannels: 8, kernelSize: 3, padding: 1, weightInitializer: init.Xavier({ magnitude: 2 }) }),
      };
    });
    this.body = this.registerChild('body', b.body);
    this.norm = this.registerChild('norm', b.norm);
    this.cls = this.registerChild('cls', b.cls);
    this.box = this.registerChild('box', b.box);
  }
  forward(x: Tensor): [Tensor, Tensor] {
    const f = this.norm.forward(this.body.forward(x));
    return [this.cls.forward(f).permute(0, 2, 3, 1).reshape(x.shape[0]!, -1, 3), this.box.forward(f).permute(0, 2, 3, 1).reshape(x.shape[0]!, -1, 4)];
  }
}

function step(net: Net, trainer: Trainer): void {
  tidy(() => {
    const x = randn([2, 3, 9, 9]);
    const [cls, box] = net.forward(x);
    const label = zeros([2, cls.shape[1]!]).add(1);
    const loss = new SoftmaxCrossEntropyLoss().forward(cls, label).add(new HuberLoss().forward(box, zeros(box.shape)));
    loss.sum().backward();
    clipGlobalNorm(trainer.params.map((p) => p.grad()).filter((g): g is Tensor => g !== null), 10);
  });
  trainer.step(2);
}

test('training steps leave no tensors behind; dispose() frees parameters and optimizer state', () => {
  manualSeed(3);
  const baseline = memory().liveTensors;
  const net = new Net().initialize().train();
  const trainer = new Trainer(net.collectParams(), 'sgd', { learningRate: 0.01, momentum: 0.9, wd: 5e-4 });
  const nParams = net.collectParams().size;
  assert.equal(memory().liveTensors, baseline + nParams, 'one tensor per parameter');
  step(net, trainer);
  const steady = memory().liveTensors;
  const trainable = net.collectParams().trainable().length;
  assert.equal(steady, baseline + nParams + trainable, 'plus one momentum buffer per trainable parameter');
  for (let i = 0; i < 3; i++) step(net, trainer);
  assert.equal(memory().liveTensors, steady, 'steady state after more steps');

  net.dispose();
  trainer.dispose();
  assert.equal(memory().liveTensors, baseline);
  assert.equal(net.cls.weight.isInitialized, false);
  assert.throws(() => net.cls.weight.data(), /has not been initialized/);
  // a disposed module can be initialized again
  net.initialize();
  assert.equal(memory().liveTensors, baseline + nParams);
  net.dispose();
  assert.equal(memory().liveTensors, baseline);
  assert.equal(memory().openScopes, 0);
});
