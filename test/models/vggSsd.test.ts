// ssd_300_vgg16_atrous_voc (spec §2.1–2.4, §5, §6): GluonCV names and shapes, initializers, the training-mode
// output layout and anchors, gradients, inference with NMS settings and both class decoders, and disposal.
// One model is built for the whole file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arange, memory, noGrad, randn, tensor, tidy, zeros, manualSeed } from '../../src/tensor/index.js';
import { resetNameCounters } from '../../src/nn/index.js';
import { ssdAnchors, type Detections } from '../../src/detection/index.js';
import { getModel, getPreset, describeParameters, type SSD, type SSDTrainingOutput } from '../../src/models/index.js';
import { assertClose } from '../helpers.js';
import { stats } from '../nn/util.js';

const baseline = memory().liveTensors;
manualSeed(11);
resetNameCounters();
const net: SSD = getModel('ssd_300_vgg16_atrous_voc', { pretrainedBase: false });
const P = net.collectParams();
const param = (name: string) => {
  const p = P.get(name);
  assert.ok(p, `no parameter ${name}`);
  return p;
};

test('GluonCV names: ssd0_convpredictor0 is the first class predictor (84, 512, 3, 3); class and box alternate', () => {
  assert.equal(net.prefix, 'ssd0_');
  assert.deepEqual(param('ssd0_convpredictor0_conv0_weight').shape, [84, 512, 3, 3]);
  const A = [4, 6, 6, 6, 4, 4];
  const inC = [512, 1024, 512, 256, 256, 256];
  for (let i = 0; i < 6; i++) {
    assert.deepEqual(param(`ssd0_convpredictor${2 * i}_conv0_weight`).shape, [A[i]! * 21, inC[i]!, 3, 3], `class predictor ${i}`);
    assert.deepEqual(param(`ssd0_convpredictor${2 * i + 1}_conv0_weight`).shape, [A[i]! * 4, inC[i]!, 3, 3], `box predictor ${i}`);
    assert.deepEqual(param(`ssd0_convpredictor${2 * i}_conv0_bias`).shape, [A[i]! * 21]);
    const alloc = [128, 64, 32, 16, 16, 16][i]!;
    const anchors = param(`ssd0_ssdanchorgenerator${i}_anchor_${i}`);
    assert.deepEqual(anchors.shape, [1, 1, alloc, alloc, A[i]! * 4]);
    assert.equal(anchors.gradReq, 'null');
  }
  assert.equal(net.collectParams('.*predictor').size, 24);
  // Base network, fc6/fc7, L2Norm, extras (spec §2.3 "Other names").
  for (let c = 0; c < 13; c++) assert.ok(P.has(`ssd0_vggatrousextractor0_conv${c}_weight`), `conv${c}`);
  assert.ok(!P.has('ssd0_vggatrousextractor0_conv13_weight'));
  assert.deepEqual(param('ssd0_vggatrousextractor0_conv0_weight').shape, [64, 3, 3, 3]);
  assert.deepEqual(param('ssd0_vggatrousextractor0_conv12_weight').shape, [512, 512, 3, 3]);
  assert.deepEqual(param('ssd0_vggatrousextractor0_dilated_conv0_weight').shape, [1024, 512, 3, 3]);
  assert.deepEqual(param('ssd0_vggatrousextractor0_dilated_conv1_weight').shape, [1024, 1024, 1, 1]);
  assert.deepEqual(param('ssd0_vggatrousextractor0_normalize0_normalize_scale').shape, [1, 512, 1, 1]);
  assert.deepEqual(param('ssd0_vggatrousextractor0_extra0_conv0_weight').shape, [256, 1024, 1, 1]);
  assert.deepEqual(param('ssd0_vggatrousextractor0_extra0_conv1_weight').shape, [512, 256, 3, 3]);
  assert.deepEqual(param('ssd0_vggatrousextractor0_extra2_conv1_weight').shape, [256, 128, 3, 3]);
  assert.deepEqual(param('ssd0_vggatrousextractor0_extra3_conv1_weight').shape, [256, 128, 3, 3]);
  assert.equal(param('ssd0_vggatrousextractor0_init_scale').gradReq, 'null');
  // 13 + 2 + 8 convs with bias, the scale, 12 predictor convs, 6 anchor grids, init_scale.
  assert.equal(P.size, 23 * 2 + 1 + 24 + 6 + 1);
  // Structural names (ssdkit) and Gluon's save_parameters names.
  const names = new Map(describeParameters(net).map((n) => [n.mxnet, n]));
  assert.equal(names.get('ssd0_convpredictor1_conv0_weight')!.structural, 'boxPredictors.0.predictor.weight');
  assert.equal(names.get('ssd0_convpredictor2_conv0_weight')!.gluon, 'class_predictors.1.predictor.weight');
  assert.equal(names.get('ssd0_vggatrousextractor0_conv1_weight')!.structural, 'features.stages.0.2.weight');
  assert.equal(names.get('ssd0_vggatrousextractor0_dilated_conv1_weight')!.gluon, 'features.stages.5.2.weight');
  assert.equal(names.get('ssd0_vggatrousextractor0_extra1_conv1_bias')!.gluon, 'features.extras.1.2.bias');
  assert.equal(names.get('ssd0_vggatrousextractor0_normalize0_normalize_scale')!.gluon, 'features.norm4.scale');
  assert.equal(names.get('ssd0_ssdanchorgenerator3_anchor_3')!.gluon, 'anchor_generators.3.anchors');
  assert.equal(names.get('ssd0_vggatrousextractor0_init_scale')!.gluon, 'features.init_scale');
  // The next SSD of the process is ssd1_.
  const second = getModel('ssd_300_vgg16_atrous_voc', { pretrainedBase: false, initialize: false });
  assert.ok(second.collectParams().has('ssd1_convpredictor0_conv0_weight'));
  second.dispose();
});

test('initializers (spec §5): Xavier(gaussian, out, 2) convs, Xavier(uniform, avg, 2) predictors, zero biases, L2Norm 20', () => {
  const gauss: [string, number][] = [
    ['ssd0_vggatrousextractor0_conv1_weight', Math.sqrt(2 / (64 * 9))],
    ['ssd0_vggatrousextractor0_conv9_weight', Math.sqrt(2 / (512 * 9))],
    ['ssd0_vggatrousextractor0_dilated_conv1_weight', Math.sqrt(2 / 1024)],
    ['ssd0_vggatrousextractor0_extra0_conv0_weight', 0.0884],
    ['ssd0_vggatrousextractor0_extra0_conv1_weight', 0.02083],
  ];
  for (const [name, std] of gauss) {
    const s = stats(param(name).data());
    assert.ok(Math.abs(s.std / std - 1) < 0.03, `${name}: std ${s.std}, expected ${std}`);
    assert.ok(Math.abs(s.mean) < 0.05 * std, `${name}: mean ${s.mean}`);
  }
  // Bounds sqrt(2 / ((fan_in + fan_out) / 2)); the spec's table rounds them to 0.027308, 0.029013, 0.019659, 0.020593.
  for (const [name, specBound] of [['ssd0_convpredictor0_conv0_weight', 0.027308], ['ssd0_convpredictor1_conv0_weight', 0.029013], ['ssd0_convpredictor2_conv0_weight', 0.019659], ['ssd0_convpredictor3_conv0_weight', 0.020593]] as const) {
    const shape = param(name).shape;
    const bound = Math.sqrt(2 / ((shape[1]! * 9 + shape[0]! * 9) / 2));
    assert.ok(Math.abs(bound - specBound) < 1e-6, `${name}: bound ${bound} vs the spec's ${specBound}`);
    const s = stats(param(name).data());
    assert.ok(s.max <= bound && s.min >= -bound, `${name}: range [${s.min}, ${s.max}] beyond ±${bound}`);
    assert.ok(s.max > 0.98 * bound && s.min < -0.98 * bound, `${name}: range [${s.min}, ${s.max}] does not reach ±${bound}`);
    assert.ok(Math.abs(s.std / (bound / Math.sqrt(3)) - 1) < 0.03, `${name}: std ${s.std} is not uniform's`);
  }
  for (const [name, p] of P) {
    if (name.endsWith('_bias')) assert.equal(stats(p.data()).max, 0, `${name} is not zero`);
  }
  const scale = stats(param('ssd0_vggatrousextractor0_normalize0_normalize_scale').data());
  assert.deepEqual([scale.min, scale.max], [20, 20]);
  assertClose(param('ssd0_vggatrousextractor0_init_scale').data(), [58.395, 57.12, 57.375], 1e-6, 0, 'init_scale');
});

test('training mode: clsPreds (2, 8732, 21), boxPreds (2, 8732, 4) and the preset anchors (1, 8732, 4)', () => {
  net.train();
  tidy(() => {
    const [cls, box, anchors] = noGrad(() => net.forward(randn([2, 3, 300, 300]))) as SSDTrainingOutput;
    assert.deepEqual(cls.shape, [2, 8732, 21]);
    assert.deepEqual(box.shape, [2, 8732, 4]);
    assert.deepEqual(anchors.shape, [1, 8732, 4]);
    assertClose(anchors.reshape(-1), ssdAnchors(getPreset('ssd_300_vgg16_atrous_voc')).reshape(-1).toArray(), 0, 0, 'anchors');
    // Two different images give different predictions (the batch is not collapsed).
    assert.ok(cls.select(0, 0).sub(cls.select(0, 1)).abs().max().item() > 0);
  });
});

test('training mode: a backward pass reaches the first conv, the L2Norm scale and the last predictor; constants get none', () => {
  net.train();
  net.zeroGrad();
  tidy(() => {
    const [cls, box] = net.forward(randn([1, 3, 300, 300])) as SSDTrainingOutput;
    cls.square().mean().add(box.abs().mean()).backward();
  });
  for (const name of ['ssd0_vggatrousextractor0_conv0_weight', 'ssd0_vggatrousextractor0_normalize0_normalize_scale', 'ssd0_convpredictor11_conv0_bias', 'ssd0_vggatrousextractor0_extra3_conv1_weight']) {
    const g = param(name).grad();
    assert.ok(g !== null, `${name} has no gradient`);
    const m = tidy(() => g.abs().max().item());
    g.dispose();
    assert.ok(m > 0 && Number.isFinite(m), `${name}: gradient max ${m}`);
  }
  assert.equal(param('ssd0_ssdanchorgenerator0_anchor_0').grad(), null);
  assert.equal(param('ssd0_vggatrousextractor0_init_scale').grad(), null);
  net.zeroGrad();
});

test('output layout: anchor n = (y*W + x)*A + a, class channel a*(C+1) + c, box channel a*4 + k', () => {
  net.train();
  const cp = param('ssd0_convpredictor0_conv0_weight');
  const cb = param('ssd0_convpredictor0_conv0_bias');
  const bp = param('ssd0_convpredictor1_conv0_weight');
  const bb = param('ssd0_convpredictor1_conv0_bias');
  // With zero weights the layer-0 predictions are the biases, so each output shows which channel it came from.
  noGrad(() => {
    cp.data().zero_();
    bp.data().zero_();
    tidy(() => {
      cb.data().copy_(arange(0, 84, 1, { dtype: 'float32' }));
      bb.data().copy_(arange(0, 16, 1, { dtype: 'float32' }).mul(-1));
    });
  });
  tidy(() => {
    const [cls, box] = noGrad(() => net.forward(randn([1, 3, 300, 300]))) as SSDTrainingOutput;
    const expectCls = arange(0, 84, 1, { dtype: 'float32' }).reshape(1, 4, 21).expand(38 * 38, 4, 21).reshape(5776, 21);
    const expectBox = arange(0, 16, 1, { dtype: 'float32' }).mul(-1).reshape(1, 4, 4).expand(38 * 38, 4, 4).reshape(5776, 4);
    assert.ok(cls.select(0, 0).narrow(0, 0, 5776).equal(expectCls), 'class channel layout');
    assert.ok(box.select(0, 0).narrow(0, 0, 5776).equal(expectBox), 'box channel layout');
    assert.ok(!cls.select(0, 0).narrow(0, 5776, 4).equal(expectCls.narrow(0, 0, 4)), 'layer 1 starts at 5776');
  });
  for (const p of [cp, cb, bp, bb]) p.initialize(null, { forceReinit: true });
});

function assertDetections(d: Detections, B: number, K: number, C: number): void {
  assert.deepEqual(d.ids.shape, [B, K, 1]);
  assert.deepEqual(d.scores.shape, [B, K, 1]);
  assert.deepEqual(d.bboxes.shape, [B, K, 4]);
  const ids = d.ids.toArray();
  const scores = d.scores.toArray();
  for (let b = 0; b < B; b++) {
    let valid = true;
    for (let k = 0; k < K; k++) {
      const [id, s] = [ids[b * K + k]!, scores[b * K + k]!];
      if (id === -1) {
        valid = false;
        assert.equal(s, -1, 'padding rows are -1');
        continue;
      }
      assert.ok(valid, 'valid rows come first');
      assert.ok(Number.isInteger(id) && id >= 0 && id < C, `id ${id}`);
      assert.ok(s > 0.01 && s <= 1, `score ${s}`);
      if (k > 0 && ids[b * K + k - 1] !== -1) assert.ok(scores[b * K + k - 1]! >= s, 'scores descend');
    }
  }
}

test('inference mode: ids, scores, boxes (B, 100, ·) after decoding and NMS; setNms changes the count', () => {
  net.eval();
  tidy(() => {
    const x = randn([2, 3, 300, 300]);
    const d = net.forward(x) as Detections;
    assertDetections(d, 2, 100, 20);
    assert.ok(d.ids.select(0, 0).ge(0).sum().item() > 0, 'some detections');
    // The same as post-processing the raw outputs (decoder + per-class NMS).
    const [cls, box, anchors] = noGrad(() => net.forwardTrain(x));
    const again = net.postprocess(cls, box, anchors);
    assert.ok(again.bboxes.equal(d.bboxes) && again.scores.equal(d.scores));
    net.setNms(0.45, 400, 30);
    assertDetections(net.postprocess(cls, box, anchors), 2, 30, 20);
    net.setNms(0.45, 400, -1); // keep everything that survives
    const all = net.postprocess(cls, box, anchors);
    assert.equal(all.ids.shape[1], 8732 * 20);
    net.setNms(2, 400, 100); // no NMS: every (class, anchor) row, class-major, as GluonCV
    const raw = net.postprocess(cls, box, anchors);
    assert.deepEqual(raw.ids.shape, [2, 8732 * 20, 1]);
    assert.equal(raw.ids.select(0, 0).select(0, 8732).item() === 1 || raw.ids.select(0, 0).select(0, 8732).item() === -1, true);
  });
  net.setNms();
  assert.deepEqual([net.nmsThresh, net.nmsTopk, net.postNms], [0.45, 400, 100]);
});

test("class decoders (the seed's tip 3): per-class keeps a close second class, argmax keeps only the best", () => {
  tidy(() => {
    // Anchor 0: the seed's example (bg, apple, orange, person, dog, cat) padded to 20 classes; anchor 1 elsewhere.
    const logits = [-1, -2, 3, 4, 6.5, 6.4, ...new Array<number>(15).fill(-9)];
    const cls = tensor([[logits, [9, ...new Array<number>(20).fill(-9)]]], { dtype: 'float32' });
    const box = zeros([1, 2, 4]);
    const anchors = tensor([[[50, 50, 20, 20], [200, 200, 20, 20]]], { dtype: 'float32' });
    net.setClassDecoder('perClass');
    const per = net.postprocess(cls, box, anchors);
    net.setClassDecoder('argmax');
    const arg = net.postprocess(cls, box, anchors);
    net.setClassDecoder('perClass');
    const keep = (d: Detections) => d.ids.reshape(-1).toArray().filter((i) => i >= 0);
    // per-class: dog (3), cat (4), person (2), orange (1) all above 0.01; argmax: dog only.
    assert.deepEqual(keep(per), [3, 4, 2, 1]);
    assert.deepEqual(keep(arg), [3]);
    assertClose(arg.scores.select(1, 0), [0.49557045], 1e-5, 0, 'dog probability');
    assertClose(arg.bboxes.select(1, 0), [[40, 40, 60, 60]], 1e-6, 0, 'decoded box');
    assert.throws(() => net.setClassDecoder('max' as never), /perClass/);
  });
});

test('dispose() frees every parameter: live tensors back to the baseline', () => {
  net.dispose();
  assert.equal(memory().liveTensors, baseline);
});
