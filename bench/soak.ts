// Long-run soak: many small SSD training steps through the real loop (trainSSD: worker-thread loader with
// target generation, forward, SSDMultiBoxLoss, backward, the non-finite checks, the optimizer), sampling the
// process RSS, the V8 heap and libtorch's live-tensor count every --every steps. Prints each sample and a
// verdict — the live-tensor count must not change after the first sample, and RSS after warm-up (the first
// 10% of the run) is fitted by least squares and must grow less than --max-slope MB per 1,000 steps — and
// writes the series as JSON. Exit code 1 when the verdict is "growing". test/train/longRun.test.ts runs a
// short version through soak().
//
//   npm run soak -- [--steps 20000] [--every 500] [--out soak.json] [--data-shape 64] [--batch-size 4]
//                   [--images 40] [--workers 1] [--threads 1] [--max-slope 1]
//
// One libtorch thread by default: at this size intra-op threads add little, and on a shared machine they spin.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { memory, manualSeed, setNumThreads } from '../src/tensor/index.js';
import { makeSyntheticVOC, SYNTH_CLASSES } from '../src/data/synth.js';
import { VOCDetection } from '../src/data/voc.js';
import { buildFromSpec, demoPreset } from '../src/train/modelSpec.js';
import { trainSSD } from '../src/train/trainSSD.js';
import { demoTrainOptions } from '../src/train/demoConfig.js';
import { loadAverage } from './timing.js';

export interface SoakOptions {
  steps: number;
  /** Sample every this many steps (rounded up to whole epochs). */
  every: number;
  dataShape?: number;
  batchSize?: number;
  /** Synthetic images generated (60% + 20% of them are the training set). */
  images?: number;
  workers?: number;
  /** RSS slope limit for the verdict, MB per 1,000 steps. */
  maxSlopeMB?: number;
  log?: (line: string) => void;
}

export interface SoakSample {
  step: number;
  seconds: number;
  rssMB: number;
  heapUsedMB: number;
  liveTensors: number;
}

export interface SoakVerdict {
  flat: boolean;
  liveTensorsConstant: boolean;
  /** Least-squares RSS slope after warm-up, MB per 1,000 steps. */
  rssSlopeMBPer1kSteps: number;
  rssFirstMB: number;
  rssLastMB: number;
  rssMinAfterWarmupMB: number;
  rssMaxAfterWarmupMB: number;
  liveFirst: number;
  liveLast: number;
}

export interface SoakResult {
  steps: number;
  dataShape: number;
  batchSize: number;
  workers: number;
  seconds: number;
  verdict: SoakVerdict;
  samples: SoakSample[];
}

/** Least-squares slope of y over x. */
function slope(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 2) return 0;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (x[i]! - mx) * (y[i]! - my);
    den += (x[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export function soakVerdict(samples: readonly SoakSample[], totalSteps: number, maxSlopeMB: number): SoakVerdict {
  const warm = samples.filter((s) => s.step >= totalSteps * 0.1);
  const fit = warm.length >= 2 ? warm : samples;
  const s = slope(fit.map((p) => p.step / 1000), fit.map((p) => p.rssMB));
  const liveTensorsConstant = samples.every((p) => p.liveTensors === samples[0]!.liveTensors);
  return {
    flat: liveTensorsConstant && s < maxSlopeMB,
    liveTensorsConstant,
    rssSlopeMBPer1kSteps: s,
    rssFirstMB: samples[0]?.rssMB ?? NaN,
    rssLastMB: samples[samples.length - 1]?.rssMB ?? NaN,
    rssMinAfterWarmupMB: Math.min(...fit.map((p) => p.rssMB)),
    rssMaxAfterWarmupMB: Math.max(...fit.map((p) => p.rssMB)),
    liveFirst: samples[0]?.liveTensors ?? NaN,
    liveLast: samples[samples.length - 1]?.liveTensors ?? NaN,
  };
}

/** Trains the demo SSD for `steps` steps on synthetic data, sampling memory; see the file header. */
export async function soak(o: SoakOptions): Promise<SoakResult> {
  const dataShape = o.dataShape ?? 64;
  const batchSize = o.batchSize ?? 4;
  const workers = o.workers ?? 1;
  const log = o.log ?? ((l: string) => console.log(l));
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-soak-'));
  try {
    await makeSyntheticVOC({ out: join(dir, 'data'), images: o.images ?? 40, seed: 11, size: dataShape });
    const train = await VOCDetection.load(join(dir, 'data'), ['2007/trainval'], { classes: SYNTH_CLASSES });
    const batchesPerEpoch = Math.max(1, Math.floor(train.length / batchSize));
    const epochs = Math.ceil(o.steps / batchesPerEpoch);
    const steps = epochs * batchesPerEpoch;
    log(
      `soak: ${steps} steps (${epochs} epochs x ${batchesPerEpoch} batches of ${batchSize}), demo SSD at ${dataShape}x${dataShape}, ` +
        `${workers} loader worker(s); ${cpus().length} CPUs, load ${loadAverage()}`,
    );
    manualSeed(1);
    const net = buildFromSpec({ name: 'soak', preset: demoPreset(dataShape), classes: [...SYNTH_CLASSES] });
    const samples: SoakSample[] = [];
    const t0 = performance.now();
    let lastSampled = -Infinity;
    try {
      await trainSSD(net, train, null, {
        ...demoTrainOptions(0),
        timeBudgetSec: undefined,
        decayAtBudgetFraction: undefined,
        dataShape,
        batchSize,
        numWorkers: workers,
        epochs,
        maxBatchesPerEpoch: batchesPerEpoch,
        saveInterval: epochs + 1, // only the final checkpoint
        logInterval: 0,
        savePrefix: join(dir, 'run', 'soak'),
        seed: 1,
        progress: false,
        log: (line) => {
          const m = /^\[epoch (\d+)\]/.exec(line);
          if (!m) return void log(line);
          const done = (Number(m[1]) + 1) * batchesPerEpoch;
          if (done - lastSampled < o.every) return;
          lastSampled = done;
          const mem = process.memoryUsage();
          const s: SoakSample = {
            step: done,
            seconds: (performance.now() - t0) / 1000,
            rssMB: mem.rss / 2 ** 20,
            heapUsedMB: mem.heapUsed / 2 ** 20,
            liveTensors: memory().liveTensors,
          };
          samples.push(s);
          log(
            `step ${String(done).padStart(6)}  ${s.seconds.toFixed(0).padStart(5)} s  RSS ${s.rssMB.toFixed(1)} MB  ` +
              `heap ${s.heapUsedMB.toFixed(1)} MB  live tensors ${s.liveTensors}`,
          );
        },
      });
    } finally {
      net.dispose();
    }
    const verdict = soakVerdict(samples, steps, o.maxSlopeMB ?? 1);
    return { steps, dataShape, batchSize, workers, seconds: (performance.now() - t0) / 1000, verdict, samples };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: '20000' },
      every: { type: 'string', default: '500' },
      out: { type: 'string', default: 'soak.json' },
      'data-shape': { type: 'string', default: '64' },
      'batch-size': { type: 'string', default: '4' },
      images: { type: 'string', default: '40' },
      workers: { type: 'string', default: '1' },
      threads: { type: 'string', default: '1' },
      'max-slope': { type: 'string', default: '1' },
    },
  });
  setNumThreads(Number(values.threads));
  const maxSlopeMB = Number(values['max-slope']);
  const r = await soak({
    steps: Number(values.steps),
    every: Number(values.every),
    dataShape: Number(values['data-shape']),
    batchSize: Number(values['batch-size']),
    images: Number(values.images),
    workers: Number(values.workers),
    maxSlopeMB,
  });
  const v = r.verdict;
  console.log(
    `verdict: ${v.flat ? 'flat' : 'GROWING'} — live tensors ${v.liveFirst} -> ${v.liveLast}${v.liveTensorsConstant ? ' (constant)' : ' (CHANGED)'}; ` +
      `RSS ${v.rssFirstMB.toFixed(1)} -> ${v.rssLastMB.toFixed(1)} MB (${v.rssMinAfterWarmupMB.toFixed(1)}-${v.rssMaxAfterWarmupMB.toFixed(1)} after warm-up), ` +
      `slope after warm-up ${v.rssSlopeMBPer1kSteps.toFixed(3)} MB per 1,000 steps (limit ${maxSlopeMB}); ${r.seconds.toFixed(0)} s, ` +
      `${Number(values.threads)} libtorch thread(s)`,
  );
  writeFileSync(values.out, JSON.stringify({ ...r, threads: Number(values.threads), cpus: cpus().length }, null, 2) + '\n');
  console.log(`series written to ${values.out}`);
  if (!v.flat) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) await main();
