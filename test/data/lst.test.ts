// LST detection lists (src/data/lst.ts, spec §8.3): header/width parsing, object reordering, normalized
// coordinates scaled by the decoded image, and bad lines skipped with file:line warnings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LstDetection, parseLstLabel } from '../../src/data/lst.js';
import { readSample } from '../../src/data/sample.js';
import { writeImage } from '../../src/data/imageIO.js';
import { noiseImage, tempDir } from './util.js';

const tmp = tempDir('lst');
after(() => tmp.cleanup());

before(async () => {
  await writeImage(join(tmp.dir, 'a.png'), noiseImage(40, 20, 1));
  const lines = [
    // tutorial layout: idx, A=4, B=5, width, height, objects (cls xmin ymin xmax ymax), path
    ['0', '4', '5', '40', '20', '1', '0.1', '0.2', '0.5', '0.9', '0', '0.5', '0.5', '1.0', '1.0', 'a.png'].join('\t'),
    ['1', '2', '6', '3', '0.25', '0', '0.75', '0.5', '1', 'a.png'].join('\t'),
    ['2', '2', '5', '1', '0.1', '0.1', 'a.png'].join('\t'), // too few values
    ['3', '2', '4', '1', '0.1', '0.1', '0.2', '0.3', 'a.png'].join('\t'), // width < 5
    ['4', '2', '5', '0', '0.5', '0.5', '0.4', '0.9', '2', '0.1', '0.1', '0.2', '0.2', 'a.png'].join('\t'), // first object inverted
    ['5', '2', '5', '0', 'x', '0', '1', '1', 'a.png'].join('\t'),
    'garbage',
  ];
  writeFileSync(join(tmp.dir, 'train.lst'), lines.join('\n') + '\n');
});

test('parseLstLabel reorders objects to [xmin,ymin,xmax,ymax,cls,extra]', () => {
  assert.deepEqual(parseLstLabel([2, 5, 3, 0.1, 0.2, 0.3, 0.4]), [[0.1, 0.2, 0.3, 0.4, 3, 0]]);
  assert.deepEqual(parseLstLabel([3, 6, 99, 1, 0, 0, 5, 5, 1]), [[0, 0, 5, 5, 1, 1]]);
  assert.throws(() => parseLstLabel([2, 5, 1, 2, 3, 4, 5, 6]), /do not fit/);
  assert.throws(() => parseLstLabel([2, 4, 1, 2, 3, 4, 5]), /label width 4 < 5/);
});

test('LstDetection loads good lines, warns on bad ones with file:line, scales normalized boxes on decode', async () => {
  const warnings: string[] = [];
  const file = join(tmp.dir, 'train.lst');
  const ds = await LstDetection.load(file, { root: tmp.dir, onWarning: (m) => warnings.push(m) });
  assert.deepEqual(Array.from({ length: ds.length }, (_, i) => ds.record(i).id), ['0', '1', '4']);
  assert.deepEqual(ds.classes, ['class0', 'class1', 'class2', 'class3']);
  assert.deepEqual(ds.record(0).label, [
    [0.1, 0.2, 0.5, 0.9, 1, 0],
    [0.5, 0.5, 1.0, 1.0, 0, 0],
  ]);
  assert.deepEqual(ds.record(2).label, [[0.1, 0.1, 0.2, 0.2, 2, 0]]);
  const s = await readSample(ds.record(0));
  assert.deepEqual([s.image.width, s.image.height], [40, 20]);
  assert.deepEqual(s.label.map((r) => r.map((v) => Math.round(v * 1e6) / 1e6)), [
    [4, 4, 20, 18, 1, 0],
    [20, 10, 40, 20, 0, 0],
  ]);
  const s1 = await readSample(ds.record(1));
  assert.deepEqual(s1.label, [[10, 0, 30, 10, 3, 1]]);
  for (const want of [`${file}:3: label has 5 values`, `${file}:4: label width 4 < 5`, `${file}:5: object 1 [0.5, 0.5, 0.4, 0.9, 0] is invalid`, `${file}:6: non-numeric`, `${file}:7: expected tab-separated`]) {
    assert.ok(warnings.some((w) => w.startsWith(want)), `warning '${want}' in:\n${warnings.join('\n')}`);
  }
  await assert.rejects(LstDetection.load(join(tmp.dir, 'none.lst')), /none\.lst: missing/);
});

test('coordNormalized false keeps pixel coordinates', async () => {
  const file = join(tmp.dir, 'px.lst');
  writeFileSync(file, ['7', '2', '5', '0', '3', '4', '30', '15', 'a.png'].join('\t') + '\n');
  const ds = await LstDetection.load(file, { root: tmp.dir, coordNormalized: false, classes: ['x'] });
  const s = await readSample(ds.record(0));
  assert.deepEqual(s.label, [[3, 4, 30, 15, 0, 0]]);
  assert.deepEqual(ds.classes, ['x']);
});
