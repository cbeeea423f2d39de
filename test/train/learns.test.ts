// Training learns: a short, seeded run of the demo's recipe on a small synthetic set must fit it — the loss falls
// well below its start and the VOC07 mAP on the images it trained on ends far above guessing (100 random boxes
// per image) and above a stated floor. Catches a loop, loss, target or decoder bug that a `0 <= mAP <= 1` check
// would not. About 60 CPU-seconds with one thread (measured on a shared machine), so about a minute or less on an
// idle 2-core CPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed } from '../../src/tensor/index.js';
import { makeSyntheticVOC, VOCDetection, SYNTH_CLASSES } from '../../src/data/index.js';
import { trainSSD } from '../../src/train/trainSSD.js';
import { validate } from '../../src/train/validate.js';
import { buildFromSpec, demoPreset } from '../../src/train/modelSpec.js';
import { DEMO_RECIPE, demoTrainOptions, resetBatchNormStats } from '../../src/train/demoConfig.js';
import { chanceMAP } from '../../src/train/chanceMAP.js';

const dir = mkdtempSync(join(tmpdir(), 'ssdkit-learns-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** The run's size: 16 images of ~96 px, trained at 96x96 for EPOCHS epochs of 4 batches of 4. */
const SHAPE = 96;
const EPOCHS = 60;
/**
 * Measured here (demo preset with its stride-8 grid): mAP 0.928 (1 libtorch thread) and 0.967 (2 threads) on the
 * 16 training images, guessing 0.0032; mean loss (CE + SmoothL1) 17.4 in the first epoch, 1.42 and 1.54 in the
 * last. (The stride-16 preset before it reached 0.49 and 0.63.) Thread count changes the result this much
 * (reduction order, from scratch), so the floor leaves room for other thread counts and CPUs.
 */
const MIN_MAP = 0.8;
const MAX_LOSS_RATIO = 0.15;

test(`training learns: ${EPOCHS} epochs on 16 synthetic images fit them (mAP >= ${MIN_MAP}, loss < ${MAX_LOSS_RATIO} of its start)`, async () => {
  await makeSyntheticVOC({ out: join(dir, 'data'), images: 20, seed: 19, size: SHAPE });
  const train = await VOCDetection.load(join(dir, 'data'), ['2007/trainval'], { classes: SYNTH_CLASSES });
  assert.equal(train.length, 16);
  manualSeed(19);
  const net = buildFromSpec({ name: 'learns', preset: demoPreset(SHAPE, DEMO_RECIPE.anchorSizes), classes: [...SYNTH_CLASSES] });
  try {
    resetBatchNormStats(net);
    const recipe = { ...DEMO_RECIPE, dataShape: SHAPE, epochs: EPOCHS, batchSize: 4, lr: 0.005 };
    const r = await trainSSD(net, train, null, { ...demoTrainOptions(recipe), numWorkers: 0, seed: 19, savePrefix: join(dir, 'run', 'learns'), progress: false, log: () => {} });
    const loss = r.epochs.map((e) => e.CrossEntropy + e.SmoothL1);
    const v = await validate(net, train, { dataShape: SHAPE, batchSize: 4 });
    const chance = chanceMAP(train, 19);
    const said = `mAP ${v.mAP.toFixed(4)} (guessing ${chance.toFixed(4)}), loss ${loss[0]!.toFixed(3)} -> ${loss[loss.length - 1]!.toFixed(3)}`;
    process.stderr.write(`learns: ${said}\n`);
    assert.ok(loss[loss.length - 1]! < MAX_LOSS_RATIO * loss[0]!, `loss not below ${MAX_LOSS_RATIO} of its start: ${said}`);
    assert.ok(v.mAP >= MIN_MAP, `mAP below ${MIN_MAP}: ${said}`);
    assert.ok(v.mAP > 20 * chance, `mAP not far above guessing: ${said}`);
  } finally {
    net.dispose();
  }
});
