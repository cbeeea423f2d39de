// The other model-zoo SSDs (spec §1.2, §2.2, §2.6): VGG16-atrous SSD512 (24564 anchors), the FeatureExpander SSDs
// on ResNet50-v1, ResNet18-v1 and MobileNet1.0 (6132 anchors at 512), and ResNet34-v1b SSD300 (8732): feature-map
// sizes, output shapes, anchors, GluonCV names and the FeatureExpander's initialization and symbol batch norm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memory, noGrad, randn, tidy, manualSeed } from '../../src/tensor/index.js';
import { resetNameCounters } from '../../src/nn/index.js';
import { ssdAnchors } from '../../src/detection/index.js';
import { getModel, getPreset, describeParameters, SymbolBatchNorm, type SSD } from '../../src/models/index.js';
import { assertClose } from '../helpers.js';
import { stats } from '../nn/util.js';

/** Builds `name` as the first SSD of the process, runs a training-mode forward at its base size, disposes it. */
function check(name: string, expect: { featureSizes: number[]; anchors: number; classes: number }, inspect: (net: SSD) => void): void {
  const before = memory().liveTensors;
  resetNameCounters();
  manualSeed(5);
  const net = getModel(name, { pretrainedBase: false });
  try {
    inspect(net);
    net.train();
    tidy(() => {
      const size = getPreset(name).baseSize;
      const x = randn([1, 3, size, size]);
      const feats = noGrad(() => net.features.forward(x));
      assert.deepEqual(feats.map((f) => f.shape[2]), expect.featureSizes, `${name} feature maps`);
      assert.deepEqual(feats.map((f) => f.shape[1]), [...net.features.outChannels], `${name} feature channels`);
      const [cls, box, anchors] = noGrad(() => net.predict(feats));
      assert.deepEqual(cls.shape, [1, expect.anchors, expect.classes + 1]);
      assert.deepEqual(box.shape, [1, expect.anchors, 4]);
      assert.deepEqual(anchors.shape, [1, expect.anchors, 4]);
      assertClose(anchors.reshape(-1), ssdAnchors(getPreset(name)).reshape(-1).toArray(), 0, 0, `${name} anchors`);
      assert.ok(cls.isfinite().all().item() && box.isfinite().all().item(), `${name}: finite outputs`);
    });
  } finally {
    net.dispose();
  }
  assert.equal(memory().liveTensors, before, `${name}: tensors left after dispose`);
}

function shapeOf(net: SSD, name: string): number[] {
  const p = net.collectParams().get(name);
  assert.ok(p, `no parameter ${name}`);
  return [...p.shape];
}

test('ssd_512_vgg16_atrous_voc: 7 maps 64..1, 24564 anchors, the 4x4 last extra', () => {
  check('ssd_512_vgg16_atrous_voc', { featureSizes: [64, 32, 16, 8, 4, 2, 1], anchors: 24564, classes: 20 }, (net) => {
    assert.deepEqual(shapeOf(net, 'ssd0_vggatrousextractor0_extra4_conv1_weight'), [256, 128, 4, 4]);
    assert.deepEqual(shapeOf(net, 'ssd0_convpredictor8_conv0_weight'), [6 * 21, 256, 3, 3]);
    assert.deepEqual(shapeOf(net, 'ssd0_convpredictor13_conv0_weight'), [16, 256, 3, 3]);
    assert.deepEqual(shapeOf(net, 'ssd0_ssdanchorgenerator6_anchor_6'), [1, 1, 16, 16, 16]);
  });
});

test('ssd_512_resnet50_v1_voc: stage3/stage4 outputs + 4 expander layers, 6132 anchors; GluonCV symbol names', () => {
  check('ssd_512_resnet50_v1_voc', { featureSizes: [32, 16, 8, 4, 2, 1], anchors: 6132, classes: 20 }, (net) => {
    assert.deepEqual([...net.features.outChannels], [1024, 2048, 512, 512, 256, 256]);
    assert.deepEqual(shapeOf(net, 'ssd0_resnetv10_conv0_weight'), [64, 3, 7, 7]);
    // stage3 of ResNet50 has 6 bottlenecks (3 convs + BN each, the first one with a downsample conv): conv18 is the last.
    assert.deepEqual(shapeOf(net, 'ssd0_resnetv10_stage3_conv18_weight'), [1024, 256, 1, 1]);
    assert.deepEqual(shapeOf(net, 'ssd0_resnetv10_stage1_conv0_bias'), [64]);
    assert.deepEqual(shapeOf(net, 'expand_trans_conv0_weight'), [512, 2048, 1, 1]);
    assert.deepEqual(shapeOf(net, 'expand_conv0_weight'), [512, 512, 3, 3]);
    assert.deepEqual(shapeOf(net, 'expand_trans_conv2_weight'), [256, 512, 1, 1]);
    assert.deepEqual(shapeOf(net, 'expand_conv3_weight'), [256, 256, 3, 3]);
    assert.ok(!net.collectParams().has('expand_conv0_bias'), 'no conv bias with batch norm');
    assert.deepEqual(shapeOf(net, 'ssd0_convpredictor0_conv0_weight'), [84, 1024, 3, 3]);
    const names = describeParameters(net).map((n) => n.mxnet);
    assert.ok(names.includes('expand_bn3_moving_var') && names.includes('expand_trans_bn0_moving_mean'), 'MXNet symbol batch-norm names');
    assert.equal(describeParameters(net).find((n) => n.mxnet === 'expand_conv1_weight')!.gluon, 'features.expand_conv1_weight');
    // spec §5: the expander has no initializers of its own -> Uniform(0.07), BN statistics included; the
    // backbone's BN keeps its own (gamma 1, beta 0).
    const P = net.collectParams();
    for (const name of ['expand_conv0_weight', 'expand_trans_bn1_beta', 'expand_bn2_running_var', 'expand_bn2_running_mean']) {
      const s = stats(P.get(name)!.data());
      assert.ok(s.min >= -0.07 && s.max <= 0.07 && s.min < -0.06 && s.max > 0.06, `${name}: [${s.min}, ${s.max}] is not U(-0.07, 0.07)`);
    }
    assert.deepEqual([stats(P.get('ssd0_resnetv10_batchnorm0_gamma')!.data()).min, stats(P.get('ssd0_resnetv10_batchnorm0_beta')!.data()).max], [1, 0]);
    // mx.sym.BatchNorm: fix_gamma, eps 1e-3.
    const bn = [...net.features.children.get('expand')!.children.get('0')!.children.values()].find((b) => b instanceof SymbolBatchNorm) as SymbolBatchNorm;
    assert.equal(bn.epsilon, 1e-3);
    assert.equal(bn.gamma.gradReq, 'null');
  });
});

test('ssd_512_mobilenet1.0_voc: relu22/relu26 outputs (512, 1024 channels), 6132 anchors', () => {
  check('ssd_512_mobilenet1.0_voc', { featureSizes: [32, 16, 8, 4, 2, 1], anchors: 6132, classes: 20 }, (net) => {
    assert.deepEqual([...net.features.outChannels], [512, 1024, 512, 512, 256, 256]);
    assert.deepEqual(shapeOf(net, 'ssd0_mobilenet0_conv0_weight'), [32, 3, 3, 3]);
    assert.deepEqual(shapeOf(net, 'ssd0_mobilenet0_conv1_weight'), [32, 1, 3, 3], 'depthwise');
    assert.deepEqual(shapeOf(net, 'ssd0_mobilenet0_conv26_weight'), [1024, 1024, 1, 1]);
    assert.ok(!net.collectParams().has('ssd0_mobilenet0_conv27_weight'));
    assert.deepEqual(shapeOf(net, 'ssd0_convpredictor0_conv0_weight'), [84, 512, 3, 3]);
    assert.deepEqual(shapeOf(net, 'ssd0_convpredictor2_conv0_weight'), [126, 1024, 3, 3]);
  });
});

test('ssd_512_resnet18_v1_voc: basic blocks, stage3/stage4_activation1, 6132 anchors', () => {
  check('ssd_512_resnet18_v1_voc', { featureSizes: [32, 16, 8, 4, 2, 1], anchors: 6132, classes: 20 }, (net) => {
    assert.deepEqual([...net.features.outChannels], [256, 512, 512, 512, 256, 256]);
    assert.deepEqual(shapeOf(net, 'ssd0_resnetv10_stage2_conv2_weight'), [128, 64, 1, 1], 'downsample of stage2');
  });
});

test('ssd_300_resnet34_v1b_coco: layer3 at stride 1, 38x38x128 and 19x19x512 plus 4 extras, 8732 anchors', () => {
  check('ssd_300_resnet34_v1b_coco', { featureSizes: [38, 19, 10, 5, 3, 1], anchors: 8732, classes: 80 }, (net) => {
    assert.deepEqual([...net.features.outChannels], [128, 512, 256, 256, 128, 128]);
    assert.deepEqual(shapeOf(net, 'ssd0_resnetv1b0_conv0_weight'), [64, 3, 7, 7]);
    assert.deepEqual(shapeOf(net, 'ssd0_resnetv1b0_layers3_conv0_weight'), [256, 128, 3, 3]);
    assert.deepEqual(shapeOf(net, 'ssd0_resnetv1b0_down3_conv0_weight'), [256, 128, 1, 1]);
    assert.deepEqual(shapeOf(net, 'ssd0_resnetv1bssd0_conv0_weight'), [256, 512, 1, 1]);
    assert.deepEqual(shapeOf(net, 'ssd0_resnetv1bssd0_conv7_weight'), [128, 128, 3, 3]);
    assert.deepEqual(shapeOf(net, 'ssd0_resnetv1bssd0_conv7_bias'), [128]);
    assert.deepEqual(shapeOf(net, 'ssd0_convpredictor0_conv0_weight'), [4 * 81, 128, 3, 3]);
    const names = new Map(describeParameters(net).map((n) => [n.mxnet, n.gluon]));
    assert.equal(names.get('ssd0_resnetv1b0_layers3_conv0_weight'), 'features.stage2.0.0.conv1.weight');
    assert.equal(names.get('ssd0_resnetv1bssd0_conv2_weight'), 'features.more_stages.1.0.weight');
  });
});

test('ssd_300_mobilenet1.0_lite_coco: 1x1 predictors, reduce_ratio 0.5 / min_depth 64 expander, LiteAnchorGenerator (1917 anchors)', () => {
  check('ssd_300_mobilenet1.0_lite_coco', { featureSizes: [19, 10, 5, 3, 2, 1], anchors: 1917, classes: 80 }, (net) => {
    assert.deepEqual([...net.features.outChannels], [512, 1024, 512, 256, 256, 128]);
    assert.deepEqual(shapeOf(net, 'ssd0_convpredictor0_conv0_weight'), [3 * 81, 512, 1, 1], 'layer 0: 3 lite anchors, 1x1 kernel');
    assert.deepEqual(shapeOf(net, 'ssd0_convpredictor3_conv0_weight'), [6 * 4, 1024, 1, 1]);
    assert.deepEqual(shapeOf(net, 'expand_trans_conv0_weight'), [256, 1024, 1, 1]);
    assert.deepEqual(shapeOf(net, 'expand_trans_conv3_weight'), [64, 256, 1, 1]);
    assert.deepEqual(shapeOf(net, 'expand_conv3_weight'), [128, 64, 3, 3]);
  });
});

test('getModel refuses the backbones that are not implemented, naming the ones that are', () => {
  assert.throws(() => getModel('ssd_512_resnet101_v2_voc', { pretrainedBase: false }), /resnet101_v2.*available: .*ssd_300_vgg16_atrous_voc/s);
  assert.throws(() => getModel('ssd_300_vgg16_atrous_custom', { pretrainedBase: false }), /needs classes/);
  assert.throws(() => getModel('ssd_300_vgg16', {}), /unknown model/);
});
