// resetClass (GluonCV's reset_class, spec §9) and custom models: the class predictors are rebuilt for the new
// classes under the same names, reused classes and the background keep their channels (stride C+1), the rest is
// freshly drawn; *_custom presets take classes and can transfer from a pretrained voc/coco file.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Tensor, arange, memory, noGrad, randn, tidy, manualSeed } from '../../src/tensor/index.js';
import { resetNameCounters } from '../../src/nn/index.js';
import { getModel, saveWeights, VOC_CLASSES, type SSD, type SSDTrainingOutput } from '../../src/models/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ssdkit-reset-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const NAME = 'ssd_300_mobilenet0.25_voc';
const A = [4, 6, 6, 6, 4, 4];

/** Rows (output channels) of a class predictor's weight and bias as plain arrays. */
function rowsOf(net: SSD, layer: number): { w: number[][]; b: number[] } {
  return tidy(() => {
    const conv = (net.classPredictors.at(layer) as unknown as { predictor: { weight: { data(): Tensor }; bias: { data(): Tensor } } }).predictor;
    const w = conv.weight.data();
    return { w: Array.from({ length: w.shape[0]! }, (_, r) => w.select(0, r).reshape(-1).toArray()), b: conv.bias.data().toArray() };
  });
}

test('resetClass with {new: old} by name and index: background and mapped classes keep their channels', async () => {
  const before = memory().liveTensors;
  resetNameCounters();
  manualSeed(2);
  const net = getModel(NAME, { pretrainedBase: false });
  try {
    // Distinct biases so that bias rows can be traced too.
    noGrad(() => {
      for (let i = 0; i < 6; i++) {
        const b = net.collectParams().get(`ssd0_convpredictor${2 * i}_conv0_bias`)!.data();
        tidy(() => b.copy_(arange(0, b.shape[0]!, 1, { dtype: 'float32' }).add(1000 * i)));
      }
    });
    const old = A.map((_, i) => rowsOf(net, i));
    const boxBefore = tidy(() => net.collectParams().get('ssd0_convpredictor1_conv0_weight')!.data().clone());
    const dog = VOC_CLASSES.indexOf('dog');
    net.resetClass(['dog', 'person', 'unicorn'], { reuseWeights: { dog: 'dog', person: VOC_CLASSES.indexOf('person') } });
    assert.deepEqual(net.classes, ['dog', 'person', 'unicorn']);
    assert.equal(net.numClasses, 3);
    for (let i = 0; i < 6; i++) {
      const p = net.collectParams().get(`ssd0_convpredictor${2 * i}_conv0_weight`);
      assert.ok(p, 'same MXNet name');
      assert.equal(p.shape[0], A[i]! * 4);
      const now = rowsOf(net, i);
      for (let a = 0; a < A[i]!; a++) {
        const o = (c: number) => a * 21 + c;
        const n = (c: number) => a * 4 + c;
        assert.deepEqual(now.w[n(0)], old[i]!.w[o(0)], `layer ${i} anchor ${a}: background weights`);
        assert.deepEqual(now.w[n(1)], old[i]!.w[o(dog + 1)], `layer ${i} anchor ${a}: dog weights`);
        assert.deepEqual(now.w[n(2)], old[i]!.w[o(15)], `layer ${i} anchor ${a}: person weights`);
        assert.deepEqual([now.b[n(0)], now.b[n(1)], now.b[n(2)], now.b[n(3)]], [old[i]!.b[o(0)], old[i]!.b[o(dog + 1)], old[i]!.b[o(15)], 0]);
        assert.ok(!old[i]!.w.some((r) => r.every((v, j) => v === now.w[n(3)]![j])), 'unicorn is freshly drawn');
      }
    }
    // Fresh rows follow the predictor's Xavier(uniform, avg, 2) for the new shape (16 x 128 x 3 x 3).
    const w0 = net.collectParams().get('ssd0_convpredictor0_conv0_weight')!;
    const bound = Math.sqrt(2 / ((w0.shape[1]! * 9 + 16 * 9) / 2));
    const freshRows = rowsOf(net, 0).w.filter((_, r) => r % 4 === 3).flat();
    const m = Math.max(...freshRows.map(Math.abs));
    assert.ok(m <= bound && m > 0.95 * bound, `fresh rows reach ${m}, bound ${bound}`);
    assert.ok(net.collectParams().get('ssd0_convpredictor1_conv0_weight')!.data().equal(boxBefore), 'box predictors untouched');
    boxBefore.dispose();
    net.train();
    tidy(() => {
      const [cls] = noGrad(() => net.forward(randn([1, 3, 300, 300]))) as SSDTrainingOutput;
      assert.equal(cls.shape[2], 4);
    });
    assert.throws(() => net.resetClass(['a'], { reuseWeights: { ghost: 'dog' } }), /'ghost' not found in new class names/);
    assert.throws(() => net.resetClass(['a'], { reuseWeights: { a: 7 } }), /index 7 out of bounds for old class names/);
    assert.deepEqual(net.classes, ['dog', 'person', 'unicorn'], 'a failed resetClass changes nothing');
    // A list of names kept in both; without reuse every row is new.
    const before2 = rowsOf(net, 5);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    net.resetClass(['unicorn', 'cat'], { reuseWeights: ['unicorn', 'cat'] });
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    assert.ok(warnings.some((w) => /cat not found in old/.test(w)), 'a name missing from the old classes warns, as GluonCV');
    const after2 = rowsOf(net, 5);
    assert.deepEqual(after2.w[1], before2.w[3], 'unicorn moved from column 3 to column 1');
    net.resetClass(['x']);
    const fresh = rowsOf(net, 5);
    assert.ok(!after2.w.some((r) => r.every((v, j) => v === fresh.w[0]![j])), 'no reuse: the background is redrawn');
  } finally {
    net.dispose();
  }
  assert.equal(memory().liveTensors, before);
});

test('custom presets take classes; transfer starts from the local pretrained voc file and reuses shared classes', () => {
  const before = memory().liveTensors;
  resetNameCounters();
  const custom = getModel('ssd_300_mobilenet0.25_custom', { classes: ['a', 'b'], pretrainedBase: false });
  assert.deepEqual(custom.collectParams().get('ssd0_convpredictor0_conv0_weight')!.shape.slice(0, 1), [4 * 3]);
  custom.dispose();

  const voc = getModel(NAME, { pretrainedBase: false });
  try {
    saveWeights(join(dir, `${NAME}.safetensors`), voc);
    const cat = VOC_CLASSES.indexOf('cat');
    const net = getModel('ssd_300_mobilenet0.25_custom', { classes: ['zebra', 'cat'], transfer: 'voc', root: dir });
    try {
      assert.deepEqual(net.classes, ['zebra', 'cat']);
      const o = rowsOf(voc, 0);
      const n = rowsOf(net, 0);
      assert.deepEqual(n.w[2], o.w[cat + 1], 'cat reused from the voc model');
      assert.deepEqual(n.w[3 + 2], o.w[21 + cat + 1], 'anchor 1 cat');
      assert.ok(net.features.pretrainedBase.block.collectParams().size > 0);
      // The backbone is the pretrained one.
      const a = voc.collectParams().get('ssd1_mobilenet0_conv0_weight')!.data();
      const b = net.collectParams().get('ssd2_mobilenet0_conv0_weight')!.data();
      assert.ok(a.equal(b));
    } finally {
      net.dispose();
    }
    // A voc/coco preset given other classes is reset to them.
    const two = getModel(NAME, { pretrained: join(dir, `${NAME}.safetensors`), classes: ['cat', 'dog'] });
    assert.deepEqual(rowsOf(two, 1).w[1], rowsOf(voc, 1).w[cat + 1]);
    two.dispose();
  } finally {
    voc.dispose();
  }
  assert.equal(memory().liveTensors, before);
});
