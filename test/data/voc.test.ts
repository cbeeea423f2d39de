// Pascal VOC datasets (src/data/voc.ts, spec §8.1): ids from ImageSets, 0-based shift, difficult flag, class
// names, invalid/unknown objects dropped with warnings naming file and object, and bad files (malformed,
// oversized or too deeply nested XML, missing annotation or image) skipped with a warning instead of failing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VOCDetection, CustomVOCDetection, VOC_CLASSES, parseVOCAnnotation, formatVOCAnnotation } from '../../src/data/voc.js';
import { writeImage } from '../../src/data/imageIO.js';
import { noiseImage, tempDir } from './util.js';

const tmp = tempDir('voc');
after(() => tmp.cleanup());

function obj(name: string, box: number[], difficult = '0'): string {
  return `<object><name>${name}</name><difficult>${difficult}</difficult><bndbox><xmin>${box[0]}</xmin><ymin>${box[1]}</ymin><xmax>${box[2]}</xmax><ymax>${box[3]}</ymax></bndbox></object>`;
}
function ann(objects: string, w = 40, h = 30): string {
  return `<annotation><folder>VOC</folder><size><width>${w}</width><height>${h}</height><depth>3</depth></size>${objects}</annotation>`;
}

async function addImage(year: string, id: string, xml: string | null, image = true, w = 40, h = 30): Promise<void> {
  const d = join(tmp.dir, `VOC${year}`);
  mkdirSync(join(d, 'Annotations'), { recursive: true });
  mkdirSync(join(d, 'JPEGImages'), { recursive: true });
  if (xml !== null) writeFileSync(join(d, 'Annotations', `${id}.xml`), xml);
  if (image) await writeImage(join(d, 'JPEGImages', `${id}.jpg`), noiseImage(w, h, id.length));
}
function split(year: string, name: string, ids: string[]): void {
  mkdirSync(join(tmp.dir, `VOC${year}`, 'ImageSets', 'Main'), { recursive: true });
  writeFileSync(join(tmp.dir, `VOC${year}`, 'ImageSets', 'Main', `${name}.txt`), ids.join('\n') + '\n');
}

before(async () => {
  await addImage('2007', 'a', ann(obj(' Dog ', [1, 2, 11, 12], '1') + obj('person', [5, 5, 40, 30], 'x')));
  await addImage('2007', 'b', ann(obj('unicorn', [1, 1, 5, 5]) + obj('cat', [3, 4, 20, 25])));
  await addImage('2007', 'c', ann(obj('dog', [30, 1, 45, 10]) + obj('dog', [5, 5, 5, 9]) + obj('bird', [2, 2, 8, 8]) + obj('cow', [1, 1, 'abc' as unknown as number, 4])));
  await addImage('2007', 'd', ann(''));
  await addImage('2007', 'e', '<annotation><size><width>40</width></size><object><name>dog</annotation>');
  await addImage('2007', 'f', null);
  await addImage('2007', 'g', ann(obj('dog', [1, 1, 5, 5])), false);
  await addImage('2007', 'h', '<annotation>' + '<a>'.repeat(40) + '</a>'.repeat(40) + '</annotation>');
  await addImage('2007', 'i', `<annotation><size><width></width></size>${obj('car', [1, 1, 20, 10])}</annotation>`, true, 24, 16);
  await addImage('2007', 'big', ann(obj('dog', [1, 1, 5, 5]) + '<!--' + 'x'.repeat(1_100_000) + '-->'));
  split('2007', 'trainval', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'big']);
  await addImage('2012', 'x1', ann(obj('tvmonitor', [10, 10, 20, 20])));
  split('2012', 'trainval', ['x1']);
});

test('VOC 2007+2012 trainval: labels shifted to 0-based, difficult parsed, bad records skipped with warnings', async () => {
  const warnings: string[] = [];
  const ds = await VOCDetection.load(tmp.dir, ['2007/trainval', [2012, 'trainval']], { onWarning: (m) => warnings.push(m) });
  assert.equal(ds.classes, VOC_CLASSES);
  assert.deepEqual(
    Array.from({ length: ds.length }, (_, i) => ds.record(i).id),
    ['a', 'b', 'c', 'd', 'i', 'x1'],
  );
  const byId = new Map(Array.from({ length: ds.length }, (_, i) => [ds.record(i).id, ds.record(i)]));
  const C = (n: string): number => VOC_CLASSES.indexOf(n);
  assert.deepEqual(byId.get('a')!.label, [
    [0, 1, 10, 11, C('dog'), 1],
    [4, 4, 39, 29, C('person'), 0], // xmax 40 → 39 ≤ W: valid; unparsable difficult → 0
  ]);
  assert.deepEqual(byId.get('b')!.label, [[2, 3, 19, 24, C('cat'), 0]]);
  assert.deepEqual(byId.get('c')!.label, [[1, 1, 7, 7, C('bird'), 0]]);
  assert.deepEqual(byId.get('d')!.label, []);
  assert.deepEqual(byId.get('i')!.label, [[0, 0, 19, 9, C('car'), 0]]);
  assert.deepEqual([byId.get('i')!.width, byId.get('i')!.height], [24, 16], 'size read from the image header');
  assert.equal(byId.get('x1')!.imagePath, join(tmp.dir, 'VOC2012', 'JPEGImages', 'x1.jpg'));
  assert.deepEqual([byId.get('a')!.width, byId.get('a')!.height], [40, 30]);

  const has = (re: RegExp): void => assert.ok(warnings.some((w) => re.test(w)), `a warning matching ${re} in:\n${warnings.join('\n')}`);
  const ann = (id: string): string => join(tmp.dir, 'VOC2007', 'Annotations', `${id}.xml`).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  has(new RegExp(`${ann('b')}: object 1: unknown class 'unicorn'`));
  has(new RegExp(`${ann('c')}: object 1 \\('dog'\\): invalid box .*outside the image`));
  has(new RegExp(`${ann('c')}: object 2 \\('dog'\\): invalid box .*zero or negative area`));
  has(new RegExp(`${ann('c')}: object 4 \\('cow'\\): missing or non-numeric <bndbox>`));
  has(new RegExp(`id 'd': ${ann('d')} has no valid objects`));
  has(new RegExp(`id 'e': ${ann('e')}: malformed XML at line 1`));
  has(/id 'f': annotation .*f\.xml is missing, record skipped/);
  has(/id 'g': image .*g\.jpg is missing, record skipped/);
  has(/id 'h': .*h\.xml: XML nests 41 elements deep, more than the 16 allowed/);
  has(/id 'big': .*big\.xml: XML is \d+ bytes, more than the 1048576 allowed/);
  assert.equal(ds.warnings.count, warnings.length);
});

test('skipEmpty drops images without objects; a missing split file is an error naming it', async () => {
  const ds = await VOCDetection.load(tmp.dir, ['2007/trainval'], { skipEmpty: true, onWarning: () => undefined });
  assert.ok(!Array.from({ length: ds.length }, (_, i) => ds.record(i).id).includes('d'));
  await assert.rejects(VOCDetection.load(tmp.dir, ['2007/test']), /VOC2007\/test: cannot read .*ImageSets\/Main\/test\.txt: ENOENT/);
  await assert.rejects(VOCDetection.load(tmp.dir, ['trainval']), /expected 'YEAR\/NAME'/);
});

test('CustomVOCDetection: given classes, or generated (sorted) from the annotations', async () => {
  const quiet = { onWarning: () => undefined };
  const custom = await CustomVOCDetection.loadCustom(tmp.dir, [['VOC2007', 'trainval']], { classes: ['cat', 'dog'], ...quiet });
  assert.deepEqual(custom.classes, ['cat', 'dog']);
  const a = Array.from({ length: custom.length }, (_, i) => custom.record(i)).find((r) => r.id === 'a')!;
  assert.deepEqual(a.label, [[0, 1, 10, 11, 1, 1]], 'person is not a class here');
  const gen = await CustomVOCDetection.loadCustom(tmp.dir, ['VOC2012/trainval'], quiet);
  assert.deepEqual(gen.classes, ['tvmonitor']);
  assert.deepEqual(gen.record(0).label, [[9, 9, 19, 19, 0, 0]]);
  assert.ok(gen instanceof CustomVOCDetection);
});

test('formatVOCAnnotation writes 1-based boxes that parse back to the same 0-based rows', () => {
  const xml = formatVOCAnnotation('VOC2007', '000001.jpg', 50, 40, [
    { name: 'star', box: [0, 3, 20, 39], difficult: true },
    { name: 'circle', box: [10, 10, 49, 20], truncated: true },
  ]);
  assert.match(xml, /<xmin>1<\/xmin>/);
  const warnings: string[] = [];
  const parsed = parseVOCAnnotation(xml, 'mem.xml', new Map([['circle', 0], ['star', 1]]), (m) => warnings.push(m));
  assert.deepEqual(parsed, { width: 50, height: 40, label: [[0, 3, 20, 39, 1, 1], [10, 10, 49, 20, 0, 0]] });
  assert.deepEqual(warnings, []);
});
