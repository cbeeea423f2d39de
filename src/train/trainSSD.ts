// The SSD training loop of GluonCV's train_ssd.py (scripts/detection/ssd/train_ssd.py, spec §7.1-7.3), read as
// its parts: the process group (processGroup.ts), the data (trainData.ts), the step (trainStep.ts), validation
// (validate.ts), checkpoints (checkpointing.ts) and reporting (reporting.ts). SGD in MXNet's form with the
// multi-step epoch decay (optional linear warm-up), validation mAP every val-interval epochs, checkpoints every
// save-interval epochs plus the best by mAP, and resume that restores model, optimizer, schedule, epoch and RNG.
// With `distributed` options it is one rank of a data-parallel run: rank 0's parameters are broadcast, every rank
// reads its share of each epoch (batchSize / worldSize images per step), gradients are summed across ranks, the
// ranks agree on every decision each step, and only rank 0 writes. The seed's three tips are switches:
// lossNorm (batch | sample), predictorInit, decoder (per-class | argmax).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { manualSeed, memory } from '../tensor/index.js';
import { Trainer, MultiStepEpochDecay, createAmp, type Amp } from '../nn/index.js';
import { SSDMultiBoxLoss } from '../detection/index.js';
import type { SSD } from '../models/index.js';
import type { DataLoader, DetectionDataset } from '../data/index.js';
import { joinTrainProcess, type TrainProcess } from './processGroup.js';
import { batchesPerEpoch, trainLoader, trainingBatch } from './trainData.js';
import { TrainStep } from './trainStep.js';
import { validate } from './validate.js';
import { Checkpointer, removeStaleTemporaries } from './checkpointing.js';
import { Reporter } from './reporting.js';
import { reinitPredictors } from './predictorInit.js';
import type { EpochRecord, TrainOptions, TrainResult } from './trainOptions.js';

export type { TrainOptions, TrainResult, EpochRecord, PredictorInit, DecoderKind, DistributedOptions } from './trainOptions.js';
export { predictorInitializer, reinitPredictors } from './predictorInit.js';

/** The learning rate at a (fractional) epoch: linear warm-up, then ×lrDecay at each lrDecayEpoch. */
export function learningRateAt(o: Pick<TrainOptions, 'lr' | 'lrDecay' | 'lrDecayEpoch' | 'warmupEpochs'>, epoch: number, schedule: MultiStepEpochDecay): number {
  const base = schedule.lrAt(Math.floor(epoch));
  if (o.warmupEpochs > 0 && epoch < o.warmupEpochs) return base * Math.max(epoch / o.warmupEpochs, 1e-3);
  return base;
}

/** Everything one epoch needs. */
interface Run {
  o: TrainOptions;
  proc: TrainProcess;
  loader: DataLoader;
  step: TrainStep;
  trainer: Trainer;
  schedule: MultiStepEpochDecay;
  report: Reporter;
  amp: Amp;
  device: string;
  batches: number;
  started: number;
}

export async function trainSSD(net: SSD, trainSet: DetectionDataset, valSet: DetectionDataset | null, o: TrainOptions): Promise<TrainResult> {
  const proc = joinTrainProcess(o.distributed);
  try {
    return await trainIn(proc, net, trainSet, valSet, o);
  } finally {
    proc.close();
  }
}

async function trainIn(proc: TrainProcess, net: SSD, trainSet: DetectionDataset, valSet: DetectionDataset | null, o: TrainOptions): Promise<TrainResult> {
  const report = new Reporter(o, proc);
  manualSeed(o.seed);
  if (proc.isMain) {
    mkdirSync(dirname(o.savePrefix) || '.', { recursive: true });
    const stale = removeStaleTemporaries(o.savePrefix);
    if (stale > 0) report.say(`removed ${stale} temporary file(s) left by an interrupted write under ${o.savePrefix}`);
  }
  reinitPredictors(net, o.predictorInit);
  net.setClassDecoder(o.decoder === 'argmax' ? 'argmax' : 'perClass');
  net.train();
  const device = o.device ?? 'cpu';
  net.resetDevice(device);
  const amp = createAmp({ device, enabled: o.amp === true, dtype: o.ampDtype });
  const anchorSet = net.anchorSet(o.dataShape, device);
  const schedule = new MultiStepEpochDecay({ baseLr: o.lr, steps: o.lrDecayEpoch, factor: o.lrDecay });
  const trainer =
    (o.optimizer ?? 'sgd') === 'sgd'
      ? new Trainer(net.collectParams(), 'sgd', { learningRate: o.lr, wd: o.wd, momentum: o.momentum })
      : new Trainer(net.collectParams(), 'adam', { learningRate: o.lr, wd: o.wd });
  const ckpt = new Checkpointer(o.savePrefix, o.startEpoch, proc);
  if (o.resume) report.say(ckpt.resume(o.resume, { net, trainer, schedule, scaler: amp.scaler }));
  proc.broadcastParameters(net);
  report.record({ event: 'start', options: { ...o, log: undefined }, trainImages: trainSet.length, valImages: valSet?.length ?? 0, model: net.name, worldSize: proc.worldSize });
  const loader = trainLoader(trainSet, anchorSet, o, proc);
  const step = new TrainStep(net, trainer, new SSDMultiBoxLoss({ normalization: o.lossNorm }), proc, { overlap: o.overlapGradReduce, bucketCapMb: o.bucketCapMb, amp, channelsLast: o.channelsLast });
  const run: Run = { o, proc, loader, step, trainer, schedule, report, amp, device, batches: batchesPerEpoch(trainSet, o, proc), started: performance.now() };
  const epochs: EpochRecord[] = [];
  const parts = { net, trainer, schedule, scaler: amp.scaler };
  try {
    for (let epoch = ckpt.state.startEpoch; epoch < o.epochs; epoch++) {
      const { rec, outOfTime } = await trainEpoch(run, epoch);
      const last = epoch === o.epochs - 1 || outOfTime;
      if (valSet && (epoch % o.valInterval === 0 || epoch % o.saveInterval === 0 || last)) {
        const v = await validate(net, valSet, { dataShape: o.dataShape, batchSize: Math.max(1, o.batchSize / proc.worldSize), limit: o.valLimit, metric: o.valMetric, progress: o.progress !== false, shard: proc, device });
        rec.mAP = v.mAP;
        net.train();
        ckpt.offerBest(net, v.mAP);
      }
      epochs.push(rec);
      report.record({ event: 'epoch', ...rec });
      report.epochLine(rec);
      if ((epoch + 1) % o.saveInterval === 0 || last) ckpt.save(epoch, parts);
      if (outOfTime) break;
    }
  } finally {
    await loader.close();
    anchorSet.anchors.dispose();
    trainer.dispose?.();
  }
  const curvesPath = await report.curves(o.savePrefix, epochs, (o.valMetric ?? 'voc07') === 'voc07' ? 'VOC07' : (o.valMetric ?? '').toUpperCase());
  const { bestMap, bestPath, lastCheckpoint } = ckpt.state;
  report.record({ event: 'end', bestMap, bestPath, lastCheckpoint });
  return { epochs, bestMap, bestPath, lastCheckpoint, logPath: report.logPath, curvesPath };
}

/** One epoch: every rank steps until any rank runs out of batches, the epoch's batches are done, or time is up. */
async function trainEpoch(r: Run, epoch: number): Promise<{ rec: EpochRecord; outOfTime: boolean }> {
  const { o, proc, report } = r;
  const t0 = performance.now();
  const totals = { ce: 0, l1: 0, steps: 0, skipped: 0, images: 0, reduceMs: 0, overflows: 0, waitMs: 0 };
  let outOfTime = false;
  const bar = report.bar(epoch, r.batches * o.batchSize);
  const batches = r.loader.epoch(epoch);
  try {
    for (let nb = 0; nb < r.batches && !outOfTime; nb++) {
      const asked = performance.now();
      const next = await batches.next();
      totals.waitMs += performance.now() - asked;
      const spent = (performance.now() - r.started) / 1000;
      const lateDecay = o.timeBudgetSec !== undefined && o.decayAtBudgetFraction !== undefined && spent > o.decayAtBudgetFraction * o.timeBudgetSec;
      const overBudget = o.timeBudgetSec !== undefined && spent > o.timeBudgetSec;
      // One agreement per step: every rank has a batch, and rank 0's clock decides the time budget.
      const [ranksWithBatch, late, over] = proc.sum([next.done ? 0 : 1, proc.isMain && lateDecay ? 1 : 0, proc.isMain && overBudget ? 1 : 0]);
      if (ranksWithBatch! < proc.worldSize) break;
      const at = epoch + nb / r.batches;
      const lr = o.lrAt ? o.lrAt(at) : learningRateAt(o, at, r.schedule) * (late! > 0 ? o.lrDecay : 1);
      r.trainer.setLearningRate(lr);
      const batch = next.value!;
      const tb = trainingBatch(batch, r.device);
      const result = (() => {
        try {
          return r.step.run(tb);
        } finally {
          tb.images.dispose();
          tb.clsTargets.dispose();
          tb.boxTargets.dispose();
        }
      })();
      if (result.bad !== null) {
        const globalStep = epoch * r.batches + nb;
        const msg = `step ${globalStep} (epoch ${epoch}, batch ${batch.index}, learning rate ${lr}): ${result.bad}`;
        report.record({ event: 'nonfinite', step: globalStep, epoch, batch: batch.index, message: msg });
        if (result.fatal) throw new Error(`${msg}; an applied update cannot be undone, so training stops`);
        if ((o.onNonFinite ?? 'skip') === 'stop') throw new Error(`${msg}; stopping (onNonFinite: 'stop')`);
        report.say(`${msg}; batch skipped`);
        totals.skipped++;
      } else {
        totals.ce += result.cls;
        totals.l1 += result.box;
      }
      if (result.overflow) totals.overflows++;
      totals.steps++;
      totals.reduceMs += r.step.reduceWaitMs;
      totals.images += batch.indices.length * proc.worldSize;
      const good = Math.max(1, totals.steps - totals.skipped);
      bar?.tick(batch.indices.length * proc.worldSize, { CE: totals.ce / good, SmoothL1: totals.l1 / good, lr });
      if (o.logInterval > 0 && totals.steps % o.logInterval === 0) {
        report.record({ event: 'batch', epoch, batch: totals.steps, CrossEntropy: totals.ce / good, SmoothL1: totals.l1 / good, lr });
      }
      outOfTime = over! > 0;
    }
  } finally {
    await batches.return(undefined);
    bar?.done();
  }
  const good = Math.max(1, totals.steps - totals.skipped);
  const rec: EpochRecord = {
    epoch,
    lr: r.trainer.learningRate,
    CrossEntropy: totals.ce / good,
    SmoothL1: totals.l1 / good,
    images: totals.images,
    seconds: (performance.now() - t0) / 1000,
    dataWaitSeconds: totals.waitMs / 1000,
    skippedBatches: totals.skipped,
    liveTensors: memory().liveTensors,
    ...(proc.worldSize > 1
      ? { gradBuckets: r.step.gradientBuckets, overlappedBuckets: r.step.overlappedBuckets, gradReduceWaitMs: totals.reduceMs / Math.max(1, totals.steps) }
      : {}),
    ...(r.amp.scaler.enabled ? { overflowSteps: totals.overflows, lossScale: r.amp.scaler.getScale() } : {}),
  };
  return { rec, outOfTime };
}
