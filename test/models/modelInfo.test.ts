// `ssdkit info NAME` (src/cli/modelInfo.ts, src/models/summary.ts): anchors, feature maps, parameter names and
// shapes, and totals / GFLOPs checked against counts derived here from the SSD300 architecture (spec §2.1–2.3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';

const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

function run(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Conv layers of SSD300 VGG16-atrous VOC: [in, out, kernel, output side]. */
function ssd300Convs(): [number, number, number, number][] {
  const convs: [number, number, number, number][] = [
    [3, 64, 3, 300], [64, 64, 3, 300],
    [64, 128, 3, 150], [128, 128, 3, 150],
    [128, 256, 3, 75], [256, 256, 3, 75], [256, 256, 3, 75],
    [256, 512, 3, 38], [512, 512, 3, 38], [512, 512, 3, 38],
    [512, 512, 3, 19], [512, 512, 3, 19], [512, 512, 3, 19],
    [512, 1024, 3, 19], [1024, 1024, 1, 19],
    [1024, 256, 1, 19], [256, 512, 3, 10],
    [512, 128, 1, 10], [128, 256, 3, 5],
    [256, 128, 1, 5], [128, 256, 3, 3],
    [256, 128, 1, 3], [128, 256, 3, 1],
  ];
  const maps: [number, number, number][] = [[512, 38, 4], [1024, 19, 6], [512, 10, 6], [256, 5, 6], [256, 3, 4], [256, 1, 4]];
  for (const [c, h, a] of maps) convs.push([c, a * 21, 3, h], [c, a * 4, 3, h]);
  return convs;
}

test('ssdkit info --json: anchors, feature maps, every parameter, totals and GFLOPs of SSD300', () => {
  const r = run('info', 'ssd_300_vgg16_atrous_voc', '--json');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.equal(s.anchors, 8732);
  assert.deepEqual(s.featureSizes, [[38, 38], [19, 19], [10, 10], [5, 5], [3, 3], [1, 1]]);
  assert.deepEqual(s.anchorsPerLocation, [4, 6, 6, 6, 4, 4]);
  assert.equal(s.classNames.length, 20);
  const first = s.parameters.find((p: { mxnet: string }) => p.mxnet === 'ssd0_convpredictor0_conv0_weight');
  assert.deepEqual(first, {
    mxnet: 'ssd0_convpredictor0_conv0_weight',
    gluon: 'class_predictors.0.predictor.weight',
    structural: 'classPredictors.0.predictor.weight',
    shape: [84, 512, 3, 3],
    numel: 84 * 512 * 9,
    trainable: true,
  });
  assert.equal(s.parameters.length, 78);
  const convs = ssd300Convs();
  const weights = convs.reduce((n, [i, o, k]) => n + o * i * k * k + o, 0);
  const anchorGrids = [128 * 128 * 16, 64 * 64 * 24, 32 * 32 * 24, 16 * 16 * 24, 16 * 16 * 16, 16 * 16 * 16].reduce((a, b) => a + b);
  assert.equal(s.trainableParameters, weights + 512, 'conv weights + biases + L2Norm scale');
  assert.equal(s.totalParameters, weights + 512 + 3 + anchorGrids, '+ init_scale and the anchor grids');
  const macs = convs.reduce((n, [i, o, k, h]) => n + o * i * k * k * h * h, 0);
  const biasAdds = convs.reduce((n, [, o, , h]) => n + o * h * h, 0);
  assert.ok(Math.abs(s.gmacs - macs / 1e9) < 1e-9, `GMACs ${s.gmacs} vs ${macs / 1e9}`);
  assert.ok(Math.abs(s.gflops - (2 * macs + biasAdds) / 1e9) < 1e-9, `GFLOPs ${s.gflops}`);
  assert.ok(s.gmacs > 31 && s.gmacs < 32, 'SSD300 is ~31.4 G multiply-adds');
});

test('ssdkit info (text), --data-shape, --classes for custom models, and usage errors', () => {
  const r = run('info', 'ssd_300_mobilenet0.25_custom', '--classes', 'a,b', '--data-shape', '320');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^ssd_300_mobilenet0\.25_custom: base mobilenet0\.25, 2 classes, data shape 1x3x320x320$/m);
  assert.match(r.out, /^feature maps: 20x20, 10x10, 5x5, 3x3, 2x2, 1x1$/m);
  assert.match(r.out, /^ssd0_convpredictor0_conv0_weight\tclass_predictors\.0\.predictor\.weight\tclassPredictors\.0\.predictor\.weight\t\(12, 128, 3, 3\)$/m);
  assert.match(r.out, /^expand_bn0_moving_var\tfeatures\.expand_bn0_moving_var\tfeatures\.expand\.0\.4\.runningVar\t\(256\) const$/m);
  assert.match(r.out, /^GFLOPs: \d+\.\d\d \(\d+\.\d\d G multiply-adds\)$/m);
  const bad = run('info', 'ssd_300_vgg16_atrous_custom');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /custom model: pass --classes/);
  assert.equal(run('info', 'nope').code, 2);
  const list = run('info', '--list');
  assert.equal(list.code, 0);
  assert.ok(list.out.split('\n').includes('ssd_512_mobilenet1.0_voc') && !list.out.includes('resnet101_v2'));
});
