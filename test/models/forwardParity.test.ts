// Forward parity of ssd_300_vgg16_atrous_voc against an independent PyTorch model of GluonCV's SSD300
// (scripts/fixtures/make_ssd_forward_fixture.py, test/fixtures/ssd300_forward.json): the same formula weights,
// assigned in GluonCV's parameter creation order, the same formula input, training-mode outputs compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, arange, noGrad, tidy, memory } from '../../src/tensor/index.js';
import { resetNameCounters } from '../../src/nn/index.js';
import { getModel, type SSDTrainingOutput } from '../../src/models/index.js';
import { loadFixture } from '../helpers.js';

interface Fixture {
  params: { name: string; shape: number[]; kind: 'weight' | 'bias' | 'scale' }[];
  featureShapes: number[][];
  clsShape: number[];
  boxShape: number[];
  rows: number[];
  clsRows: number[][];
  boxRows: number[][];
  clsLayerAbsSums: number[];
  boxLayerAbsSums: number[];
}

/** w = amp * sin(0.1 * arange(n) + 0.7k + 0.3) in float64, then float32 (the script's formula). */
function formulaWeight(k: number, shape: number[], kind: Fixture['params'][number]['kind']): Tensor {
  return tidy(() => {
    const n = shape.reduce((a, b) => a * b, 1);
    const base = arange(0, n, 1, { dtype: 'float64' }).mul(0.1).add(0.7 * k + 0.3).sin();
    const v = kind === 'weight' ? base.mul(2 / Math.sqrt(shape.slice(1).reduce((a, b) => a * b, 1))) : kind === 'bias' ? base.mul(0.01) : base.add(20);
    return v.float().reshape(shape);
  });
}

/** max |a - e| / max |e| over a group of values. */
function relErr(actual: number[], expected: number[]): number {
  assert.equal(actual.length, expected.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < actual.length; i++) {
    num = Math.max(num, Math.abs(actual[i]! - expected[i]!));
    den = Math.max(den, Math.abs(expected[i]!));
  }
  return num / den;
}

test('SSD300 VGG16-atrous forward matches the PyTorch reference (relative error <= 1e-4)', () => {
  const fx = loadFixture<Fixture>('ssd300_forward.json');
  const before = memory().liveTensors;
  resetNameCounters();
  const net = getModel('ssd_300_vgg16_atrous_voc', { pretrainedBase: false, initialize: false });
  try {
    // Trainable parameters in GluonCV's creation order (constants — init_scale, anchors — are not listed).
    const params = net.parametersInCreationOrder().filter((p) => p.gradReq !== 'null');
    assert.equal(params.length, fx.params.length, 'number of trainable parameters');
    fx.params.forEach((spec, k) => {
      const p = params[k]!;
      assert.deepEqual([...p.shape], spec.shape, `parameter ${k}: ${p.name} vs ${spec.name}`);
      const w = formulaWeight(k, spec.shape, spec.kind);
      p.setData(w);
      w.dispose();
    });
    // The constants keep their own (GluonCV) values.
    for (const p of net.collectParams().values()) if (!p.isInitialized) p.initialize();
    assert.equal(params[0]!.name, 'ssd0_vggatrousextractor0_conv0_weight');
    assert.equal(params.at(-4)!.name, 'ssd0_convpredictor10_conv0_weight');
    assert.equal(params.at(-2)!.name, 'ssd0_convpredictor11_conv0_weight');

    net.train();
    const x = tidy(() => arange(0, 3 * 300 * 300, 1, { dtype: 'float64' }).mul(0.013).sin().mul(2).float().reshape(1, 3, 300, 300));
    const feats = noGrad(() => tidy(() => net.features.forward(x)));
    assert.deepEqual(feats.map((f) => f.shape), fx.featureShapes, 'feature map shapes');
    const [cls, box, anchors] = noGrad(() => net.forward(x)) as SSDTrainingOutput;
    assert.deepEqual(cls.shape, fx.clsShape);
    assert.deepEqual(box.shape, fx.boxShape);
    assert.deepEqual(anchors.shape, [1, 8732, 4]);

    const offsets = [0, 5776, 7942, 8542, 8692, 8728, 8732];
    const errors: Record<string, number> = {};
    tidy(() => {
      for (const [what, out, rows, sums] of [
        ['cls', cls, fx.clsRows, fx.clsLayerAbsSums],
        ['box', box, fx.boxRows, fx.boxLayerAbsSums],
      ] as const) {
        const picked = fx.rows.map((r) => out.select(0, 0).select(0, r).toArray());
        // Rows per feature layer, so a small layer is not hidden behind a large one.
        for (let l = 0; l < 6; l++) {
          const idx = fx.rows.map((r, i) => [r, i] as const).filter(([r]) => r >= offsets[l]! && r < offsets[l + 1]!).map(([, i]) => i);
          if (idx.length === 0) continue;
          const e = relErr(idx.flatMap((i) => picked[i]!), idx.flatMap((i) => rows[i]!));
          errors[`${what} rows layer ${l}`] = e;
          assert.ok(e <= 1e-4, `${what} rows of layer ${l}: relative error ${e}`);
        }
        for (let l = 0; l < 6; l++) {
          const s = out.select(0, 0).narrow(0, offsets[l]!, offsets[l + 1]! - offsets[l]!).abs().sum().item();
          const e = Math.abs(s - sums[l]!) / Math.abs(sums[l]!);
          errors[`${what} abs-sum layer ${l}`] = e;
          assert.ok(e <= 1e-4, `${what} abs sum of layer ${l}: ${s} vs ${sums[l]} (relative error ${e})`);
        }
      }
    });
    const worst = Math.max(...Object.values(errors));
    console.log(`# SSD300 parity: worst relative error ${worst.toExponential(2)} over ${Object.keys(errors).length} checks`);
    for (const t of [x, ...feats, cls, box, anchors]) t.dispose();
  } finally {
    net.dispose();
  }
  assert.equal(memory().liveTensors, before, 'tensors left after dispose');
});
