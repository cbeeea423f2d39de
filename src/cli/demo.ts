// `ssdkit demo`, the README's main job: makes the synthetic dataset, trains the demo's small SSD (MobileNet0.25,
// recipe in src/train/demoConfig.ts) for a fixed number of epochs on the CPU, evaluates it by VOC07 mAP, and
// writes pictures (ground truth beside predictions), a per-class PR plot and the training curves, then says
// what to look at.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from './command.js';
import { parseFlags, str, num, numList, choice } from './flags.js';
import { manualSeed } from '../tensor/index.js';
import { openDatasets } from '../train/datasets.js';
import { trainSSD } from '../train/trainSSD.js';
import { validate, type ImageDetections } from '../train/validate.js';
import { buildFromSpec, demoPreset, saveModelSpec, DEMO_BASES, type ModelSpec } from '../train/modelSpec.js';
import { formatAPTable, writePRCurvesPNG } from '../metrics/index.js';
import { chanceMAP } from '../train/chanceMAP.js';
import { decodeImage, type DetectionDataset } from '../data/index.js';
import { DEMO_RECIPE, demoTrainOptions, resetBatchNormStats, type DemoRecipe } from '../train/demoConfig.js';
import { drawTruthBesidePredictions } from '../report/truthBeside.js';
import { saveParameters } from '../nn/index.js';
import { loadavg } from 'node:os';

/** The recipe the flags ask for: DEMO_RECIPE with any of --base, --images, --epochs, --data-shape, --lr, --wd, --batch-size, --anchor-sizes. */
function recipeFromFlags(v: Record<string, unknown>): DemoRecipe {
  const d = DEMO_RECIPE;
  return {
    ...d,
    base: choice(v, 'base', DEMO_BASES, d.base),
    images: num(v, 'images', d.images, { integer: true, min: 16 }),
    epochs: num(v, 'epochs', d.epochs, { integer: true, min: 1 }),
    dataShape: num(v, 'data-shape', d.dataShape, { integer: true, min: 64 }),
    lr: num(v, 'lr', d.lr, { min: 0 }),
    wd: num(v, 'wd', d.wd, { min: 0 }),
    batchSize: num(v, 'batch-size', d.batchSize, { integer: true, min: 1 }),
    anchorSizes: numList(v, 'anchor-sizes', d.anchorSizes),
  };
}

/** Draws the first `count` test images: ground truth beside the predictions (report/truthBeside.ts). */
async function drawPictures(dets: readonly ImageDetections[], ds: DetectionDataset, dir: string, count: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const byId = new Map(Array.from({ length: ds.length }, (_, i) => [ds.record(i).id, ds.record(i)] as const));
  for (const d of dets.slice(0, count)) {
    const rec = byId.get(d.id)!;
    const truth = rec.label.map((row) => ({ box: row.slice(0, 4) as [number, number, number, number], className: ds.classes[row[4]!] ?? String(row[4]), difficult: (row[5] ?? 0) > 0 }));
    writeFileSync(join(dir, `${d.id}.png`), await drawTruthBesidePredictions(await decodeImage(d.imagePath), truth, d.detections));
  }
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'the main job: synthetic data → train a small SSD for a few minutes → evaluate → pictures',
  usage: `usage: ssdkit demo [--out DIR] [--epochs E] [--images N] [--seed S] [recipe flags]

  --out DIR      where everything goes (default ./ssdkit-demo)
  --epochs E     training epochs (default ${DEMO_RECIPE.epochs}; about 6 minutes on an idle 2-core CPU, see README)
  --images N     synthetic images to generate (default ${DEMO_RECIPE.images}; a fifth is the test split)
  --seed S       seed for data, initialization and augmentation (default 233)
  recipe flags (src/train/demoConfig.ts): --base ${DEMO_RECIPE.base} (${DEMO_BASES.join(', ')}), --data-shape ${DEMO_RECIPE.dataShape}, --lr ${DEMO_RECIPE.lr}, --wd ${DEMO_RECIPE.wd}, --batch-size ${DEMO_RECIPE.batchSize},
                 --anchor-sizes ${DEMO_RECIPE.anchorSizes.join(',')} (fractions of the input side)`,
  async run(argv) {
    const flags = ['out', 'epochs', 'images', 'seed', 'base', 'data-shape', 'lr', 'wd', 'batch-size', 'anchor-sizes'];
    const { values: v } = parseFlags(argv, Object.fromEntries(flags.map((f) => [f, { type: 'string' as const }])));
    const out = resolve(str(v, 'out', 'ssdkit-demo'));
    const recipe = recipeFromFlags(v);
    const seed = num(v, 'seed', 233, { integer: true, min: 0 });
    const log = (l: string) => process.stderr.write(l + '\n');
    mkdirSync(out, { recursive: true });
    const data = await openDatasets({ kind: 'synth', root: join(out, 'data'), synthImages: recipe.images, synthSeed: seed, log });
    log(`dataset: ${data.train.length} training and ${data.val.length} test images of ${data.classes.join(', ')}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const preset = demoPreset(recipe.dataShape, recipe.anchorSizes, recipe.base);
    const spec: ModelSpec = { name: preset.name, preset, classes: [...data.classes] };
    manualSeed(seed);
    const net = buildFromSpec(spec);
    resetBatchNormStats(net);
    const prefix = join(out, 'run', spec.name);
    mkdirSync(join(out, 'run'), { recursive: true });
    saveModelSpec(`${prefix}_model.json`, spec);
    const t0 = Date.now();
    const r = await trainSSD(net, data.train, null, { ...demoTrainOptions(recipe), seed, savePrefix: prefix, log });
    const seconds = (Date.now() - t0) / 1000;
    const images = r.epochs.reduce((a, e) => a + e.images, 0);
    log(`trained ${r.epochs.length} epochs (${images} images) in ${seconds.toFixed(0)} s, ${(images / seconds).toFixed(1)} img/s; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const v2 = await validate(net, data.val, { dataShape: recipe.dataShape, batchSize: 16, collect: true, progress: true });
    saveParameters(`${prefix}_best.safetensors`, net);
    console.log(formatAPTable(v2.names, v2.values));
    const prPath = join(out, 'pr_curves.png');
    await writePRCurvesPNG(v2.metric.curves(), prPath, { title: `VOC07 mAP ${v2.mAP.toFixed(3)} on ${data.val.length} test images` });
    const detDir = join(out, 'detections');
    writeFileSync(join(out, 'detections.json'), JSON.stringify(v2.detections, null, 1));
    await drawPictures(v2.detections, data.val, detDir, 8);
    const chance = chanceMAP(data.val, seed);
    console.log(`\nVOC07 mAP ${v2.mAP.toFixed(4)} on ${data.val.length} test images after ${r.epochs.length} epochs (${seconds.toFixed(0)} s); guessing (100 random boxes per image) scores ${chance.toFixed(4)}.`);
    console.log(`files: ${join(out, 'detections.json')}, log ${r.logPath}, weights ${prefix}_best.safetensors`);
    console.log(`\nWhat to look at:`);
    console.log(`  ${detDir}/*.png  8 test images: ground truth (blue) on the left, the model's boxes on the right, green where`);
    console.log(`      right (class and place), red where wrong, dashed blue where it missed an object.`);
    console.log(`  ${prPath}  precision/recall per class: the area under each curve is that class's AP in the table above.`);
    console.log(`  ${r.curvesPath ?? '(no curves)'}  the training loss per epoch: both terms should fall steadily.`);
    net.dispose();
    return 0;
  },
};
