// Block naming: MXNet 1.x prefixed names (per-process counters, per-scope child counters, layer aliases,
// empty prefixes) and structural names, on an SSD-shaped model (spec §2.3).
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, zeros, tidy } from '../../src/tensor/index.js';
import {
  Block, Conv2D, Dense, BatchNorm, ReLU, Sequential, L2Normalization, MaxPool2D, init, resetNameCounters,
} from '../../src/nn/index.js';

class ConvPredictor extends Block {
  readonly predictor: Conv2D;
  constructor(numChannel: number, inChannels: number) {
    super();
    this.predictor = this.registerChild(
      'predictor',
      this.nameScope(() => new Conv2D({ channels: numChannel, inChannels, kernelSize: 3, padding: 1, weightInitializer: init.Xavier({ magnitude: 2 }) })),
    );
  }
  forward(x: Tensor): Tensor {
    return this.predictor.forward(x);
  }
}

/** VGG-like: a constant, stages with prefix '' (their convs count in the extractor's scope), an L2Norm. */
class VGGAtrousExtractor extends Block {
  readonly stages: Sequential;
  readonly norm: L2Normalization;
  constructor(spec: [number, number][]) {
    super();
    const built = this.nameScope(() => {
      this.constant('initScale', [[[[58.395]], [[57.12]], [[57.375]]]], { name: 'init_scale' });
      const stages = this.registerChild('stages', new Sequential());
      let inC = 3;
      for (const [layers, filters] of spec) {
        const stage = new Sequential({ prefix: '' });
        stage.nameScope(() => {
          for (let i = 0; i < layers; i++) {
            stage.add(new Conv2D({ channels: filters, inChannels: inC, kernelSize: 3, padding: 1 }), new ReLU({ prefix: 'relu_' }));
            inC = filters;
          }
        });
        stages.add(stage);
      }
      const norm = this.registerChild('norm', new L2Normalization({ channels: spec[0]![1] }));
      return { stages, norm };
    });
    this.stages = built.stages;
    this.norm = built.norm;
  }
}

class SSD extends Block {
  readonly features: VGGAtrousExtractor;
  readonly classPredictors: Sequential;
  readonly boxPredictors: Sequential;
  constructor(numClasses: number) {
    super();
    const anchors = [4, 6];
    const channels = [4, 8];
    const built = this.nameScope(() => {
      const features = this.registerChild('features', new VGGAtrousExtractor([[1, 4], [2, 8]]));
      const classPredictors = this.registerChild('classPredictors', new Sequential());
      const boxPredictors = this.registerChild('boxPredictors', new Sequential());
      anchors.forEach((a, i) => {
        classPredictors.add(new ConvPredictor(a * (numClasses + 1), channels[i]!));
        boxPredictors.add(new ConvPredictor(a * 4, channels[i]!));
      });
      return { features, classPredictors, boxPredictors };
    });
    this.features = built.features;
    this.classPredictors = built.classPredictors;
    this.boxPredictors = built.boxPredictors;
  }
}

beforeEach(() => resetNameCounters());

test('the N-th top-level block of a class gets <alias>{N-1}_; scoped children restart their counters', () => {
  const a = new SSD(20);
  const b = new SSD(20);
  assert.equal(a.prefix, 'ssd0_');
  assert.equal(a.name, 'ssd0');
  assert.equal(b.prefix, 'ssd1_');
  assert.equal(a.features.prefix, 'ssd0_vggatrousextractor0_');
  assert.equal(b.features.prefix, 'ssd1_vggatrousextractor0_');
  assert.ok(b.collectParams().has('ssd1_convpredictor0_conv0_weight'));
});

test('class and box predictors created alternately in one scope are convpredictor0,2,.. and 1,3,..; the conv inside is conv0', () => {
  const net = new SSD(20);
  assert.deepEqual(
    [...net.classPredictors.children.values()].map((c) => c.prefix),
    ['ssd0_convpredictor0_', 'ssd0_convpredictor2_'],
  );
  assert.deepEqual(
    [...net.boxPredictors.children.values()].map((c) => c.prefix),
    ['ssd0_convpredictor1_', 'ssd0_convpredictor3_'],
  );
  assert.equal(net.classPredictors.prefix, 'ssd0_hybridsequential0_');
  assert.equal(net.boxPredictors.prefix, 'ssd0_hybridsequential1_');
  const w = net.collectParams().get('ssd0_convpredictor0_conv0_weight');
  assert.ok(w, 'first class predictor weight');
  assert.deepEqual(w.shape, [84, 4, 3, 3]);
  assert.deepEqual(net.collectParams().get('ssd0_convpredictor1_conv0_weight')?.shape, [16, 4, 3, 3]);
  assert.deepEqual(net.collectParams().get('ssd0_convpredictor3_conv0_bias')?.shape, [24]);
});

test("blocks with prefix '' share the enclosing prefix and their children count in the enclosing scope", () => {
  const net = new SSD(20);
  const names = [...net.features.collectParams().keys()];
  assert.deepEqual(names, [
    'ssd0_vggatrousextractor0_init_scale',
    'ssd0_vggatrousextractor0_conv0_weight',
    'ssd0_vggatrousextractor0_conv0_bias',
    'ssd0_vggatrousextractor0_conv1_weight',
    'ssd0_vggatrousextractor0_conv1_bias',
    'ssd0_vggatrousextractor0_conv2_weight',
    'ssd0_vggatrousextractor0_conv2_bias',
    'ssd0_vggatrousextractor0_normalize0_normalize_scale',
  ]);
  const stage1 = net.features.stages.at(1) as Block;
  assert.equal(stage1.prefix, 'ssd0_vggatrousextractor0_');
  // explicit prefixes replace <alias><k>_ and do not consume the counter
  assert.equal((stage1.children.get('1') as Block).prefix, 'ssd0_vggatrousextractor0_relu_');
});

test('structural names follow registration: own parameters first, then children in order', () => {
  const net = new SSD(20);
  const names = [...net.namedParameters().keys()];
  assert.deepEqual(names.slice(0, 4), ['features.initScale', 'features.stages.0.0.weight', 'features.stages.0.0.bias', 'features.stages.1.0.weight']);
  assert.ok(names.includes('classPredictors.0.predictor.weight'));
  assert.ok(names.includes('boxPredictors.1.predictor.bias'));
  assert.ok(names.includes('features.norm.scale'));
  assert.equal(net.namedParameters().get('classPredictors.1.predictor.weight'), net.collectParams().get('ssd0_convpredictor2_conv0_weight'));
});

test("collectParams(regex) matches at the start of the name like Python's re.match", () => {
  const net = new SSD(20);
  const pred = [...net.collectParams('.*predictor').keys()];
  assert.equal(pred.length, 8);
  assert.ok(pred.every((n) => /^ssd0_convpredictor\d_conv0_(weight|bias)$/.test(n)));
  assert.equal(net.collectParams('convpredictor').size, 0, 'anchored at the start');
  assert.equal(net.collectParams('ssd0_vgg').size, 8);
  assert.deepEqual([...net.collectParams('.*_bias$').values()].every((p) => p.name.endsWith('_bias')), true);
  assert.equal(net.collectParams().size, 16);
});

test('constants have gradReq null; layers use their aliases (conv, dense, batchnorm, pool, relu)', () => {
  const net = new SSD(20);
  const c = net.collectParams().get('ssd0_vggatrousextractor0_init_scale')!;
  assert.equal(c.gradReq, 'null');
  assert.deepEqual(c.shape, [1, 3, 1, 1]);
  assert.equal(net.collectParams().get('ssd0_convpredictor0_conv0_weight')!.gradReq, 'write');

  const seq = new Sequential();
  seq.nameScope(() =>
    seq.add(
      new Conv2D({ channels: 2, inChannels: 1, kernelSize: 1 }),
      new BatchNorm({ inChannels: 2 }),
      new ReLU(),
      new MaxPool2D(),
      new Conv2D({ channels: 2, inChannels: 2, kernelSize: 1 }),
      new Dense({ units: 3, inUnits: 8 }),
    ),
  );
  assert.equal(seq.prefix, 'hybridsequential0_');
  assert.deepEqual(
    [...seq.children.values()].map((b) => b.prefix),
    ['hybridsequential0_conv0_', 'hybridsequential0_batchnorm0_', 'hybridsequential0_relu0_', 'hybridsequential0_pool0_', 'hybridsequential0_conv1_', 'hybridsequential0_dense0_'],
  );
  assert.deepEqual(
    [...seq.collectParams('.*batchnorm').keys()],
    ['hybridsequential0_batchnorm0_gamma', 'hybridsequential0_batchnorm0_beta', 'hybridsequential0_batchnorm0_running_mean', 'hybridsequential0_batchnorm0_running_var'],
  );
  assert.deepEqual(
    [...seq.collectParams().values()].filter((p) => p.gradReq === 'null').map((p) => p.name),
    ['hybridsequential0_batchnorm0_running_mean', 'hybridsequential0_batchnorm0_running_var'],
  );
});

test('blocks created outside any scope use the process counter even if later registered in a parent', () => {
  const outside = new Conv2D({ channels: 1, inChannels: 1, kernelSize: 1 });
  const explicit = new Conv2D({ channels: 1, inChannels: 1, kernelSize: 1, prefix: 'head_' });
  const next = new Conv2D({ channels: 1, inChannels: 1, kernelSize: 1 });
  assert.equal(outside.prefix, 'conv0_');
  assert.equal(explicit.weight.name, 'head_weight');
  assert.equal(next.prefix, 'conv1_', 'an explicit prefix does not consume the counter');
  const seq = new Sequential().add(outside);
  assert.equal(seq.prefix, 'hybridsequential0_');
  assert.ok(seq.collectParams().has('conv0_weight'));
  assert.ok(seq.namedParameters().has('0.weight'));
});

test('registering a duplicate name is refused; train()/eval() reach every descendant', () => {
  const net = new SSD(2);
  assert.throws(() => net.registerChild('features', new Sequential()), /already registered/);
  assert.equal(net.training, false, 'blocks start in inference mode, as Gluon outside autograd.record()');
  net.train();
  assert.equal((net.classPredictors.at(1) as ConvPredictor).predictor.training, true);
  net.eval();
  assert.equal((net.features.stages.at(0) as Block).training, false);
});

test('a forward through uninitialized parameters names the parameter', () => {
  const p = new ConvPredictor(4, 2);
  assert.throws(
    () => tidy(() => p.forward(zeros([1, 2, 3, 3]))),
    /Parameter 'convpredictor0_conv0_weight' has not been initialized/,
  );
});
