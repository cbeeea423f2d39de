// Weights (src/models/weights.ts, modelStore.ts, zoo.ts): importing GluonCV `.params` files under each naming
// scheme, all-or-nothing checks, safetensors and `.params` round trips, and local pretrained / pretrainedBase files
// with the error that says which file to put where.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Tensor, memory, noGrad, randn, tensor, tidy, zeros, manualSeed } from '../../src/tensor/index.js';
import { resetNameCounters, type Block } from '../../src/nn/index.js';
import {
  getModel,
  loadWeights,
  saveWeights,
  importParameters,
  exportMxnetParams,
  WeightsError,
  type SSD,
  type SSDTrainingOutput,
} from '../../src/models/index.js';
import { assertClose, fixturePath } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ssdkit-weights-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** v[i] = sin(0.37 i + k) in float32 (the fixture script's formula). */
function formula(k: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.fround(Math.sin(0.37 * i + k)));
}

// (MXNet name without the ssd prefix, numel) in the fixture's order k = 0, 1, ...
const SUBSET: [string, number][] = [
  ['vggatrousextractor0_conv0_weight', 64 * 27],
  ['vggatrousextractor0_conv0_bias', 64],
  ['vggatrousextractor0_normalize0_normalize_scale', 512],
  ['vggatrousextractor0_dilated_conv1_bias', 1024],
  ['vggatrousextractor0_extra3_conv1_bias', 256],
  ['convpredictor0_conv0_bias', 84],
  ['convpredictor1_conv0_bias', 16],
  ['convpredictor11_conv0_bias', 16],
];

function paramsEqual(a: Block, b: Block, what: string): void {
  const pa = a.namedParameters();
  const pb = b.namedParameters();
  assert.deepEqual([...pa.keys()], [...pb.keys()], `${what}: parameter names`);
  for (const [k, p] of pa) assert.ok(p.data().equal(pb.get(k)!.data()), `${what}: ${k} differs`);
}

test('GluonCV .params files load under all three naming schemes (ssd3_ prefixed, save_params stripped, structural)', () => {
  const before = memory().liveTensors;
  resetNameCounters();
  const net = getModel('ssd_300_vgg16_atrous_voc', { pretrainedBase: false });
  const P = net.collectParams();
  try {
    for (const scheme of ['prefixed', 'stripped', 'structural']) {
      noGrad(() => {
        for (const [name] of SUBSET) P.get(`ssd0_${name}`)!.data().fill_(-7);
      });
      const r = loadWeights(net, fixturePath(`mxnet_ssd300_${scheme}.params`), { allowMissing: true });
      assert.equal(r.loaded, scheme === 'prefixed' ? 9 : 8, `${scheme}: entries loaded`);
      assert.equal(r.extra.length, 0);
      SUBSET.forEach(([name, n], k) => {
        const expected = scheme === 'stripped' && name.endsWith('normalize_scale') ? Array.from({ length: n }, (_, i) => (i % 64) * 0.25 + 16) : formula(k, n);
        assertClose(P.get(`ssd0_${name}`)!.data(), expected, 1e-6, 1e-7, `${scheme}: ${name}`);
      });
      // Without allowMissing, the rest of the model is reported missing and nothing is written.
      assert.throws(
        () => loadWeights(net, fixturePath(`mxnet_ssd300_${scheme}.params`)),
        (e: unknown) => e instanceof WeightsError && /missing from .*\(63\): features\.stages\.0\.2\.weight/s.test(e.message),
      );
    }
    assertClose(P.get('ssd0_ssdanchorgenerator5_anchor_5')!.data(), formula(8, 4096), 1e-6, 1e-7, 'anchor_5');
  } finally {
    net.dispose();
  }
  assert.equal(memory().liveTensors, before);
});

test('a file that does not fit changes nothing and lists every problem', () => {
  resetNameCounters();
  const net = getModel('ssd_300_vgg16_atrous_voc', { pretrainedBase: false });
  const P = net.collectParams();
  try {
    const file = new Map<string, Tensor>([
      ['ssd0_vggatrousextractor0_conv0_bias', tensor(new Array(64).fill(3), { dtype: 'float32' })],
      ['ssd0_convpredictor0_conv0_bias', zeros([85])],
      ['class_predictors.0.predictor.bias', zeros([84])],
      ['ssd0_nosuchlayer0_weight', zeros([1])],
    ]);
    assert.throws(
      () => importParameters(net, file, { allowMissing: true }),
      (e: unknown) =>
        e instanceof WeightsError &&
        /shape mismatch for classPredictors\.0\.predictor\.bias \('ssd0_convpredictor0_conv0_bias'\): file \[85\], model \[84\]/.test(e.message) &&
        /both name classPredictors\.0\.predictor\.bias/.test(e.message) &&
        /not in the model \(1\): ssd0_nosuchlayer0_weight/.test(e.message),
    );
    assert.equal(P.get('ssd0_vggatrousextractor0_conv0_bias')!.data().abs().max().item(), 0, 'nothing was written');
    file.delete('ssd0_convpredictor0_conv0_bias');
    const r = importParameters(net, file, { allowMissing: true, ignoreExtra: true });
    assert.deepEqual([r.loaded, r.extra], [2, ['ssd0_nosuchlayer0_weight']]);
    assert.equal(P.get('ssd0_vggatrousextractor0_conv0_bias')!.data().min().item(), 3);
    for (const t of file.values()) t.dispose();
  } finally {
    net.dispose();
  }
});

/** A training-mode forward (BN on batch statistics), for comparing two models with the same weights. */
function trainOutputs(net: SSD, x: Tensor): Tensor[] {
  net.train();
  return noGrad(() => tidy(() => [...(net.forward(x) as SSDTrainingOutput)]));
}

test('round trips: ssdkit safetensors and MXNet .params in structural, prefixed and stripped names', () => {
  const before = memory().liveTensors;
  resetNameCounters();
  manualSeed(1);
  const src = getModel('ssd_300_mobilenet0.25_voc', { pretrainedBase: false });
  const x = randn([1, 3, 300, 300]);
  const ref = trainOutputs(src, x);
  try {
    const files: [string, (p: string) => void][] = [
      ['w.safetensors', (p) => saveWeights(p, src)],
      ['structural.params', (p) => exportMxnetParams(p, src, 'structural')],
      ['prefixed.params', (p) => exportMxnetParams(p, src, 'prefixed')],
      ['stripped.params', (p) => exportMxnetParams(p, src, 'stripped')],
    ];
    for (const [f, save] of files) {
      const path = join(dir, f);
      save(path);
      const dst = getModel('ssd_300_mobilenet0.25_voc', { pretrainedBase: false }); // ssd1_, ssd2_, ...: other prefixes
      try {
        assert.notEqual(dst.prefix, src.prefix);
        const r = loadWeights(dst, path);
        assert.equal(r.loaded, src.namedParameters().size, `${f}: all loaded`);
        paramsEqual(src, dst, f);
        const out = trainOutputs(dst, x);
        out.forEach((t, i) => assert.ok(t.equal(ref[i]!), `${f}: output ${i}`));
        for (const t of out) t.dispose();
      } finally {
        dst.dispose();
      }
    }
  } finally {
    for (const t of [x, ...ref]) t.dispose();
    src.dispose();
  }
  assert.equal(memory().liveTensors, before);
});

test('pretrained and pretrainedBase load local files; a missing file says which file to put where', () => {
  const before = memory().liveTensors;
  const root = join(dir, 'models');
  mkdirSync(root, { recursive: true });
  assert.throws(
    () => getModel('ssd_300_vgg16_atrous_voc', { pretrained: true, root }),
    (e: unknown) => e instanceof WeightsError && e.message.includes(`put GluonCV's ssd_300_vgg16_atrous_voc-0e169fbb.params`) && e.message.includes(root),
  );
  assert.throws(
    () => getModel('ssd_300_vgg16_atrous_voc', { root }),
    (e: unknown) => e instanceof WeightsError && /vgg16_atrous-4fa2e1ad\.params/.test(e.message) && /pretrainedBase: false/.test(e.message),
  );
  assert.equal(memory().liveTensors, before, 'a failed getModel frees what it built');

  resetNameCounters();
  const src = getModel('ssd_300_mobilenet0.25_voc', { pretrainedBase: false });
  try {
    saveWeights(join(root, 'ssd_300_mobilenet0.25_voc.safetensors'), src);
    const net = getModel('ssd_300_mobilenet0.25_voc', { pretrained: true, root });
    paramsEqual(src, net, 'pretrained');
    net.dispose();
    // A GluonCV-style ImageNet file for the backbone (save_parameters names of MobileNet: features.0.weight ...).
    const backbone = src.features.pretrainedBase.block;
    exportMxnetParams(join(root, 'mobilenet0.25-0123abcd.params'), backbone, 'structural');
    const withBase = getModel('ssd_300_mobilenet0.25_voc', { root });
    try {
      paramsEqual(backbone, withBase.features.pretrainedBase.block, 'pretrainedBase');
      const a = src.collectParams().get('ssd0_convpredictor0_conv0_weight')!.data();
      const b = withBase.collectParams().get('ssd2_convpredictor0_conv0_weight')!.data();
      assert.ok(!a.equal(b), 'the predictors are not from the base file');
    } finally {
      withBase.dispose();
    }
  } finally {
    src.dispose();
  }
  assert.equal(memory().liveTensors, before);
});
