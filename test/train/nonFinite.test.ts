// Numerical faults (issue 9, part 2): an absurd learning rate makes the loss or a gradient NaN/Inf. The loop
// must catch it at the step where it appears, name the step and the loss term (and the parameter for a
// gradient), and then stop or skip the batch as asked; a skipped batch must leave the model untouched,
// BatchNorm's running statistics included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSafetensors, manualSeed, dispose, setNumThreads } from '../../src/tensor/index.js';
import { makeSyntheticVOC, VOCDetection, SYNTH_CLASSES, type DetectionDataset } from '../../src/data/index.js';
import { trainSSD, type TrainOptions } from '../../src/train/trainSSD.js';
import { buildFromSpec, demoPreset } from '../../src/train/modelSpec.js';

setNumThreads(1); // small steps; intra-op threads only spin on a busy machine (this file runs in its own process)
const dir = mkdtempSync(join(tmpdir(), 'ssdkit-nonfinite-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

let trainSet: DetectionDataset | undefined;
async function data(): Promise<DetectionDataset> {
  if (!trainSet) {
    await makeSyntheticVOC({ out: join(dir, 'data'), images: 24, seed: 5, size: 64 });
    trainSet = await VOCDetection.load(join(dir, 'data'), ['2007/trainval'], { classes: SYNTH_CLASSES });
  }
  return trainSet;
}

function options(name: string, over: Partial<TrainOptions>): TrainOptions {
  return {
    dataShape: 64, batchSize: 4, numWorkers: 0, epochs: 2, lr: 1e12, lrDecay: 0.1, lrDecayEpoch: [100], momentum: 0.9, wd: 5e-4,
    warmupEpochs: 0, logInterval: 0, savePrefix: join(dir, name, 'run'), saveInterval: 1, valInterval: 1, seed: 1, startEpoch: 0,
    lossNorm: 'batch', predictorInit: 'default', decoder: 'per-class', maxBatchesPerEpoch: 4, progress: false, log: () => {},
    ...over,
  };
}

async function train(o: TrainOptions) {
  manualSeed(o.seed);
  const net = buildFromSpec({ name: 'demo', preset: demoPreset(64), classes: [...SYNTH_CLASSES] });
  try {
    return await trainSSD(net, await data(), null, o);
  } finally {
    net.dispose();
  }
}

const nonfiniteEvents = (o: TrainOptions) =>
  readFileSync(`${o.savePrefix}_train.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.event === 'nonfinite');

test("SGD at learning rate 1e12 with onNonFinite 'stop': stops at the first non-finite loss, naming the step and the loss terms", async () => {
  const o = options('stop', { onNonFinite: 'stop' });
  await assert.rejects(
    train(o),
    /^Error: step (\d+) \(epoch 0, batch \1, learning rate 1000000000000\): the CrossEntropy \(class\) loss term( and the SmoothL1 \(box\) loss term are| is) not finite \(CrossEntropy NaN, SmoothL1 \S+\); stopping \(onNonFinite: 'stop'\)$/,
  );
  const events = nonfiniteEvents(o);
  assert.equal(events.length, 1);
  assert.ok(events[0].step >= 1, 'step 0 (the initial weights) is finite; the first update causes it');
});

test("Adam at learning rate 1e6: a non-finite gradient under a finite loss is caught before the update and traced to the loss terms", async () => {
  const o = options('grad', { optimizer: 'adam', lr: 1e6, onNonFinite: 'stop' });
  await assert.rejects(
    train(o),
    /^Error: step \d+ \(epoch \d, batch \d, learning rate 1000000\): the gradient of \S+_weight is not finite \(CrossEntropy [\d.e+]+, SmoothL1 [\d.e+]+; (back-propagated alone, the (CrossEntropy \(class\)|SmoothL1 \(box\)) loss term.* (gives|each give) a non-finite gradient|neither loss term gives a non-finite gradient alone, only their sum)\); stopping/,
  );
});

test("onNonFinite 'skip': every bad batch is skipped with a message, and a fully skipped epoch leaves every parameter and running statistic bitwise unchanged", async () => {
  const logs: string[] = [];
  const o = options('skip', { onNonFinite: 'skip', log: (l) => logs.push(l) });
  const r = await train(o);
  const skipped = r.epochs.map((e) => e.skippedBatches);
  assert.ok(skipped[0]! >= 1 && skipped[0]! < 4, `epoch 0 trains at least its first batch, then skips: ${skipped}`);
  assert.equal(skipped[1], 4, 'the diverged weights make every batch of epoch 1 non-finite');
  const messages = logs.filter((l) => l.includes('batch skipped'));
  assert.equal(messages.length, skipped[0]! + skipped[1]!);
  for (const m of messages) assert.match(m, /^step \d+ \(epoch \d, batch \d, learning rate 1000000000000\): the CrossEntropy \(class\) loss term.* not finite .*; batch skipped$/);
  assert.deepEqual(nonfiniteEvents(o).map((e) => e.step), [...Array(8).keys()].slice(8 - messages.length));
  const before = loadSafetensors(`${o.savePrefix}_0000.ckpt`).tensors;
  const after = loadSafetensors(`${o.savePrefix}_0001.ckpt`).tensors;
  try {
    const names = [...before.keys()].filter((k) => k.startsWith('param/'));
    assert.ok(names.some((k) => /running(Mean|Var)$/.test(k)), 'BatchNorm running statistics are part of the comparison');
    for (const k of names) assert.deepEqual(after.get(k)!.toTypedArray(), before.get(k)!.toTypedArray(), `${k} changed during a skipped epoch`);
  } finally {
    dispose([before, after]);
  }
});

test("SGD at learning rate 1e38: an update that overflows a parameter stops the run even with onNonFinite 'skip'", async () => {
  await assert.rejects(
    train(options('overflow', { lr: 1e38, onNonFinite: 'skip' })),
    /^Error: step 0 \(epoch 0, batch 0, learning rate 1e\+38\): the update made \S+ non-finite \(CrossEntropy [\d.]+, SmoothL1 [\d.]+\); an applied update cannot be undone, so training stops$/,
  );
});
