// The training loop's pieces: LR schedule, predictor re-initialization (tip 2), worker targets, detections-file
// scoring, a short end-to-end run with checkpoint/log/curves, resume, and the seed tutorial's printed numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor, tidy, memory, noGrad, manualSeed } from '../../src/tensor/index.js';
import { MultiStepEpochDecay } from '../../src/nn/index.js';
import { SSDTargetGenerator, ssdAnchors, ssdAnchorLayout } from '../../src/detection/index.js';
import { getModel } from '../../src/models/index.js';
import { makeSyntheticVOC, VOCDetection, SYNTH_CLASSES } from '../../src/data/index.js';
import { learningRateAt, reinitPredictors, trainSSD, type TrainOptions } from '../../src/train/trainSSD.js';
import { createSSDTargets } from '../../src/train/targetWorker.js';
import { scoreDetectionsFile } from '../../src/train/scoreDetections.js';
import { buildFromSpec, demoPreset } from '../../src/train/modelSpec.js';
import { runTips } from '../../src/examples/trainSSDAdvanced.js';
import { ablate, formatAblation, type AblationResult } from '../../src/train/ablate.js';
import { ablationTrainOptions, resetBatchNormStats } from '../../src/train/demoConfig.js';

test('learning rate: linear warm-up, then x lrDecay at each decay epoch (train_ssd.py: 1e-3, 1e-4 at 160, 1e-5 at 200)', () => {
  const o = { lr: 1e-3, lrDecay: 0.1, lrDecayEpoch: [160, 200], warmupEpochs: 0 };
  const s = new MultiStepEpochDecay({ baseLr: o.lr, steps: o.lrDecayEpoch, factor: o.lrDecay });
  assert.equal(learningRateAt(o, 0, s), 1e-3);
  assert.equal(learningRateAt(o, 159.9, s), 1e-3);
  assert.ok(Math.abs(learningRateAt(o, 160, s) - 1e-4) < 1e-12);
  assert.ok(Math.abs(learningRateAt(o, 239, s) - 1e-5) < 1e-12);
  const w = { ...o, warmupEpochs: 2 };
  assert.ok(Math.abs(learningRateAt(w, 1, s) - 5e-4) < 1e-12);
  assert.equal(learningRateAt(w, 2, s), 1e-3);
});

test('tip 2: reinitPredictors re-draws only the predictor weights, with the chosen initializer', () => {
  const net = getModel('ssd_300_vgg16_atrous_voc', { pretrainedBase: false });
  try {
    const params = net.collectParams();
    const snapshot = (name: string) => params.get(name)!.data().reshape(-1).narrow(0, 0, 50).toArray();
    const pred = [...params.keys()].find((k) => /convpredictor0_conv0_weight$/.test(k))!;
    const base = [...params.keys()].find((k) => /conv0_weight$/.test(k) && !k.includes('predictor'))!;
    const bias = [...params.keys()].find((k) => /convpredictor0_conv0_bias$/.test(k))!;
    const [p0, b0, bias0] = tidy(() => [snapshot(pred), snapshot(base), snapshot(bias)]);
    assert.equal(reinitPredictors(net, 'uniform'), 12);
    const p1 = tidy(() => snapshot(pred));
    assert.notDeepEqual(p1, p0);
    assert.ok(p1.every((v) => Math.abs(v) <= 0.07), 'Uniform(0.07) bounds');
    assert.deepEqual(tidy(() => snapshot(base)), b0, 'backbone untouched');
    assert.deepEqual(tidy(() => snapshot(bias)), bias0, 'biases untouched');
    reinitPredictors(net, 'xavier');
    const std = tidy(() => params.get(pred)!.data().std().item());
    assert.ok(Math.abs(std - Math.sqrt(2 / (84 * 9))) / Math.sqrt(2 / (84 * 9)) < 0.02, `Xavier(gaussian, out, 2) std ${std}`);
    assert.equal(reinitPredictors(net, 'default'), 0);
  } finally {
    net.dispose();
  }
});

test('worker targets equal SSDTargetGenerator on the same label; no objects gives all-background, finite targets', () => {
  const before = memory().liveTensors;
  const gen = createSSDTargets({ anchors: new Float32Array([50, 50, 40, 40, 150, 150, 60, 60, 100, 100, 200, 200, 20, 180, 30, 30]) });
  tidy(() => {
  const anchors = tensor([[50, 50, 40, 40], [150, 150, 60, 60], [100, 100, 200, 200], [20, 180, 30, 30]], { dtype: 'float32' });
  const label = [[30, 30, 70, 72, 2, 0], [120, 125, 180, 178, 0, 1]];
  const [cls, box] = gen(label, 300, 300);
  const ref = noGrad(() => new SSDTargetGenerator({ negativeMiningRatio: -1 }).generate(anchors, null, tensor([label.map((r) => r.slice(0, 4))], { dtype: 'float32' }), tensor([label.map((r) => r[4]!)], { dtype: 'float32' })));
  assert.deepEqual(Array.from(cls!.data), ref.clsTargets.toArray());
  assert.deepEqual(Array.from(box!.data), ref.boxTargets.toArray());
  assert.deepEqual(Array.from(cls!.data), [3, 1, 0, 0]);
  const [c0, b0] = gen([], 300, 300);
  assert.ok(c0!.data.every((v) => v === 0) && b0!.data.every((v) => v === 0));
  });
  assert.equal(memory().liveTensors, before + 1, 'only the generator\'s kept anchor copy stays alive');
  gen.dispose();
  assert.equal(memory().liveTensors, before, 'dispose() frees it');
});

test('worker targets with the anchors\' grid layout (fast IoU path) equal those without it', () => {
  tidy(() => {
    const preset = demoPreset(128);
    const anchors = ssdAnchors(preset);
    const flat = anchors.reshape(-1).toTypedArray() as Float32Array;
    const label = [[10, 12, 60, 70, 1, 0], [64, 30, 120, 100, 3, 0], [0, 0, 127, 127, 4, 0]];
    const plain = createSSDTargets({ anchors: flat });
    const grid = createSSDTargets({ anchors: flat, layout: ssdAnchorLayout(preset) });
    const [c1, b1] = plain(label, 128, 128);
    const [c2, b2] = grid(label, 128, 128);
    plain.dispose();
    grid.dispose();
    assert.ok(c1!.data.some((v) => v > 0));
    assert.deepEqual(c2!.data, c1!.data);
    assert.deepEqual(b2!.data, b1!.data);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'ssdkit-train-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('scoring a detections file: perfect detections give mAP 1; bad entries name the file, entry and problem', async () => {
  await makeSyntheticVOC({ out: join(dir, 'data'), images: 24, seed: 5, size: 128 });
  const ds = await VOCDetection.load(join(dir, 'data'), ['2007/test'], { classes: SYNTH_CLASSES });
  const perfect = Array.from({ length: ds.length }, (_, i) => {
    const r = ds.record(i);
    return { id: r.id, detections: r.label.map((row) => ({ className: SYNTH_CLASSES[row[4]!], score: 0.9, box: row.slice(0, 4) })) };
  });
  const f = join(dir, 'dets.json');
  writeFileSync(f, JSON.stringify(perfect));
  const r = scoreDetectionsFile(f, ds);
  assert.ok(Math.abs(r.values[r.values.length - 1]! - 1) < 1e-12);
  assert.equal(r.missing, 0);
  writeFileSync(f, JSON.stringify([{ id: perfect[0]!.id, detections: [{ className: 'unicorn', score: 1, box: [0, 0, 1, 1] }] }]));
  assert.throws(() => scoreDetectionsFile(f, ds), /dets\.json: entry 0 \(.*\) detection 0: unknown class "unicorn"/);
  writeFileSync(f, '{');
  assert.throws(() => scoreDetectionsFile(f, ds), /dets\.json: cannot read detections/);
});

test('a short training run writes log, checkpoint, best weights and curves; resume continues from the next epoch', async () => {
  const train = await VOCDetection.load(join(dir, 'data'), ['2007/trainval'], { classes: SYNTH_CLASSES });
  const val = await VOCDetection.load(join(dir, 'data'), ['2007/test'], { classes: SYNTH_CLASSES });
  const o: TrainOptions = {
    dataShape: 64, batchSize: 4, numWorkers: 1, epochs: 2, lr: 1e-3, lrDecay: 0.1, lrDecayEpoch: [100], momentum: 0.9, wd: 5e-4,
    warmupEpochs: 0, logInterval: 1, savePrefix: join(dir, 'run', 'demo'), saveInterval: 1, valInterval: 1, seed: 1, startEpoch: 0,
    lossNorm: 'sample', predictorInit: 'xavier', decoder: 'argmax', maxBatchesPerEpoch: 2, progress: false, log: () => {},
  };
  const live = memory().liveTensors;
  const net = buildFromSpec({ name: 'demo', preset: demoPreset(64), classes: [...SYNTH_CLASSES] });
  const r = await trainSSD(net, train, val, o);
  assert.equal(r.epochs.length, 2);
  for (const e of r.epochs) {
    assert.ok(Number.isFinite(e.CrossEntropy) && e.CrossEntropy > 0 && Number.isFinite(e.SmoothL1), JSON.stringify(e));
    assert.ok(e.mAP !== undefined && e.mAP >= 0 && e.mAP <= 1);
  }
  assert.equal(r.epochs[1]!.liveTensors, r.epochs[0]!.liveTensors, 'flat live-tensor count across epochs');
  assert.ok(existsSync(`${o.savePrefix}_0001.ckpt`) && existsSync(r.bestPath!) && existsSync(r.curvesPath!));
  const events = readFileSync(r.logPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l).event);
  assert.deepEqual([events[0], events.filter((e) => e === 'epoch').length, events[events.length - 1]], ['start', 2, 'end']);
  net.dispose();
  const net2 = buildFromSpec({ name: 'demo', preset: demoPreset(64), classes: [...SYNTH_CLASSES] });
  const r2 = await trainSSD(net2, train, null, { ...o, epochs: 3, resume: `${o.savePrefix}_0001.ckpt` });
  assert.deepEqual(r2.epochs.map((e) => e.epoch), [2], 'resumed at epoch 2');
  net2.dispose();
  assert.equal(memory().liveTensors, live);
});

test('a run stopped after epoch 0 and resumed reaches bitwise the same parameters as an uninterrupted run', async () => {
  const train = await VOCDetection.load(join(dir, 'data'), ['2007/trainval'], { classes: SYNTH_CLASSES });
  const o: TrainOptions = {
    dataShape: 64, batchSize: 4, numWorkers: 1, epochs: 2, lr: 1e-2, lrDecay: 0.1, lrDecayEpoch: [1], momentum: 0.9, wd: 5e-4,
    warmupEpochs: 0, logInterval: 0, savePrefix: join(dir, 'resume', 'full'), saveInterval: 1, valInterval: 1, seed: 7, startEpoch: 0,
    lossNorm: 'batch', predictorInit: 'uniform', decoder: 'per-class', maxBatchesPerEpoch: 2, progress: false, log: () => {},
  };
  const build = () => {
    manualSeed(o.seed); // initial weights from the run's seed
    return buildFromSpec({ name: 'demo', preset: demoPreset(64), classes: [...SYNTH_CLASSES] });
  };
  const params = (n: ReturnType<typeof build>) => tidy(() => [...n.namedParameters().values()].map((p) => p.data().reshape(-1).toArray()));
  const full = build();
  await trainSSD(full, train, null, o);
  const a = params(full);
  full.dispose();
  const first = build();
  await trainSSD(first, train, null, { ...o, epochs: 1, savePrefix: join(dir, 'resume', 'part') });
  first.dispose();
  const resumed = build();
  await trainSSD(resumed, train, null, { ...o, savePrefix: join(dir, 'resume', 'part2'), resume: join(dir, 'resume', 'part_0000.ckpt') });
  const b = params(resumed);
  resumed.dispose();
  assert.equal(a.length, b.length);
  const full2 = build();
  await trainSSD(full2, train, null, { ...o, savePrefix: join(dir, 'resume', 'full2') });
  const a2 = params(full2);
  full2.dispose();
  const maxDiff = (x: number[][], y: number[][]) => x.reduce((m, v, i) => v.reduce((mm, e, j) => Math.max(mm, Math.abs(e - y[i]![j]!)), m), 0);
  assert.equal(maxDiff(a, a2), 0, 'two uninterrupted runs with one seed agree bitwise');
  a.forEach((v, i) => assert.deepEqual(b[i], v, `parameter ${i} differs after resume`));
});

test('ablate: every arm trains with the same budget and seed; A is also scored with argmax decoding', async () => {
  const train = await VOCDetection.load(join(dir, 'data'), ['2007/trainval'], { classes: SYNTH_CLASSES });
  const val = await VOCDetection.load(join(dir, 'data'), ['2007/test'], { classes: SYNTH_CLASSES });
  const logs: string[] = [];
  const partials: AblationResult[] = [];
  const r = await ablate(train, val, {
    spec: { name: 'demo', preset: demoPreset(64), classes: [...SYNTH_CLASSES] },
    seeds: [3, 4],
    train: { ...ablationTrainOptions(1), dataShape: 64, batchSize: 4, maxBatchesPerEpoch: 1 },
    savePrefix: join(dir, 'ablate', 'run'),
    prepare: resetBatchNormStats,
    log: (l) => logs.push(l),
    onSeed: (p) => partials.push(p),
  });
  const arms = r.arms;
  // After the first of two seeds: that seed's table, the same numbers the final one starts with.
  assert.equal(partials.length, 1);
  assert.deepEqual(partials[0]!.seeds, [3]);
  assert.deepEqual(partials[0]!.arms.map((a) => a.mAPs), arms.map((a) => a.mAPs.slice(0, 1)));
  assert.deepEqual(arms.map((a) => a.tip), ['reference', 'tip 1', 'tip 2', 'tip 3']);
  for (const a of arms) assert.equal(a.mAPs.length, 2);
  assert.equal(arms[0]!.diff, null);
  assert.ok(Math.abs(arms[1]!.diff!.mean - (arms[1]!.mean - arms[0]!.mean)) < 1e-12);
  assert.equal(r.steps, 1);
  assert.deepEqual(r.seeds, [3, 4]);
  assert.equal(logs.filter((l) => /arm B \(sample, xavier\)/.test(l)).length, 2);
  const table = formatAblation(r);
  assert.match(table, /tip 1 .*sample-wise loss normalization/);
  assert.match(table, /2 seeds \(3, 4\), 1 steps of batch 4 at 64x64 per run/);
});

test("ssdkit tips reproduces the seed tutorial's positives (36 vs [13, 23]), shapes and decoder outcomes", () => {
  const lines: string[] = [];
  runTips((l) => lines.push(l));
  const out = lines.join('\n');
  assert.match(out, /batch-wise num_positive: 36\n/);
  assert.match(out, /sample-wise num_positive: \[\s+13\.\s+23\.\]/);
  assert.match(out, /convpredictor0_conv0_weight .*shape=\(84, 512, 3, 3\)/);
  assert.match(out, /class prediction shape: \(2, 8732, 21\)/);
  assert.match(out, /SSDMultiBoxLoss \(batch\) conf loss: .*= seed's batch-wise conf \/ 21/);
  const nums = (re: RegExp) => (re.exec(out)![1]!.trim().split(/\s+/).map(Number));
  const seedConf = nums(/batch-wise norm conf loss: \[([^\]]+)\]/);
  const ownConf = nums(/SSDMultiBoxLoss \(batch\) conf loss: \[([^\]]+)\]/);
  seedConf.forEach((v, i) => assert.ok(Math.abs(v / 21 - ownConf[i]!) < 2e-3 * ownConf[i]!, `seed conf ${v} / 21 vs SSDMultiBoxLoss ${ownConf[i]}`));
  assert.deepEqual(nums(/batch-wise norm loc loss: \[([^\]]+)\]/), nums(/SSDMultiBoxLoss \(batch\) loc loss: \[([^\]]+)\]/));
  assert.match(out, /method 1 \(argmax, MultiClassDecoder\) keeps: dog 0\.4956\n/);
  assert.match(out, /method 2 .* keeps: orange 0\.0150, person 0\.0407, dog 0\.4956, cat 0\.4484/);
});
