// `ssdkit demo`, the README's main job: makes the synthetic dataset, trains the demo's small SSD
// (MobileNet0.25 at 256) for a few minutes on the CPU, evaluates it by VOC07 mAP, and writes detections, a
// per-class PR plot and the training curves, saying where they are.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from './command.js';
import { parseFlags, str, num } from './flags.js';
import { manualSeed } from '../tensor/index.js';
import { openDatasets } from '../train/datasets.js';
import { trainSSD } from '../train/trainSSD.js';
import { validate } from '../train/validate.js';
import { buildFromSpec, demoPreset, saveModelSpec, type ModelSpec } from '../train/modelSpec.js';
import { formatAPTable, writePRCurvesPNG, VOC07MApMetric } from '../metrics/index.js';
import { decodeImage, drawBoxes, Random, type DetectionDataset } from '../data/index.js';
import { demoTrainOptions, resetBatchNormStats } from '../train/demoConfig.js';

/** The VOC07 mAP of guessing: 100 random boxes per image (random class, score, centre, 10–60% sides). */
export function chanceMAP(ds: DetectionDataset, seed: number): number {
  const rng = new Random(seed);
  const metric = new VOC07MApMetric({ classNames: [...ds.classes] });
  for (let i = 0; i < ds.length; i++) {
    const r = ds.record(i);
    const W = r.width ?? 320;
    const H = r.height ?? 320;
    const boxes: number[][] = [];
    const ids: number[] = [];
    const scores: number[] = [];
    for (let k = 0; k < 100; k++) {
      const w = W * rng.uniform(0.1, 0.6);
      const h = H * rng.uniform(0.1, 0.6);
      const cx = rng.uniform(0, W);
      const cy = rng.uniform(0, H);
      boxes.push([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]);
      ids.push(rng.randint(0, ds.classes.length - 1));
      scores.push(rng.uniform(0, 1));
    }
    metric.update([boxes], [ids], [scores], [r.label.map((row) => row.slice(0, 4))], [r.label.map((row) => row[4]!)], [r.label.map((row) => row[5] ?? 0)]);
  }
  const [, values] = metric.get();
  return values[values.length - 1]!;
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'the main job: synthetic data → train a small SSD for a few minutes → evaluate → pictures',
  usage: `usage: ssdkit demo [--out DIR] [--minutes M] [--images N] [--seed S]

  --out DIR      where everything goes (default ./ssdkit-demo)
  --minutes M    training budget (default 5)
  --images N     synthetic images to generate (default 800; a third is the test split)
  --seed S       seed for data, initialization and augmentation (default 233)`,
  async run(argv) {
    const { values: v } = parseFlags(argv, { out: { type: 'string' }, minutes: { type: 'string' }, images: { type: 'string' }, seed: { type: 'string' } });
    const out = resolve(str(v, 'out', 'ssdkit-demo'));
    const minutes = num(v, 'minutes', 5, { min: 0.1 });
    const seed = num(v, 'seed', 233, { integer: true, min: 0 });
    const log = (l: string) => process.stderr.write(l + '\n');
    mkdirSync(out, { recursive: true });
    const data = await openDatasets({ kind: 'synth', root: join(out, 'data'), synthImages: num(v, 'images', 800, { integer: true, min: 16 }), synthSeed: seed, log });
    log(`dataset: ${data.train.length} training and ${data.val.length} test images of ${data.classes.join(', ')}`);
    const spec: ModelSpec = { name: 'ssd_256_mobilenet0.25_demo', preset: demoPreset(), classes: [...data.classes] };
    manualSeed(seed);
    const net = buildFromSpec(spec);
    resetBatchNormStats(net);
    const prefix = join(out, 'run', spec.name);
    mkdirSync(join(out, 'run'), { recursive: true });
    saveModelSpec(`${prefix}_model.json`, spec);
    const t0 = Date.now();
    const r = await trainSSD(net, data.train, data.val, { ...demoTrainOptions(minutes * 60), seed, savePrefix: prefix, valInterval: 1000, log });
    log(`trained ${r.epochs.length} epochs in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const v2 = await validate(net, data.val, { dataShape: 256, batchSize: 16, collect: true, progress: true });
    console.log(formatAPTable(v2.names, v2.values));
    const prPath = join(out, 'pr_curves.png');
    await writePRCurvesPNG(v2.metric.curves(), prPath, { title: `VOC07 mAP ${v2.mAP.toFixed(3)} on ${data.val.length} test images` });
    const detDir = join(out, 'detections');
    mkdirSync(detDir, { recursive: true });
    writeFileSync(join(out, 'detections.json'), JSON.stringify(v2.detections, null, 1));
    for (const d of v2.detections.slice(0, 8)) {
      const img = await decodeImage(d.imagePath);
      // score >= 0.3, and at least the image's three best, so a weakly trained model still shows what it sees
      const boxes = d.detections.filter((x, rank) => x.score >= 0.3 || rank < 3).map((x) => ({ box: x.box, label: x.className, score: x.score, colorIndex: x.classId }));
      writeFileSync(join(detDir, `${d.id}.png`), await drawBoxes(img, boxes));
    }
    const chance = chanceMAP(data.val, seed);
    console.log(`\nmAP (VOC07 11-point) ${v2.mAP.toFixed(4)} after ${r.epochs.length} epochs; guessing (100 random boxes per image) scores ${chance.toFixed(4)}.`);
    console.log(`pictures: ${detDir}/*.png (detections: score >= 0.3 or the top 3), ${prPath} (per-class PR), ${r.curvesPath ?? '(no curves)'} (training curves)`);
    console.log(`files: ${join(out, 'detections.json')}, log ${r.logPath}, weights ${r.bestPath ?? prefix + '_best.safetensors'}`);
    net.dispose();
    return 0;
  },
};
