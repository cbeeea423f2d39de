// Forward parity of the other model-zoo SSDs against independent PyTorch models built from torchvision / torch.nn
// layers (scripts/fixtures/make_backbone_forward_fixtures.py, test/fixtures/forward_<model>.json):
// ssd_512_resnet50_v1, ssd_512_mobilenet1.0, ssd_300_mobilenet1.0_lite, ssd_300_resnet34_v1b and
// ssd_512_vgg16_atrous. Formula weights are
// copied by GluonCV parameter name (every trainable parameter and batch-norm statistic; constants — anchors,
// init_scale — keep their values), the formula input is run in inference mode at a size below the base size,
// and feature maps and class/box predictions are compared per layer (relative error <= 1e-4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, arange, noGrad, tidy, memory } from '../../src/tensor/index.js';
import { resetNameCounters } from '../../src/nn/index.js';
import { getModel } from '../../src/models/index.js';
import { loadFixture } from '../helpers.js';

type Kind = 'weight' | 'bias' | 'gamma' | 'beta' | 'mean' | 'var' | 'scale';

interface Layer {
  featureShape: number[];
  featureAbsSum: number;
  featureIndex: number[];
  featureValues: number[];
  anchors: number;
  clsAbsSum: number;
  boxAbsSum: number;
  rows: number[];
  clsRows: number[][];
  boxRows: number[][];
}

interface Fixture {
  model: string;
  inputSize: number;
  params: { name: string; shape: number[]; kind: Kind }[];
  layers: Layer[];
}

/** The script's formula: s = sin(0.1 * arange(n) + 0.7k + 0.3) in float64, scaled by kind, then float32. */
function formulaWeight(k: number, shape: number[], kind: Kind): Tensor {
  return tidy(() => {
    const n = shape.reduce((a, b) => a * b, 1);
    const s = arange(0, n, 1, { dtype: 'float64' }).mul(0.1).add(0.7 * k + 0.3).sin();
    const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
    const v = {
      weight: () => s.mul(2 / Math.sqrt(Math.max(1, fanIn))), bias: () => s.mul(0.01), gamma: () => s.mul(0.1).add(1),
      beta: () => s.mul(0.1), mean: () => s.mul(0.1), var: () => s.mul(0.5).add(1), scale: () => s.add(20),
    }[kind]();
    return v.float().reshape(shape);
  });
}

function relErr(actual: ArrayLike<number>, expected: readonly number[]): number {
  assert.equal(actual.length, expected.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < expected.length; i++) {
    num = Math.max(num, Math.abs(actual[i]! - expected[i]!));
    den = Math.max(den, Math.abs(expected[i]!));
  }
  return num / den;
}

/** Loads the fixture's weights into the model by name; every parameter left out must be a constant. */
function assignWeights(net: ReturnType<typeof getModel>, fx: Fixture): void {
  const byName = new Map(net.parametersInCreationOrder().map((p) => [p.name, p]));
  fx.params.forEach((spec, k) => {
    const p = byName.get(spec.name);
    assert.ok(p, `${fx.model}: no parameter ${spec.name}`);
    assert.deepEqual([...p.shape], spec.shape, `${fx.model}: shape of ${spec.name}`);
    const w = formulaWeight(k, spec.shape, spec.kind);
    p.setData(w);
    w.dispose();
    byName.delete(spec.name);
  });
  const left = [...byName.keys()].filter((n) => !/anchor|init_scale/.test(n));
  assert.deepEqual(left, [], `${fx.model}: parameters the PyTorch model does not have`);
  for (const p of byName.values()) if (!p.isInitialized) p.initialize();
}

function checkLayers(fx: Fixture, feats: Tensor[], cls: Tensor, box: Tensor): Record<string, number> {
  const errors: Record<string, number> = {};
  const check = (what: string, e: number): void => {
    errors[what] = e;
    assert.ok(e <= 1e-4, `${fx.model} ${what}: relative error ${e}`);
  };
  let offset = 0;
  fx.layers.forEach((l, i) => {
    const f = feats[i]!;
    assert.deepEqual(f.shape, l.featureShape, `${fx.model} feature ${i} shape`);
    const flat = f.reshape(-1).toArray();
    check(`feature ${i} values`, relErr(l.featureIndex.map((j) => flat[j]!), l.featureValues));
    check(`feature ${i} abs sum`, Math.abs(f.abs().sum().item() - l.featureAbsSum) / l.featureAbsSum);
    for (const [what, out, sum, rows] of [['cls', cls, l.clsAbsSum, l.clsRows], ['box', box, l.boxAbsSum, l.boxRows]] as const) {
      const part = out.select(0, 0).narrow(0, offset, l.anchors);
      check(`${what} ${i} abs sum`, Math.abs(part.abs().sum().item() - sum) / sum);
      check(`${what} ${i} rows`, relErr(l.rows.flatMap((r) => part.select(0, r).toArray()), rows.flat()));
    }
    offset += l.anchors;
  });
  assert.equal(cls.shape[1], offset, `${fx.model}: anchors in all`);
  return errors;
}

for (const model of ['ssd_512_resnet50_v1_voc', 'ssd_512_mobilenet1.0_voc', 'ssd_300_mobilenet1.0_lite_coco', 'ssd_300_resnet34_v1b_voc', 'ssd_512_vgg16_atrous_voc']) {
  test(`${model} forward matches the PyTorch reference built from torchvision layers (relative error <= 1e-4)`, () => {
    const fx = loadFixture<Fixture>(`forward_${model}.json`);
    const before = memory().liveTensors;
    resetNameCounters();
    const net = getModel(model, { pretrainedBase: false, initialize: false });
    try {
      assignWeights(net, fx);
      net.eval();
      const s = fx.inputSize;
      tidy(() => {
        const x = arange(0, 3 * s * s, 1, { dtype: 'float64' }).mul(0.013).sin().mul(2).float().reshape(1, 3, s, s);
        const feats = noGrad(() => net.features.forward(x));
        const [cls, box] = noGrad(() => net.predict(feats));
        const errors = checkLayers(fx, feats, cls, box);
        console.log(`# ${model} parity at ${s}x${s}: worst relative error ${Math.max(...Object.values(errors)).toExponential(2)} over ${Object.keys(errors).length} checks`);
      });
    } finally {
      net.dispose();
    }
    assert.equal(memory().liveTensors, before, 'tensors left after dispose');
  });
}
