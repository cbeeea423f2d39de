// Synthetic VOC data (src/data/synth.ts, synthScene.ts, `ssdkit synth`): byte-for-byte determinism by seed, a
// valid VOC folder that VOCDetection reads without warnings, split files, and scene statistics that make the
// task non-trivial (all classes, wide size and aspect range, truncation, occlusion, several objects).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeSyntheticVOC, synthSplits, SYNTH_CLASSES } from '../../src/data/synth.js';
import { makeScene, DEFAULT_OBJECT_COUNTS } from '../../src/data/synthScene.js';
import { VOCDetection, CustomVOCDetection } from '../../src/data/voc.js';
import { imageInfo } from '../../src/data/imageIO.js';
import { synthCommand } from '../../src/cli/synth.js';
import { UsageError } from '../../src/cli/command.js';
import { tempDir } from './util.js';

const tmp = tempDir('synth');
after(() => tmp.cleanup());

function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), join(rel, e.name));
      else out.set(join(rel, e.name), readFileSync(join(d, e.name)));
    }
  };
  walk(dir, '');
  return out;
}

test('same seed → identical files; another seed → different images', async () => {
  const a = join(tmp.dir, 'a');
  const b = join(tmp.dir, 'b');
  const c = join(tmp.dir, 'c');
  await makeSyntheticVOC({ out: a, images: 6, seed: 3, size: 96 });
  await makeSyntheticVOC({ out: b, images: 6, seed: 3, size: 96, concurrency: 1 });
  await makeSyntheticVOC({ out: c, images: 6, seed: 4, size: 96 });
  const fa = files(a);
  const fb = files(b);
  assert.deepEqual([...fa.keys()].sort(), [...fb.keys()].sort());
  for (const [k, v] of fa) assert.ok(v.equals(fb.get(k)!), `${k} differs between runs`);
  assert.ok(!fa.get(join('VOC2007', 'JPEGImages', '000001.jpg'))!.equals(files(c).get(join('VOC2007', 'JPEGImages', '000001.jpg'))!));
  assert.equal(fa.get('classes.txt')!.toString(), SYNTH_CLASSES.join('\n') + '\n');
});

test('the folder is valid VOC: loads without warnings, sizes match, splits partition the ids', async () => {
  const out = join(tmp.dir, 'voc');
  const s = await makeSyntheticVOC({ out, images: 20, seed: 8, size: 128, year: 2012 });
  const warnings: string[] = [];
  const ds = await VOCDetection.load(out, ['2012/trainval', '2012/test'], { classes: SYNTH_CLASSES, onWarning: (m) => warnings.push(m) });
  assert.deepEqual(warnings, []);
  assert.equal(ds.length, 20);
  let objects = 0;
  for (let i = 0; i < ds.length; i++) {
    const r = ds.record(i);
    const info = await imageInfo(r.imagePath);
    assert.deepEqual([info.width, info.height, info.format], [r.width, r.height, 'jpeg']);
    assert.ok(r.width! >= 96 && r.width! <= 160);
    objects += r.label.length;
  }
  assert.equal(objects, s.objects);
  assert.ok(objects >= 30, `${objects} objects in 20 images`);
  const ids = (n: string): string[] => readFileSync(join(out, 'VOC2012', 'ImageSets', 'Main', `${n}.txt`), 'utf8').trim().split('\n');
  const [train, val, trainval, test_] = ['train', 'val', 'trainval', 'test'].map(ids);
  assert.deepEqual([...train!, ...val!].sort(), trainval);
  assert.equal(new Set([...trainval!, ...test_!]).size, 20);
  assert.deepEqual([train!.length, val!.length, test_!.length], [12, 4, 4]);
  const custom = await CustomVOCDetection.loadCustom(out, ['VOC2012/trainval'], { classes: SYNTH_CLASSES });
  assert.equal(custom.length, 16);
  assert.deepEqual(synthSplits(20, 8), s.splits);
});

test('scenes: every class, wide size/aspect range, truncation, occlusion (difficult), several objects', () => {
  const perClass = new Array(SYNTH_CLASSES.length).fill(0);
  const areas: number[] = [];
  const aspects: number[] = [];
  let truncated = 0;
  let difficult = 0;
  let multi = 0;
  let total = 0;
  const n = 300;
  for (let i = 0; i < n; i++) {
    const s = makeScene(11, i, 300);
    assert.ok(s.width >= 225 && s.width <= 375 && s.height >= 225 && s.height <= 375);
    assert.ok(s.quality >= 60 && s.quality <= 95);
    if (s.objects.length >= 3) multi++;
    for (const o of s.objects) {
      const [x0, y0, x1, y1] = o.box;
      assert.ok(x0 >= 0 && y0 >= 0 && x1 <= s.width - 1 && y1 <= s.height - 1 && x1 - x0 >= 5 && y1 - y0 >= 5, `box ${o.box}`);
      assert.ok(o.visible >= 0.2 && o.visible <= 1);
      perClass[o.cls]++;
      areas.push(((x1 - x0) * (y1 - y0)) / (s.width * s.height));
      aspects.push((x1 - x0) / (y1 - y0));
      if (o.truncated) truncated++;
      if (o.difficult) difficult++;
      total++;
    }
  }
  for (const c of perClass) assert.ok(c > total / SYNTH_CLASSES.length / 2, `class counts ${perClass}`);
  areas.sort((a, b) => a - b);
  aspects.sort((a, b) => a - b);
  assert.ok(areas[Math.floor(areas.length * 0.1)]! < 0.01 && areas[Math.floor(areas.length * 0.9)]! > 0.08, 'object sizes span small to large');
  assert.ok(aspects[Math.floor(aspects.length * 0.05)]! < 0.7 && aspects[Math.floor(aspects.length * 0.95)]! > 1.4, 'varied aspect ratios');
  assert.ok(truncated > total * 0.05, `${truncated}/${total} truncated`);
  assert.ok(difficult > 0, 'some objects are difficult (mostly hidden or tiny)');
  assert.ok(multi > n * 0.3, `${multi}/${n} scenes with ≥3 objects`);
  assert.equal(makeScene(11, 5, 300).svg, makeScene(11, 5, 300).svg);
  assert.notEqual(makeScene(11, 5, 300).svg, makeScene(12, 5, 300).svg);
});

test('objectCounts: [1, 20] gives very unequal scenes (tip 1); the default list is the generator\'s own', () => {
  const counts = Array.from({ length: 40 }, (_, i) => makeScene(11, i, 300, [1, 20]).objects.length);
  assert.ok(counts.every((c) => c <= 1 || c >= 6), `annotated objects per scene: ${counts.join(' ')}`);
  assert.ok(counts.filter((c) => c <= 1).length >= 10 && counts.filter((c) => c >= 6).length >= 10, counts.join(' '));
  assert.equal(makeScene(11, 3, 300, DEFAULT_OBJECT_COUNTS).svg, makeScene(11, 3, 300).svg);
});

test('`ssdkit synth` writes the dataset; bad arguments are usage errors', async () => {
  const out = join(tmp.dir, 'cli');
  const logged: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void logged.push(a.join(' '));
  try {
    assert.equal(await synthCommand.run(['--out', out, '--images', '3', '--seed', '2', '--size', '80']), 0);
  } finally {
    console.log = log;
  }
  assert.match(logged.join('\n'), /wrote 3 images .* to .*VOC2007/);
  assert.ok(existsSync(join(out, 'VOC2007', 'JPEGImages', '000003.jpg')));
  assert.ok(existsSync(join(out, 'VOC2007', 'ImageSets', 'Main', 'trainval.txt')));
  await assert.rejects(async () => synthCommand.run(['--out', out, '--images', 'many']), (e: Error) => e instanceof UsageError && /--images must be an integer/.test(e.message));
  await assert.rejects(async () => synthCommand.run(['--images', '2']), (e: Error) => e instanceof UsageError && /--out is required/.test(e.message));
  await assert.rejects(async () => synthCommand.run(['--out', out, '--images', '2', '--colour', 'red']), (e: Error) => e instanceof UsageError && /colour/.test(e.message));
});
