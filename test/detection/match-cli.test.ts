// `ssdkit match` (src/cli/match.ts): JSON report against the target fixture, PNG rendering, input errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { matchCommand, type MatchReport } from '../../src/cli/match.js';
import { UsageError } from '../../src/cli/command.js';
import { memory } from '../../src/tensor/index.js';
import { assertClose, loadFixture } from '../helpers.js';
import type { FixtureImage } from './synth.js';

async function capture(argv: string[]): Promise<string> {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(' '));
  try {
    assert.equal(await matchCommand.run(argv), 0);
  } finally {
    console.log = orig;
  }
  return lines.join('\n');
}

const seed = loadFixture<Record<string, { gt_boxes: number[][][]; gt_ids: number[][]; images: FixtureImage[] }>>('detection_targets.json')['seed']!;

test('--json reports the positives, their boxes, class and box targets (the seed images: 13 and 23)', async () => {
  for (const [i, count] of [[0, 1], [1, 4]] as const) {
    const boxes = seed.gt_boxes[i]!.slice(0, count);
    const ids = seed.gt_ids[i]!.slice(0, count);
    const live = memory().liveTensors;
    const report = JSON.parse(await capture(['--model', 'ssd_300_vgg16_atrous_voc', '--boxes', JSON.stringify(boxes), '--ids', JSON.stringify(ids), '--json'])) as MatchReport;
    assert.equal(memory().liveTensors, live, 'no tensors left behind');
    const im = seed.images[i]!;
    assert.equal(report.numAnchors, 8732);
    assert.equal(report.numPositives, [13, 23][i]);
    assert.deepEqual(report.positives.map((p) => p.anchor), im.pos);
    assert.deepEqual(report.positives.map((p) => p.gt), im.gt);
    assert.deepEqual(report.positives.map((p) => p.classTarget), im.cls);
    assertClose(report.positives.flatMap((p) => p.boxTarget), im.box, 2e-5, 2e-4, 'box targets');
    assert.equal(report.perBox.reduce((a, b) => a + b, 0), report.numPositives);
  }
  const text = await capture(['--model', 'ssd_300_vgg16_atrous_voc', '--boxes', '[[10,20,80,90]]']);
  assert.match(text, /13 positive anchors/);
  assert.match(text, /^\s+6016\s+0\s+1\s/m, 'default id 0 -> class target 1');
});

test('bad input gives a usage error naming the problem', async () => {
  const cases: [string[], RegExp][] = [
    [['--model', 'ssd_300_vgg16_atrous_voc', '--boxes', '[[10,20,80,90]'], /--boxes is not valid JSON/],
    [['--model', 'ssd_300_vgg16_atrous_voc', '--boxes', '[[10,20,80]]'], /box 0 must have 4 numbers/],
    [['--model', 'ssd_300_vgg16_atrous_voc', '--boxes', '[[1,2,3,4],[50,20,40,90]]'], /box 1 has xmax 40 <= xmin 50/],
    [['--model', 'ssd_300_vgg16_atrous_voc', '--boxes', '[[1,20,3,20]]'], /box 0 has ymax 20 <= ymin 20/],
    [['--model', 'ssd_300_vgg16_atrous_voc', '--boxes', '{"a":1}'], /must be a JSON array/],
    [['--model', 'ssd_301_vgg', '--boxes', '[[1,2,3,4]]'], /unknown model 'ssd_301_vgg'; known models: ssd_300_vgg16_atrous_voc/],
    [['--boxes', '[[1,2,3,4]]'], /--model is required/],
    [['--model', 'ssd_300_vgg16_atrous_voc', '--boxes', '[[1,2,3,4]]', '--ids', '[1,2]'], /2 ids for 1 boxes/],
    [['--model', 'ssd_300_vgg16_atrous_voc', '--boxes', '[[1,2,3,4]]', '--ids', '[-1]'], /id 0 must be a non-negative integer/],
    [['--model', 'ssd_300_vgg16_atrous_voc', '--boxes', '[[1,2,3,4]]', '--bogus'], /bogus/],
  ];
  for (const [argv, message] of cases) {
    await assert.rejects(async () => matchCommand.run(argv), (err: unknown) => err instanceof UsageError && message.test(err.message), argv.join(' '));
  }
});

test('--png draws the boxes and matched anchors on a blank or given canvas', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-match-'));
  try {
    const file = join(dir, 'm.png');
    await capture(['--model', 'ssd_300_vgg16_atrous_voc', '--boxes', '[[10,20,80,90]]', '--png', file]);
    const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [300, 300]);
    const px = (x: number, y: number) => Array.from(data.subarray((y * 300 + x) * info.channels, (y * 300 + x) * info.channels + 3));
    assert.deepEqual(px(250, 250), [255, 255, 255], 'blank background');
    const edge = px(10, 60); // left edge of the ground-truth box, drawn in #e6194b
    assert.ok(edge[0]! > 180 && edge[1]! < 90, `box edge colour ${edge}`);
    const bg = join(dir, 'bg.png');
    await sharp({ create: { width: 120, height: 80, channels: 3, background: '#000000' } }).png().toFile(bg);
    await capture(['--model', 'ssd_512_vgg16_atrous_voc', '--boxes', '[[10,20,80,90]]', '--png', file, '--image', bg]);
    const out = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([out.info.width, out.info.height], [512, 512]);
    assert.deepEqual(Array.from(out.data.subarray((400 * 512 + 400) * out.info.channels, (400 * 512 + 400) * out.info.channels + 3)), [0, 0, 0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
