// The validation metric factory (src/train/valMetric.ts) and detections-file scoring (scoreDetections.ts) with
// the COCO metric: numbers checked against the numpy transcription of pycocotools (scripts/fixtures/
// coco_reference.py via make_metric_fixtures.py: metrics_coco.json, metrics_coco_adapter.json), COCO results
// written by `detect --format coco` scoring like ssdkit's own format, and hostile entries refused by name.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COCODetection, VOCDetection, makeSyntheticVOC, SYNTH_CLASSES } from '../../src/data/index.js';
import type { COCOGroundTruth } from '../../src/metrics/index.js';
import { COCO_CLASSES } from '../../src/models/index.js';
import { createValMetric, defaultValMetric } from '../../src/train/valMetric.js';
import { scoreDetectionsFile } from '../../src/train/scoreDetections.js';
import { COCO_CATEGORY_IDS, categoryIdsFor, toCOCOResults } from '../../src/train/cocoResults.js';
import type { ImageDetections } from '../../src/train/validate.js';
import { assertClose, loadFixture } from '../helpers.js';
import { nums } from '../metrics/fixtures.js';
import { tempDir } from '../data/util.js';

const tmp = tempDir('valmetric');
after(() => tmp.cleanup());

/** Writes `gt` as {root}/annotations/{split}.json (images get file names) and loads it as the validation set. */
async function cocoDataset(gt: COCOGroundTruth, split: string): Promise<COCODetection> {
  const root = join(tmp.dir, split);
  mkdirSync(join(root, 'annotations'), { recursive: true });
  const images = gt.images.map((im) => ({ ...im, file_name: `${im.id}.jpg` }));
  writeFileSync(join(root, 'annotations', `${split}.json`), JSON.stringify({ ...gt, images }));
  return COCODetection.load(root, [split], { skipEmpty: false, onWarning: () => undefined });
}

test('defaultValMetric: coco for COCO, voc07 otherwise (train_ssd.py)', () => {
  assert.equal(defaultValMetric('coco'), 'coco');
  for (const k of ['voc', 'custom', 'synth', 'rec', 'lst']) assert.equal(defaultValMetric(k), 'voc07');
});

test('COCO metric fed per batch like validate(): the adapter fixture\'s 12 numbers and per-class AP', async () => {
  const f = loadFixture<{ data_shape: [number, number]; gt: COCOGroundTruth; preds: { pred_bboxes: number[][]; pred_labels: number[]; pred_scores: number[] }[]; stats: number[]; per_category_ap: (number | string)[] }>('metrics_coco_adapter.json');
  const ds = await cocoDataset(f.gt, 'instances_adapter');
  const m = createValMetric('coco', ds, { dataShape: f.data_shape[0], onWarning: (w) => assert.fail(w) });
  assert.equal(m.kind, 'coco');
  const sizes = new Map(f.gt.images.map((im) => [im.id, im]));
  const ids = [...sizes.keys()].sort((a, b) => a - b);
  for (const [lo, hi] of [[0, 4], [4, 6]] as const) {
    const part = f.preds.slice(lo, hi);
    const images = ids.slice(lo, hi).map((id) => ({ id: String(id), width: sizes.get(id)!.width!, height: sizes.get(id)!.height! }));
    m.update({
      boxes: part.map((p) => p.pred_bboxes), classIds: part.map((p) => p.pred_labels), scores: part.map((p) => p.pred_scores),
      gtBoxes: part.map(() => []), gtIds: part.map(() => []), difficult: part.map(() => []), images,
    });
  }
  const r = m.get();
  assertClose(r.cocoStats!, f.stats, 1e-9, 1e-9, 'COCO stats');
  assertClose(r.values, [...nums(f.per_category_ap), f.stats[0]!], 1e-9, 1e-9, 'per-class AP + mAP');
  assert.deepEqual(r.names, [...ds.classes, 'mAP']);
  assertClose([r.mAP], [f.stats[0]!], 1e-12, 1e-12, 'model selection uses AP@[.5:.95]');
});

test('eval --detections with COCO results: the numpy pycocotools numbers (crowd, areas, ties); VOC07 on the same file', async () => {
  const f = loadFixture<{ gt: COCOGroundTruth; dets: unknown[]; expected: { stats: number[]; per_category_ap: (number | string)[] } }>('metrics_coco.json');
  const ds = await cocoDataset(f.gt, 'instances_scene');
  const file = join(tmp.dir, 'coco_results.json');
  writeFileSync(file, JSON.stringify(f.dets));
  const r = scoreDetectionsFile(file, ds, 'coco');
  assert.equal(r.format, 'coco');
  assertClose(r.cocoStats!, f.expected.stats, 1e-9, 1e-9, 'COCO stats');
  assertClose(r.values, [...nums(f.expected.per_category_ap), f.expected.stats[0]!], 1e-9, 1e-9, 'per-class AP + mAP');
  assertClose([r.mAP], [f.expected.stats[0]!], 1e-12, 1e-12, 'mAP');
  assert.ok(r.ignored.length > 0 && r.ignored.every((m) => /coco_results\.json: result \d+ \(image \d+\): category_id \d+ is not one of/.test(m)), 'results of unknown categories are named and ignored');
  const voc = scoreDetectionsFile(file, ds, 'voc07');
  assert.equal(voc.cocoStats, undefined);
  assert.ok(voc.mAP > 0 && voc.mAP < 1, `VOC07 mAP ${voc.mAP}`);
});

test('the COCO metric refuses a non-COCO dataset with a clear message', async () => {
  const root = join(tmp.dir, 'synth');
  await makeSyntheticVOC({ out: root, images: 12, seed: 3, size: 96 });
  const ds = await VOCDetection.load(root, ['2007/test'], { classes: SYNTH_CLASSES });
  assert.throws(() => createValMetric('coco', ds), /COCO metric needs a COCO dataset/);
  assert.throws(() => createValMetric('bogus' as 'voc', ds), /unknown metric 'bogus'/);
});

test('detect --format coco results score exactly like ssdkit\'s format; category ids follow COCO for COCO classes', async () => {
  assert.equal(COCO_CATEGORY_IDS.length, 80);
  assert.deepEqual([COCO_CATEGORY_IDS[0], COCO_CATEGORY_IDS[11], COCO_CATEGORY_IDS[79]], [1, 13, 90]);
  assert.deepEqual(categoryIdsFor(COCO_CLASSES).slice(0, 13), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14]);
  assert.deepEqual(categoryIdsFor(SYNTH_CLASSES), SYNTH_CLASSES.map((_, i) => i + 1));
  const root = join(tmp.dir, 'synth');
  const ds = await VOCDetection.load(root, ['2007/test'], { classes: SYNTH_CLASSES });
  // Imperfect detections: each GT jittered, a false positive per image, scores varied.
  const dets: ImageDetections[] = Array.from({ length: ds.length }, (_, i) => {
    const r = ds.record(i);
    const rows = r.label.map((row, k) => ({ classId: row[4]!, className: SYNTH_CLASSES[row[4]!]!, score: 0.3 + 0.05 * ((i + k) % 9), box: [row[0]! + (k % 3) * 2.5, row[1]! - 1, row[2]! + 3, row[3]! - (i % 4)] as [number, number, number, number] }));
    rows.push({ classId: 1, className: SYNTH_CLASSES[1]!, score: 0.5, box: [1, 1, 20, 20] });
    return { id: r.id, imagePath: r.imagePath, width: r.width!, height: r.height!, detections: rows };
  });
  const own = join(tmp.dir, 'own.json');
  const coco = join(tmp.dir, 'coco.json');
  writeFileSync(own, JSON.stringify(dets));
  const results = toCOCOResults(dets, SYNTH_CLASSES);
  writeFileSync(coco, JSON.stringify(results));
  assert.ok(results.every((x) => typeof x.image_id === 'number' && x.bbox.length === 4), 'VOC-style digit ids become numbers');
  for (const metric of ['voc07', 'voc'] as const) {
    const a = scoreDetectionsFile(own, ds, metric);
    const b = scoreDetectionsFile(coco, ds, metric);
    assert.equal(b.missing, 0);
    assertClose(b.values, a.values, 0, 1e-12, `${metric}: COCO format vs ssdkit format`);
    assert.ok(a.mAP > 0.2 && a.mAP < 1, `${metric} mAP ${a.mAP}`);
  }
});

test('eval --detections refuses inverted boxes, non-finite scores and unknown classes, naming the entry', async () => {
  const root = join(tmp.dir, 'synth');
  const ds = await VOCDetection.load(root, ['2007/test'], { classes: SYNTH_CLASSES });
  const id = ds.record(0).id;
  const f = join(tmp.dir, 'bad.json');
  const cases: [string, RegExp][] = [
    [JSON.stringify([{ id, detections: [{ classId: 0, score: 0.5, box: [10, 10, 20, 20] }, { classId: 0, score: 0.5, box: [30, 10, 20, 20] }] }]), /bad\.json: entry 0 \(.*\) detection 1: box \[30, 10, 20, 20\] has xmax < xmin/],
    [JSON.stringify([{ id, detections: [{ classId: 0, score: 0.5, box: [10, 30, 20, 20] }] }]), /entry 0 .* detection 0: box .* ymax < ymin/],
    [`[{"id": "${id}", "detections": [{"classId": 0, "score": 1e999, "box": [1, 1, 2, 2]}]}]`, /entry 0 .* detection 0: score Infinity is not a finite number/],
    [JSON.stringify([{ id, detections: [{ classId: 0, score: null, box: [1, 1, 2, 2] }] }]), /detection 0: score null is not a finite number/],
    [JSON.stringify([{ id, detections: [{ classId: 0, score: 0.5, box: [1, 1, 2, '3'] }] }]), /detection 0: expected box .* of 4 finite numbers/],
    [JSON.stringify([{ image_id: 1, category_id: 1, bbox: [1, 1, 5, 5], score: 0.5 }, { image_id: 7, category_id: 1, bbox: [1, 1, -5, 5], score: 0.5 }]), /bad\.json: result 1 \(image 7\): bbox \[1, 1, -5, 5\] has a negative width/],
    [`[{"image_id": 1, "category_id": 1, "bbox": [1, 1, 5, 5], "score": -1e999}]`, /result 0 \(image 1\): score -Infinity is not a finite number/],
  ];
  for (const [text, re] of cases) {
    writeFileSync(f, text);
    assert.throws(() => scoreDetectionsFile(f, ds), re, text);
  }
});

test('validate() with the COCO metric feeds image ids and sizes: ground truth made of a first pass\'s detections scores AP 1', async () => {
  const { writeImage } = await import('../../src/data/imageIO.js');
  const { buildFromSpec, demoPreset } = await import('../../src/train/modelSpec.js');
  const { validate } = await import('../../src/train/validate.js');
  const { manualSeed } = await import('../../src/tensor/index.js');
  const { noiseImage } = await import('../data/util.js');
  const root = join(tmp.dir, 'cocoval');
  mkdirSync(join(root, 'annotations'), { recursive: true });
  mkdirSync(join(root, 'val'), { recursive: true });
  const sizes = [[96, 64], [64, 80], [120, 72]] as const;
  const images = sizes.map(([width, height], i) => ({ id: 10 * i + 7, file_name: `${i}.png`, width, height }));
  for (const [i, [w, h]] of sizes.entries()) await writeImage(join(root, 'val', `${i}.png`), noiseImage(w, h, i + 1));
  const categories = [{ id: 3, name: 'a' }, { id: 8, name: 'b' }];
  const write = (annotations: unknown[]): void => writeFileSync(join(root, 'annotations', 'instances_val.json'), JSON.stringify({ images, annotations, categories }));
  write([]);
  manualSeed(11);
  const net = buildFromSpec({ name: 'demo', preset: demoPreset(64), classes: ['a', 'b'] });
  try {
    const load = (): Promise<COCODetection> => COCODetection.load(root, ['instances_val'], { imageDir: 'val', skipEmpty: false, onWarning: () => undefined });
    const first = await validate(net, await load(), { dataShape: 64, metric: 'voc', collect: true });
    const annotations = first.detections.flatMap((im) =>
      im.detections.filter((d) => d.score >= 0.05).map((d, k) => {
        const [x0, y0, x1, y1] = d.box;
        return { id: Number(im.id) * 1000 + k, image_id: Number(im.id), category_id: categories[d.classId]!.id, bbox: [x0, y0, x1 - (x0 - 1), y1 - (y0 - 1)], area: (x1 - x0 + 1) * (y1 - y0 + 1), iscrowd: 0 };
      }),
    );
    assert.ok(annotations.length >= 3, `${annotations.length} detections above 0.05`);
    write(annotations);
    const second = await validate(net, await load(), { dataShape: 64, metric: 'coco' });
    assert.equal(second.metric.kind, 'coco');
    assertClose([second.mAP, second.cocoStats![0]!, second.cocoStats![1]!, second.cocoStats![8]!], [1, 1, 1, 1], 0, 1e-9, 'AP, AP50, AR100');
  } finally {
    net.dispose();
  }
});

test('ssdkit eval --detections on a COCO dataset: COCO metric by default, the 12 numbers in the JSON; --metric checked', async () => {
  const { evalCommand } = await import('../../src/cli/evaluate.js');
  const f = loadFixture<{ gt: COCOGroundTruth; dets: unknown[]; expected: { stats: number[] } }>('metrics_coco.json');
  await cocoDataset(f.gt, 'instances_val2017');
  const dets = join(tmp.dir, 'cli_dets.json');
  writeFileSync(dets, JSON.stringify(f.dets));
  const lines: string[] = [];
  const [log, err] = [console.log, process.stderr.write];
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    const argv = ['--dataset', 'coco', '--dataset-root', join(tmp.dir, 'instances_val2017'), '--detections', dets, '--out', tmp.dir, '--json'];
    assert.equal(await evalCommand.run(argv), 0);
    await assert.rejects(async () => evalCommand.run([...argv, '--metric', 'map']), /--metric must be one of voc07, voc, coco/);
  } finally {
    [console.log, process.stderr.write] = [log, err];
  }
  const report = JSON.parse(lines.join('\n')) as { metric: string; mAP: number; cocoStats: number[] };
  assert.equal(report.metric, 'coco');
  assertClose(report.cocoStats, f.expected.stats, 1e-9, 1e-9, 'CLI COCO stats');
  assertClose([report.mAP], [f.expected.stats[0]!], 1e-9, 1e-9, 'mAP');
});
