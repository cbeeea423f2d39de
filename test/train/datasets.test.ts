// ensureSynthetic (src/train/datasets.ts): the synthetic dataset a command asks for is the one it gets. A folder
// generated with other settings (another --seed or --images in the same --out) used to be reused silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSynthetic, openDatasets } from '../../src/train/datasets.js';

const ids = (root: string, split: string): string[] => readFileSync(join(root, 'VOC2007', 'ImageSets', 'Main', `${split}.txt`), 'utf8').split('\n').filter(Boolean);

test('ensureSynthetic keeps a folder made with the same settings, regenerates one made with others, and leaves foreign folders alone', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ssdkit-synth-'));
  try {
    const lines: string[] = [];
    const log = (l: string): void => void lines.push(l);
    await ensureSynthetic(root, 16, 1, log);
    assert.equal(ids(root, 'trainval').length + ids(root, 'test').length, 16);
    const first = statSync(join(root, 'VOC2007', 'JPEGImages', '000001.jpg')).mtimeMs;

    lines.length = 0;
    await ensureSynthetic(root, 16, 1, log);
    assert.deepEqual(lines, []);
    assert.equal(statSync(join(root, 'VOC2007', 'JPEGImages', '000001.jpg')).mtimeMs, first, 'not rewritten');

    await ensureSynthetic(root, 20, 2, log);
    assert.match(lines.join('\n'), /regenerating .*: it holds 16 images of seed 1 .*asked for 20 of seed 2/);
    assert.equal(ids(root, 'trainval').length + ids(root, 'test').length, 20);
    assert.equal(JSON.parse(readFileSync(join(root, 'synth.json'), 'utf8')).seed, 2);

    lines.length = 0;
    await ensureSynthetic(root, 20, 2, log, [1, 20]);
    assert.match(lines.join('\n'), /objects 1,1,2,2,2,3,3,3,4,4,5,6\), asked for 20 of seed 2 \(objects 1,20\)/);

    rmSync(join(root, 'synth.json'));
    lines.length = 0;
    await ensureSynthetic(root, 30, 3, log);
    assert.deepEqual(lines, [], 'a VOC folder without synth.json is used as it is');
    assert.equal(ids(root, 'trainval').length + ids(root, 'test').length, 20);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('eval and train (no synth settings given) use a generated set as they find it instead of regenerating the default one over it', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ssdkit-synth-'));
  try {
    await ensureSynthetic(root, 20, 233, () => {});
    const before = statSync(join(root, 'VOC2007', 'JPEGImages', '000001.jpg')).mtimeMs;
    const lines: string[] = [];
    const d = await openDatasets({ kind: 'synth', root, valOnly: true, log: (l) => void lines.push(l) });
    assert.equal(d.train.length + d.val.length, 20, "the demo's 20 images, not a regenerated default set");
    assert.equal(JSON.parse(readFileSync(join(root, 'synth.json'), 'utf8')).seed, 233);
    assert.equal(statSync(join(root, 'VOC2007', 'JPEGImages', '000001.jpg')).mtimeMs, before, 'not rewritten');
    assert.match(lines.join('\n'), /using .* as it is: 20 synthetic images of seed 233/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
