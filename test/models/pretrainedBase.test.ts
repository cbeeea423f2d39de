// `--pretrained-base` (src/models/pretrainedBase.ts, torchvisionBase.ts): GluonCV ImageNet base files laid out
// as GluonCV's are (Gluon structural names of the ImageNet network, its classifier included, none of SSD's
// extras or predictors) load into the SSD's backbone with missing parameters allowed and extra entries ignored,
// with counts; torchvision's vgg16 is renamed and its fc6/fc7 subsampled into the dilated conv6/conv7; torchvision
// networks without corresponding layers are refused with the reason.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Tensor, arange, dispose, manualSeed, randn, tidy } from '../../src/tensor/index.js';
import {
  decimate,
  describeParameters,
  formatPretrainedBaseReport,
  getModel,
  importParameters,
  loadPretrainedBase,
  saveMxnetParams,
  vgg16ToAtrous,
  torchvisionBackboneKind,
  WeightsError,
  type SSD,
} from '../../src/models/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ssdkit-base-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A GluonCV-style ImageNet file for `net`'s base: its Gluon structural names (+ `extra` entries), random values. */
function writeBaseFile(net: SSD, file: string, keep: (gluonName: string) => boolean, extra: [string, number[]][]): Map<string, Tensor> {
  const entries = new Map<string, Tensor>();
  for (const n of describeParameters(net.features.pretrainedBase.block)) if (keep(n.gluon)) entries.set(n.gluon, randn([...n.parameter.shape]));
  for (const [name, shape] of extra) entries.set(name, randn(shape));
  saveMxnetParams(file, [...entries]);
  return entries;
}

const CASES = [
  // GluonCV's vgg16_atrous: conv1_1..conv5_3 (stages.0-4) and fc6/fc7 (stages.5); no extras, no norm4 scale.
  { model: 'ssd_300_vgg16_atrous_voc', base: 'vgg16_atrous', keep: (g: string) => g.startsWith('stages.'), extra: [] as [string, number[]][], missing: 18, ignored: 0, first: 'stages.0.0.weight' },
  // GluonCV's resnet50_v1 / mobilenet1.0: the whole ImageNet classifier, its `output` Dense included.
  { model: 'ssd_512_resnet50_v1_voc', base: 'resnet50_v1', keep: () => true, extra: [['output.weight', [1000, 2048]], ['output.bias', [1000]]] as [string, number[]][], missing: 0, ignored: 2, first: 'features.4.0.body.0.weight' },
  { model: 'ssd_512_mobilenet1.0_voc', base: 'mobilenet1.0', keep: () => true, extra: [['output.weight', [1000, 1024]], ['output.bias', [1000]]] as [string, number[]][], missing: 0, ignored: 2, first: 'features.3.weight' },
];

for (const c of CASES) {
  test(`${c.base}: a GluonCV-layout base file loads into ${c.model}'s backbone with counts`, () => {
    manualSeed(5);
    const net = getModel(c.model, { pretrainedBase: false });
    const file = join(dir, `${c.base}.params`);
    const entries = writeBaseFile(net, file, c.keep, c.extra);
    assert.ok(entries.has(c.first), `GluonCV's name ${c.first} is in the file`);
    const r = loadPretrainedBase(net, file);
    assert.equal(r.base, c.base);
    assert.equal(r.loaded, entries.size - c.ignored);
    assert.equal(r.missing.length, c.missing);
    assert.deepEqual(r.ignored, c.extra.map(([n]) => n));
    const p = describeParameters(net.features.pretrainedBase.block).find((n) => n.gluon === c.first)!.parameter;
    assert.ok(p.data().equal(entries.get(c.first)!), `${c.first} holds the file's values`);
    assert.match(formatPretrainedBaseReport(r), new RegExp(`pretrained base ${c.base.replace('.', '\\.')} from .*: ${r.loaded} parameters loaded, ${c.missing} missing .*${c.ignored} ignored`));
    dispose(entries);
    net.dispose();
  });
}

test('a base file of the wrong network is refused (nothing matches, or shapes differ), naming the file', () => {
  const net = getModel('ssd_512_mobilenet1.0_voc', { pretrainedBase: false });
  const file = join(dir, 'wrong.params');
  saveMxnetParams(file, [['features.0.weight', randn([64, 3, 7, 7])]]);
  assert.throws(() => loadPretrainedBase(net, file), (e: unknown) => e instanceof WeightsError && /wrong\.params.*shape mismatch for features\.0\.weight/s.test(e.message));
  saveMxnetParams(file, [['fc.weight', randn([3, 3])]]);
  assert.throws(() => loadPretrainedBase(net, file), /wrong\.params.*no entry of .* matches/s);
  net.dispose();
});

test('decimate: x[::4, :, ::3, ::3] as in the SSD paper\'s fc6 subsampling', () => {
  const x = arange(0, 8 * 2 * 7 * 7, 1, { dtype: 'float32' }).reshape(8, 2, 7, 7);
  const d = decimate(x, [4, null, 3, 3]);
  assert.deepEqual(d.shape, [2, 2, 3, 3]);
  const want: number[] = [];
  for (const o of [0, 4]) for (let c = 0; c < 2; c++) for (const k of [0, 3, 6]) for (const l of [0, 3, 6]) want.push(((o * 2 + c) * 7 + k) * 7 + l);
  assert.deepEqual(d.toArray(), want);
  dispose([x, d]);
});

test('torchvision vgg16 -> vgg16_atrous: renamed convs, fc6/fc7 subsampled, init_scale 1, counts', () => {
  const t = new Map<string, Tensor>();
  const convs = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28];
  const ch = [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512];
  convs.forEach((i, k) => {
    t.set(`features.${i}.weight`, randn([ch[k]!, k === 0 ? 3 : ch[k - 1]!, 3, 3]));
    t.set(`features.${i}.bias`, randn([ch[k]!]));
  });
  t.set('classifier.0.weight', tidy(() => arange(0, 4096 * 25088, 1, { dtype: 'float32' }).reshape(4096, 25088)));
  t.set('classifier.0.bias', randn([4096]));
  t.set('classifier.3.weight', randn([4096, 4096]));
  t.set('classifier.3.bias', randn([4096]));
  t.set('classifier.6.weight', randn([1000, 4096]));
  t.set('classifier.6.bias', randn([1000]));
  assert.equal(torchvisionBackboneKind(t), 'vgg16');
  const conv = vgg16ToAtrous(t);
  const fc6 = conv.get('stages.5.0.weight')!;
  assert.deepEqual(fc6.shape, [1024, 512, 3, 3]);
  // fc6[o, c, k, l] = classifier.0.weight[4o, c*49 + 3k*7 + 3l]
  for (const [o, c, k, l] of [[0, 0, 0, 0], [1, 2, 1, 2], [1023, 511, 2, 2]] as const) {
    assert.equal(fc6.select(0, o).select(0, c).select(0, k).select(0, l).item(), Math.fround(4 * o * 25088 + c * 49 + 3 * k * 7 + 3 * l));
  }
  assert.ok(conv.get('stages.5.2.weight')!.reshape(1024, 1024).equal(decimate(t.get('classifier.3.weight')!, [4, 4])));
  assert.ok(conv.get('stages.3.4.weight')!.equal(t.get('features.21.weight')!));
  const net = getModel('ssd_300_vgg16_atrous_voc', { pretrainedBase: false });
  const r = importParameters(net.features.pretrainedBase.block, conv, { allowMissing: true, ignoreExtra: true });
  assert.equal(r.loaded, 31); // 13 convs + fc6 + fc7, weights and biases, and init_scale
  assert.deepEqual(net.features.pretrainedBase.block.namedParameters().get('initScale')!.data().toArray(), [1, 1, 1]);
  dispose(conv);
  dispose(t);
  net.dispose();
});

test('torchvision ResNet and MobileNet checkpoints are refused with the reason', async () => {
  const { torchvisionToBase } = await import('../../src/models/torchvisionBase.js');
  const resnet = new Map([['conv1.weight', randn([2])], ['layer1.0.conv1.weight', randn([2])], ['fc.weight', randn([2])]]);
  assert.throws(() => torchvisionToBase(resnet, 'resnet50_v1', 'r50.pth'), /r50\.pth: torchvision's ResNet strides in the 3x3 conv/);
  const mobilenet = new Map([['features.0.0.weight', randn([2])], ['classifier.1.weight', randn([2])]]);
  assert.throws(() => torchvisionToBase(mobilenet, 'mobilenet1.0', 'mb.pth'), /mb\.pth: torchvision's MobileNet is v2\/v3/);
  dispose([...resnet.values(), ...mobilenet.values()]);
});
