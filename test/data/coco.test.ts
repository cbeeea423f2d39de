// COCO datasets (src/data/coco.ts, spec §8.2): category mapping by sorted id, xywh → clipped xyxy, crowd /
// ignore / area / empty-image rules, and clear errors or warnings for malformed files and records.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COCODetection, cocoBoxToCorners } from '../../src/data/coco.js';
import { tempDir } from './util.js';

const tmp = tempDir('coco');
after(() => tmp.cleanup());

const doc = {
  images: [
    { id: 2, file_name: 'b.jpg', width: 100, height: 50 },
    { id: 1, file_name: 'a.jpg', width: 64, height: 48, coco_url: 'http://x/val2017/a.jpg' },
    { id: 3, file_name: 'c.jpg', width: 10, height: 10 },
    { id: 4, file_name: 'd.jpg' },
  ],
  annotations: [
    { id: 10, image_id: 1, category_id: 7, bbox: [10, 20, 30, 15], area: 450, iscrowd: 0 },
    { id: 11, image_id: 1, category_id: 3, bbox: [50, 40, 30, 30], area: 900, iscrowd: 1 },
    { id: 12, image_id: 1, category_id: 1, bbox: [5, 5, 0.5, 10], area: 5 },
    { id: 13, image_id: 1, category_id: 1, bbox: [5, 5, 10, 10], area: 0 },
    { id: 14, image_id: 1, category_id: 1, bbox: [5, 5, 10, 10], area: 100, ignore: 1 },
    { id: 15, image_id: 2, category_id: 1, bbox: [0, 0, 4, 4], area: 16 },
    { id: 16, image_id: 2, category_id: 99, bbox: [0, 0, 4, 4], area: 16 },
    { id: 17, image_id: 2, category_id: 1, bbox: [0, 0, 'x', 4], area: 16 },
    { id: 18, image_id: 77, category_id: 1, bbox: [0, 0, 4, 4], area: 16 },
  ],
  categories: [
    { id: 7, name: 'kite' },
    { id: 1, name: 'person' },
    { id: 3, name: 'car' },
  ],
};

before(() => {
  mkdirSync(join(tmp.dir, 'annotations'), { recursive: true });
  writeFileSync(join(tmp.dir, 'annotations', 'instances_val2017.json'), JSON.stringify(doc));
  writeFileSync(join(tmp.dir, 'annotations', 'broken.json'), '{"images": [');
  writeFileSync(join(tmp.dir, 'annotations', 'nocats.json'), JSON.stringify({ images: [], annotations: [] }));
});

test('xywh → (x, y, x + max(w-1,0), y + max(h-1,0)) clipped to [0, W-1] × [0, H-1]', () => {
  assert.deepEqual(cocoBoxToCorners([10, 20, 30, 15], 64, 48), [10, 20, 39, 34]);
  assert.deepEqual(cocoBoxToCorners([50, 40, 30, 30], 64, 48), [50, 40, 63, 47]);
  assert.deepEqual(cocoBoxToCorners([-3, 5, 0.5, 10], 64, 48), [0, 5, 0, 14]);
});

test('records: sorted category ids map to 0..C-1; crowd kept; tiny, zero-area, ignored and bad objects dropped', async () => {
  const warnings: string[] = [];
  const ds = await COCODetection.load(tmp.dir, ['instances_val2017'], { onWarning: (m) => warnings.push(m) });
  assert.deepEqual(ds.classes, ['person', 'car', 'kite']);
  assert.deepEqual([...ds.jsonIdToContiguous], [[1, 0], [3, 1], [7, 2]]);
  assert.equal(ds.length, 2, 'image 3 has no objects (skipped), image 4 has no size (skipped)');
  const a = ds.record(0);
  assert.equal(a.id, '1');
  assert.equal(a.imagePath, join(tmp.dir, 'val2017', 'a.jpg'));
  assert.deepEqual([a.width, a.height], [64, 48]);
  assert.deepEqual(a.label, [
    [10, 20, 39, 34, 2, 0],
    [50, 40, 63, 47, 1, 0],
  ]);
  assert.deepEqual(ds.record(1).label, [[0, 0, 3, 3, 0, 0]]);
  const json = join(tmp.dir, 'annotations', 'instances_val2017.json');
  const has = (s: string): void => assert.ok(warnings.some((w) => w.includes(s)), `warning '${s}' in:\n${warnings.join('\n')}`);
  has(`${json}: images[3] (id 4) needs id, file_name, width and height; skipped`);
  has(`${json}: annotation id 16 (image 2): unknown category_id 99, skipped`);
  has(`${json}: annotation id 17 (image 2): bbox must be 4 finite numbers, skipped`);
  has(`${json}: annotation id 18: image_id 77 is not in 'images', skipped`);
  has(`${json}: 1 images have no valid objects (ids 3); skipped`);
});

test('useCrowd false, minObjectArea, skipEmpty false (dummy -1 row), expected classes', async () => {
  const quiet = { onWarning: () => undefined };
  const ds = await COCODetection.load(tmp.dir, ['instances_val2017'], { useCrowd: false, minObjectArea: 20, skipEmpty: false, ...quiet });
  assert.equal(ds.length, 3);
  assert.deepEqual(ds.record(0).label, [[10, 20, 39, 34, 2, 0]]);
  assert.deepEqual(ds.record(1).label, [[-1, -1, -1, -1, -1, -1]], 'image 2: its only object has area 16 < 20');
  assert.deepEqual(ds.record(2).label, [[-1, -1, -1, -1, -1, -1]]);
  assert.equal(ds.record(2).imagePath, join(tmp.dir, 'val2017', 'c.jpg'));
  await assert.rejects(COCODetection.load(tmp.dir, ['instances_val2017'], { classes: ['person', 'kite', 'car'], ...quiet }), /differ from the expected classes/);
});

test('malformed JSON, missing file or categories are errors naming the file', async () => {
  await assert.rejects(COCODetection.load(tmp.dir, ['broken']), (e: Error) => e.message.includes(join(tmp.dir, 'annotations', 'broken.json')) && /malformed JSON/.test(e.message));
  await assert.rejects(COCODetection.load(tmp.dir, ['missing']), /missing\.json cannot be read: ENOENT/);
  await assert.rejects(COCODetection.load(tmp.dir, ['nocats']), /nocats\.json: no 'categories' list/);
  await assert.rejects(COCODetection.load(tmp.dir, ['instances_val2017'], { maxBytes: 100 }), /more than the 100 allowed/);
});
