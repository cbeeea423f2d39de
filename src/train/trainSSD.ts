// The SSD training loop of GluonCV's train_ssd.py (spec §7.1-7.3): targets generated in the loader workers,
// SSDMultiBoxLoss with hard-negative mining, SGD in MXNet's form with the multi-step epoch decay (optional
// linear warm-up), validation by VOC07 mAP, checkpoints every save-interval epochs plus the best by mAP, a
// JSON-lines log, a progress bar, and resume that restores model, optimizer, schedule, epoch and RNG. A NaN/Inf
// loss or gradient is reported with the step and the loss term and its batch skipped without a trace (or the run
// stops); an update that makes a parameter non-finite always stops the run.
// The seed's three tips are switches: lossNorm (batch | sample), predictorInit, decoder (per-class | argmax).
import { mkdirSync, appendFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { type Tensor, manualSeed, tidy, keep, zeros, noGrad, memory, stack, dispose } from '../tensor/index.js';
import { Trainer, MultiStepEpochDecay, saveCheckpoint, loadCheckpoint, saveParameters, init, type Initializer } from '../nn/index.js';
import { SSDMultiBoxLoss, type LossNormalization } from '../detection/index.js';
import type { SSD } from '../models/index.js';
import { DataLoader, fieldsToTensors, ssdTrainTransformSpec, type DetectionDataset } from '../data/index.js';
import { ProgressBar } from '../util/progress.js';
import { writeLineChartPNG } from '../report/lineChart.js';
import { ssdTargetsRef, lightTrainTransformSpec } from './targetWorker.js';
import { validate } from './validate.js';

export type PredictorInit = 'default' | 'xavier' | 'uniform' | 'normal';
export type DecoderKind = 'per-class' | 'argmax';

export interface TrainOptions {
  dataShape: number;
  batchSize: number;
  numWorkers: number;
  epochs: number;
  lr: number;
  lrDecay: number;
  lrDecayEpoch: number[];
  momentum: number;
  wd: number;
  warmupEpochs: number;
  logInterval: number;
  /** Checkpoint files: `${savePrefix}_NNNN_map.ckpt`, `${savePrefix}_best.*`, `${savePrefix}_train.jsonl`. */
  savePrefix: string;
  saveInterval: number;
  valInterval: number;
  seed: number;
  /** A checkpoint from an earlier run (written by this loop) to continue from. */
  resume?: string;
  startEpoch: number;
  lossNorm: LossNormalization;
  predictorInit: PredictorInit;
  decoder: DecoderKind;
  /** Limit batches per epoch (quick runs); default all. */
  maxBatchesPerEpoch?: number;
  /** Limit validation images; default all. */
  valLimit?: number;
  /** Stop training after this many seconds (the demo's budget); checked between batches. */
  timeBudgetSec?: number;
  /** With a time budget: multiply the rate by lrDecay once this fraction of the budget has passed (default none). */
  decayAtBudgetFraction?: number;
  /** The learning rate at a fractional epoch, instead of lr/warmupEpochs/lrDecayEpoch (e.g. demoConfig's cosine). */
  lrAt?: (epoch: number) => number;
  /** 'sgd' (train_ssd.py's) or 'adam'. */
  optimizer?: 'sgd' | 'adam';
  /** 'ssd': GluonCV's SSDDefaultTrainTransform (default); 'light': resize + flip only (quick demo runs). */
  augment?: 'ssd' | 'light';
  /** What to do when the loss or a gradient is not finite: skip the batch (default) or stop. */
  onNonFinite?: 'skip' | 'stop';
  progress?: boolean;
  log?: (line: string) => void;
}

export interface EpochRecord {
  epoch: number;
  lr: number;
  CrossEntropy: number;
  SmoothL1: number;
  images: number;
  seconds: number;
  skippedBatches: number;
  mAP?: number;
  liveTensors: number;
}

export interface TrainResult {
  epochs: EpochRecord[];
  bestMap: number;
  bestPath: string | null;
  lastCheckpoint: string | null;
  logPath: string;
  curvesPath: string | null;
}

/** The predictor initializers of the seed's second tip. */
export function predictorInitializer(kind: PredictorInit): Initializer | null {
  switch (kind) {
    case 'default':
      return null; // GluonCV's own: Xavier(uniform, avg, magnitude 2)
    case 'xavier':
      return init.Xavier({ rndType: 'gaussian', factorType: 'out', magnitude: 2 });
    case 'uniform':
      return init.Uniform();
    case 'normal':
      return init.Normal();
  }
}

/** Re-initializes the class and box predictor weights with `kind` (force_reinit, as the seed does). */
export function reinitPredictors(net: SSD, kind: PredictorInit): number {
  const chosen = predictorInitializer(kind);
  if (chosen === null) return 0;
  const params = [...net.collectParams('.*convpredictor\\d+_conv0_weight').values()];
  for (const p of params) p.initialize(chosen, { forceReinit: true });
  return params.length;
}

/** The learning rate at a (fractional) epoch: linear warm-up, then ×lrDecay at each lrDecayEpoch. */
export function learningRateAt(o: Pick<TrainOptions, 'lr' | 'lrDecay' | 'lrDecayEpoch' | 'warmupEpochs'>, epoch: number, schedule: MultiStepEpochDecay): number {
  const base = schedule.lrAt(Math.floor(epoch));
  if (o.warmupEpochs > 0 && epoch < o.warmupEpochs) return base * Math.max(epoch / o.warmupEpochs, 1e-3);
  return base;
}

/** The name of the first tensor that holds a NaN or an infinity (one synchronization for all of them); null if none. */
function firstNonFinite(named: [string, Tensor | null][]): string | null {
  return noGrad(() =>
    tidy(() => {
      const list = named.filter((e): e is [string, Tensor] => e[1] !== null);
      if (list.length === 0) return null;
      const finite = stack(list.map(([, t]) => t.isfinite().all())).toArray();
      const i = finite.findIndex((v) => !v);
      return i < 0 ? null : list[i]![0];
    }),
  );
}

/**
 * Deletes the temporary files that writers killed mid-write left beside this run's files (util/atomicWrite.ts
 * names them `.<file>.tmp-<pid>-<time>`), when that process is gone. Returns how many were removed.
 */
function removeStaleTemporaries(savePrefix: string): number {
  const dir = dirname(savePrefix) || '.';
  const prefix = `.${basename(savePrefix)}_`;
  let removed = 0;
  for (const f of readdirSync(dir)) {
    const m = /\.tmp-(\d+)-[0-9a-z]+$/.exec(f);
    if (!f.startsWith(prefix) || !m) continue;
    try {
      process.kill(Number(m[1]), 0);
      continue; // its writer is still running
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') continue;
    }
    rmSync(join(dir, f), { force: true });
    removed++;
  }
  return removed;
}

/** Which loss term a non-finite value comes from, for messages. */
const TERMS = { cls: 'CrossEntropy (class) loss term', box: 'SmoothL1 (box) loss term' } as const;

export async function trainSSD(net: SSD, trainSet: DetectionDataset, valSet: DetectionDataset | null, o: TrainOptions): Promise<TrainResult> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  manualSeed(o.seed);
  mkdirSync(dirname(o.savePrefix) || '.', { recursive: true });
  const stale = removeStaleTemporaries(o.savePrefix);
  if (stale > 0) log(`removed ${stale} temporary file(s) left by an interrupted write under ${o.savePrefix}`);
  const logPath = `${o.savePrefix}_train.jsonl`;
  const writeLog = (rec: Record<string, unknown>) => appendFileSync(logPath, JSON.stringify({ time: new Date().toISOString(), ...rec }) + '\n');

  reinitPredictors(net, o.predictorInit);
  net.setClassDecoder(o.decoder === 'argmax' ? 'argmax' : 'perClass');
  net.train();
  const { anchors, layout } = tidy(() => {
    const feats = net.features.forward(zeros([1, 3, o.dataShape, o.dataShape]));
    let offset = 0;
    const layout = feats.map((f, i) => {
      const [, , height, width] = f.shape as [number, number, number, number];
      const layer = { offset, height, width, depth: net.anchorsPerLocation[i]! };
      offset += height * width * layer.depth;
      return layer;
    });
    return { anchors: keep(net.predict(feats)[2].reshape(-1, 4)), layout };
  });
  const lossFn = new SSDMultiBoxLoss({ normalization: o.lossNorm });
  const schedule = new MultiStepEpochDecay({ baseLr: o.lr, steps: o.lrDecayEpoch, factor: o.lrDecay });
  const trainer =
    (o.optimizer ?? 'sgd') === 'sgd'
      ? new Trainer(net.collectParams(), 'sgd', { learningRate: o.lr, wd: o.wd, momentum: o.momentum })
      : new Trainer(net.collectParams(), 'adam', { learningRate: o.lr, wd: o.wd });
  let startEpoch = o.startEpoch;
  let bestMap = -1;
  if (o.resume) {
    if (!existsSync(o.resume)) throw new Error(`--resume: checkpoint ${o.resume} does not exist`);
    const info = loadCheckpoint(o.resume, { net, trainer, schedule });
    startEpoch = info.epoch + 1;
    bestMap = typeof info.extra.bestMap === 'number' ? info.extra.bestMap : -1;
    log(`resumed from ${o.resume} (epoch ${info.epoch}); continuing at epoch ${startEpoch}`);
  }
  writeLog({ event: 'start', options: { ...o, log: undefined }, trainImages: trainSet.length, valImages: valSet?.length ?? 0, model: net.name });

  const loader = new DataLoader(trainSet, {
    batchSize: o.batchSize,
    transform:
      (o.augment ?? 'ssd') === 'ssd'
        ? ssdTrainTransformSpec({ width: o.dataShape, height: o.dataShape, targets: ssdTargetsRef(anchors, { layout }) })
        : lightTrainTransformSpec({ width: o.dataShape, height: o.dataShape, targets: ssdTargetsRef(anchors, { layout }) }),
    shuffle: true,
    lastBatch: 'rollover',
    numWorkers: o.numWorkers,
    seed: o.seed,
  });
  const epochs: EpochRecord[] = [];
  const started = performance.now();
  const batchesPerEpoch = Math.min(Math.floor(trainSet.length / o.batchSize) || 1, o.maxBatchesPerEpoch ?? Infinity);
  // Parameters no optimizer updates (BatchNorm's running statistics, constants): restored when a batch is skipped.
  const untrained = [...net.collectParams().values()].filter((p) => p.gradReq === 'null' && p.isInitialized);
  let bestPath: string | null = null;
  let lastCheckpoint: string | null = null;
  let outOfTime = false;
  try {
    for (let epoch = startEpoch; epoch < o.epochs && !outOfTime; epoch++) {
      const t0 = performance.now();
      let ce = 0;
      let l1 = 0;
      let nb = 0;
      let images = 0;
      let skippedBatches = 0;
      const bar = o.progress === false ? null : new ProgressBar({ total: batchesPerEpoch * o.batchSize, label: `epoch ${epoch}`, unit: 'img' });
      for await (const batch of loader.epoch(epoch)) {
        const spent = (performance.now() - started) / 1000;
        const lateDecay = o.timeBudgetSec !== undefined && o.decayAtBudgetFraction !== undefined && spent > o.decayAtBudgetFraction * o.timeBudgetSec;
        const lr = o.lrAt ? o.lrAt(epoch + nb / batchesPerEpoch) : learningRateAt(o, epoch + nb / batchesPerEpoch, schedule) * (lateDecay ? o.lrDecay : 1);
        trainer.setLearningRate(lr);
        const [x, clsT, boxT] = fieldsToTensors(batch.fields);
        const globalStep = epoch * batchesPerEpoch + nb;
        // A skipped batch must leave no trace: the forward pass also moves BatchNorm's running statistics.
        const statsBefore = noGrad(() => tidy(() => keep(untrained.map((p) => p.data().clone()))));
        const step = tidy(() => {
          const [clsPreds, boxPreds] = net.forwardTrain(x!);
          const losses = lossFn.compute(clsPreds, boxPreds, clsT!.long(), boxT!);
          const total = losses.sum.sum();
          const c = losses.cls.sum().item();
          const b = losses.box.sum().item();
          const values = `CrossEntropy ${c}, SmoothL1 ${b}`;
          if (!Number.isFinite(c) || !Number.isFinite(b)) {
            const terms = [...(Number.isFinite(c) ? [] : [TERMS.cls]), ...(Number.isFinite(b) ? [] : [TERMS.box])];
            return { c, b, bad: `the ${terms.join(' and the ')} ${terms.length > 1 ? 'are' : 'is'} not finite (${values})` };
          }
          total.backward();
          const badGrad = firstNonFinite(net.collectParams().trainable().map((p) => [p.name, p.grad()]));
          if (badGrad) {
            // Rare path: back-propagate each term alone to name the one responsible. The forward pass uses no
            // randomness and BatchNorm's running statistics are restored below, so this changes nothing.
            const culprits = (['cls', 'box'] as const).filter((term) =>
              tidy(() => {
                net.zeroGrad();
                const [cp, bp] = net.forwardTrain(x!);
                lossFn.compute(cp, bp, clsT!.long(), boxT!)[term].sum().backward();
                return firstNonFinite(net.collectParams().trainable().map((p) => [p.name, p.grad()])) !== null;
              }),
            );
            const origin = culprits.length
              ? `back-propagated alone, the ${culprits.map((t) => TERMS[t]).join(' and the ')} ${culprits.length > 1 ? 'each give' : 'gives'} a non-finite gradient`
              : 'neither loss term gives a non-finite gradient alone, only their sum';
            return { c, b, bad: `the gradient of ${badGrad} is not finite (${values}; ${origin})` };
          }
          trainer.step(1);
          const badParam = firstNonFinite(net.collectParams().trainable().map((p) => [p.name, p.data()]));
          if (badParam) return { c, b, bad: `the update made ${badParam} non-finite (${values})`, fatal: true };
          return { c, b, bad: null as string | null };
        });
        for (const t of [x, clsT, boxT]) t!.dispose();
        if (step.bad !== null) {
          net.zeroGrad();
          noGrad(() => untrained.forEach((p, i) => p.data().copy_(statsBefore[i]!)));
          const msg = `step ${globalStep} (epoch ${epoch}, batch ${batch.index}, learning rate ${lr}): ${step.bad}`;
          writeLog({ event: 'nonfinite', step: globalStep, epoch, batch: batch.index, message: msg });
          dispose(statsBefore);
          if ('fatal' in step) throw new Error(`${msg}; an applied update cannot be undone, so training stops`);
          if ((o.onNonFinite ?? 'skip') === 'stop') throw new Error(`${msg}; stopping (onNonFinite: 'stop')`);
          log(`${msg}; batch skipped`);
          skippedBatches++;
        } else {
          dispose(statsBefore);
          ce += step.c;
          l1 += step.b;
        }
        nb++;
        images += batch.indices.length;
        bar?.tick(batch.indices.length, { CE: ce / Math.max(1, nb - skippedBatches), SmoothL1: l1 / Math.max(1, nb - skippedBatches), lr });
        if (o.logInterval > 0 && nb % o.logInterval === 0) {
          writeLog({ event: 'batch', epoch, batch: nb, CrossEntropy: ce / Math.max(1, nb - skippedBatches), SmoothL1: l1 / Math.max(1, nb - skippedBatches), lr });
        }
        if (o.timeBudgetSec !== undefined && (performance.now() - started) / 1000 > o.timeBudgetSec) {
          outOfTime = true;
          break;
        }
        if (nb >= batchesPerEpoch) break;
      }
      bar?.done();
      const rec: EpochRecord = {
        epoch,
        lr: trainer.learningRate,
        CrossEntropy: ce / Math.max(1, nb - skippedBatches),
        SmoothL1: l1 / Math.max(1, nb - skippedBatches),
        images,
        seconds: (performance.now() - t0) / 1000,
        skippedBatches,
        liveTensors: memory().liveTensors,
      };
      const last = epoch === o.epochs - 1 || outOfTime;
      if (valSet && (epoch % o.valInterval === 0 || epoch % o.saveInterval === 0 || last)) {
        const v = await validate(net, valSet, { dataShape: o.dataShape, batchSize: o.batchSize, limit: o.valLimit, progress: o.progress !== false });
        rec.mAP = v.mAP;
        net.train();
        if (v.mAP > bestMap) {
          bestMap = v.mAP;
          bestPath = `${o.savePrefix}_best.safetensors`;
          saveParameters(bestPath, net);
        }
      }
      epochs.push(rec);
      writeLog({ event: 'epoch', ...rec });
      log(
        `[epoch ${epoch}] lr=${rec.lr.toExponential(2)} CrossEntropy=${rec.CrossEntropy.toFixed(3)} SmoothL1=${rec.SmoothL1.toFixed(3)} ` +
          `${(rec.images / rec.seconds).toFixed(1)} img/s${rec.mAP !== undefined ? ` mAP=${rec.mAP.toFixed(4)}` : ''}`,
      );
      if ((epoch + 1) % o.saveInterval === 0 || last) {
        lastCheckpoint = `${o.savePrefix}_${String(epoch).padStart(4, '0')}.ckpt`;
        saveCheckpoint(lastCheckpoint, { net, trainer, schedule, epoch, extra: { bestMap } });
      }
    }
  } finally {
    await loader.close();
    anchors.dispose();
    trainer.dispose?.();
  }
  let curvesPath: string | null = null;
  if (epochs.length > 0) {
    curvesPath = `${o.savePrefix}_curves.png`;
    const panels = [
      { title: 'CrossEntropy', xLabel: 'epoch', series: [{ name: 'train', points: epochs.map((e) => [e.epoch, e.CrossEntropy] as [number, number]) }] },
      { title: 'SmoothL1', xLabel: 'epoch', series: [{ name: 'train', points: epochs.map((e) => [e.epoch, e.SmoothL1] as [number, number]) }] },
    ];
    const withMap = epochs.filter((e) => e.mAP !== undefined);
    if (withMap.length) panels.push({ title: 'validation mAP (VOC07)', xLabel: 'epoch', series: [{ name: 'mAP', points: withMap.map((e) => [e.epoch, e.mAP!] as [number, number]) }] });
    await writeLineChartPNG(curvesPath, panels);
  }
  writeLog({ event: 'end', bestMap, bestPath, lastCheckpoint });
  return { epochs, bestMap, bestPath, lastCheckpoint, logPath, curvesPath };
}
