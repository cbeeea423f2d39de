// Anchors (src/detection/anchor.ts) and the preset table (src/models/presets.ts) against the reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SSDAnchorGenerator, anchorCount, ssdAnchors, type SSDAnchorConfig } from '../../src/detection/index.js';
import { SSD_PRESETS, getPreset, VOC_CLASSES, COCO_CLASSES } from '../../src/models/presets.js';
import { assertClose, loadFixture } from '../helpers.js';
import { assertNoLeak } from './synth.js';

interface AnchorSample {
  config: { base_size: number; sizes: number[]; ratios: number[][]; steps: number[]; feature_sizes: number[]; kind?: 'ssd' | 'lite'; clip?: boolean };
  count: number;
  index: number[];
  anchors: number[][];
}

function config(c: AnchorSample['config']): SSDAnchorConfig {
  return { baseSize: c.base_size, sizes: c.sizes, ratios: c.ratios, steps: c.steps, featureSizes: c.feature_sizes, anchorKind: c.kind ?? 'ssd', clip: c.clip };
}

test('SSD300 VOC: 8732 anchors, the first four as in the spec, center format in pixels', () => {
  const a = assertNoLeak(() => ssdAnchors(getPreset('ssd_300_vgg16_atrous_voc')), 'ssdAnchors');
  assert.deepEqual(a.shape, [8732, 4]);
  assertClose(a.narrow(0, 0, 4), [[4, 4, 30, 30], [4, 4, 42.4264, 42.4264], [4, 4, 42.4264, 21.2132], [4, 4, 21.2132, 42.4264]], 1e-5, 0, 'first anchors');
  // last layer: one location (centre 150), sizes 264 and sqrt(264*315), ratios 2, 1/2
  assertClose(a.narrow(0, 8728, 4), [[150, 150, 264, 264], [150, 150, 288.3748, 288.3748], [150, 150, 373.3524, 186.6762], [150, 150, 186.6762, 373.3524]], 1e-5, 0, 'last anchors');
});

test('anchors match the reference for VGG300, VGG512, ResNet50-512 COCO, the lite generator and clipping', () => {
  const fx = loadFixture<Record<string, AnchorSample>>('detection_anchors.json');
  for (const [name, s] of Object.entries(fx)) {
    const a = ssdAnchors(config(s.config));
    assert.equal(a.shape[0], s.count, `${name} count`);
    assert.equal(anchorCount(config(s.config)), s.count, `${name} anchorCount`);
    const rows = a.toArray();
    const picked = s.index.flatMap((i) => rows.slice(i * 4, i * 4 + 4));
    assertClose(picked, s.anchors, 0, 0, `${name} anchors`);
  }
});

test('presets: derived anchor counts per family, classes, and all registered names', () => {
  const counts: Record<string, number> = {
    ssd_300_vgg16_atrous_voc: 8732, ssd_300_vgg16_atrous_coco: 8732, ssd_300_resnet34_v1b_coco: 8732,
    ssd_512_vgg16_atrous_voc: 24564, ssd_512_resnet152_v2_voc: 24564, ssd_512_resnet50_v1_voc: 6132,
    ssd_512_resnet18_v1_coco: 6132, ssd_512_resnet101_v2_voc: 6132, 'ssd_512_mobilenet1.0_voc': 6132,
    'ssd_300_mobilenet1.0_lite_coco': 1917, 'ssd_300_mobilenet0.25_voc': 2268,
  };
  for (const [name, n] of Object.entries(counts)) assert.equal(anchorCount(getPreset(name)), n, name);
  assert.equal(Object.keys(SSD_PRESETS).length, 23);
  assert.deepEqual(getPreset('ssd_300_vgg16_atrous_voc').sizes, [30, 60, 111, 162, 213, 264, 315]);
  assert.deepEqual(getPreset('ssd_300_vgg16_atrous_custom').sizes, [21, 45, 99, 153, 207, 261, 315]);
  assert.deepEqual(getPreset('ssd_512_resnet50_v1_custom').sizes, getPreset('ssd_512_resnet50_v1_coco').sizes);
  assert.equal(getPreset('ssd_512_vgg16_atrous_coco').classes, COCO_CLASSES);
  assert.equal(VOC_CLASSES.length, 20);
  assert.equal(COCO_CLASSES.length, 80);
  assert.equal(getPreset('ssd_512_mobilenet1.0_custom').classes, null);
  assert.equal(getPreset('ssd_300_vgg16_atrous_voc').pretrained, true);
  assert.equal(getPreset('ssd_512_resnet18_v1_voc').pretrained, false);
  assert.throws(() => getPreset('ssd_300_vgg16_atrous_voc_x'), /unknown model 'ssd_300_vgg16_atrous_voc_x'.*ssd_300_vgg16_atrous_voc/);
});

test('SSDAnchorGenerator: one layer, depth, non-square maps, offsets and clip', () => {
  const g = new SSDAnchorGenerator({ imSize: [300, 300], sizes: [30, 60], ratios: [1, 2, 0.5], step: 8 });
  assert.equal(g.numDepth, 4);
  const whole = ssdAnchors(getPreset('ssd_300_vgg16_atrous_voc'));
  assert.deepEqual(g.generate(38, 38).toArray(), whole.narrow(0, 0, 5776).toArray());
  const rect = g.generate(2, 3).tolist() as number[][];
  assert.equal(rect.length, 24);
  assert.deepEqual(rect[4]!.slice(0, 2), [12, 4], 'second column (x) before second row (y)');
  assert.deepEqual(rect[12]!.slice(0, 2), [4, 12]);
  const off = new SSDAnchorGenerator({ imSize: [300, 300], sizes: [30, 60], ratios: [1], step: 10, offsets: [0, 1] });
  assert.deepEqual(off.generate(1, 1).tolist(), [[10, 0, 30, 30], [10, 0, 42.42640686035156, 42.42640686035156]]);
  const clip = new SSDAnchorGenerator({ imSize: [20, 40], sizes: [30, 60], ratios: [1], step: 30, clip: true });
  assert.deepEqual((clip.generate(1, 2).tolist() as number[][])[2], [40, 15, 30, 20]);
  const lite0 = new SSDAnchorGenerator({ index: 0, imSize: [300, 300], sizes: [60, 105], ratios: [1, 2, 0.5], step: 16, kind: 'lite' });
  assert.equal(lite0.numDepth, 3);
  assert.deepEqual(lite0.shapes()[0], [30, 30]);
  assert.throws(() => new SSDAnchorGenerator({ imSize: [1, 1], sizes: [30, -1], ratios: [1], step: 8 }), /sizes must be two positive/);
});
