// Long-run soak: many small SSD training steps through the real loop (trainSSD: worker-thread loader with
// target generation, forward, SSDMultiBoxLoss, backward, the non-finite checks, the optimizer), sampling the
// process RSS, its anonymous part (RssAnon in /proc/self/status: heap and mmap'd memory, without the shared
// libraries' file-backed pages, which come and go as the kernel reclaims them on a busy machine), the V8 heap
// and libtorch's live-tensor count every --every steps. Prints each sample and a verdict, and writes the series
// as JSON. The verdict: the live-tensor count must not change after the first sample, and anonymous RSS (plain
// RSS where /proc is missing), fitted by least squares over the second half of the run, must grow less than
// --max-slope MB per 1,000 steps. A leak proportional to steps shows in every window; a one-time rise of the
// allocator's high-water mark does not continue, so it is judged by the second half (the slope from the end of
// warm-up, the first 10%, is printed beside it). Exit code 1 when the verdict is "growing". test/train/longRun.test.ts runs a
// short version through soak().
//
//   npm run soak -- [--steps 20000] [--every 500] [--out soak.json] [--data-shape 64] [--batch-size 4]
//                   [--images 40] [--workers 1] [--threads 1] [--max-slope 1]
//
// One libtorch thread by default: at this size intra-op threads add little, and on a shared machine they spin.
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { memory, manualSeed, setNumThreads } from '../src/tensor/index.js';
import { makeSyntheticVOC, SYNTH_CLASSES } from '../src/data/synth.js';
import { VOCDetection } from '../src/data/voc.js';
import { buildFromSpec, demoPreset } from '../src/train/modelSpec.js';
import { trainSSD } from '../src/train/trainSSD.js';
import { DEMO_RECIPE, demoTrainOptions } from '../src/train/demoConfig.js';
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
  /** Anonymous resident memory (Linux); null elsewhere. */
  rssAnonMB: number | null;
  heapUsedMB: number;
  /** V8 heap reserved by the main thread (used or not). */
  heapTotalMB: number;
  /** Memory V8 objects hold outside the heap (ArrayBuffers and the like). */
  externalMB: number;
  liveTensors: number;
}

export interface SoakVerdict {
  flat: boolean;
  liveTensorsConstant: boolean;
  /** Which series the slopes are fitted to. */
  fitted: 'rssAnon' | 'rss';
  /** Least-squares slope of that series over the second half of the run, MB per 1,000 steps (the verdict's). */
  slopeSecondHalf: number;
  /** The same from the end of warm-up (10% of the run) on. */
  slopeAfterWarmup: number;
  /** Plain RSS from the end of warm-up on. */
  rssSlopeAfterWarmup: number;
  rssFirstMB: number;
  rssLastMB: number;
  rssMinAfterWarmupMB: number;
  rssMaxAfterWarmupMB: number;
  rssAnonFirstMB: number | null;
  rssAnonLastMB: number | null;
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

function rssAnonMB(): number | null {
  try {
    const m = /^RssAnon:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
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
  const from = (fraction: number) => {
    const w = samples.filter((s) => s.step >= totalSteps * fraction);
    return w.length >= 2 ? w : samples;
  };
  const fit = from(0.1);
  const anon = samples.every((p) => p.rssAnonMB !== null);
  const fitSlope = (w: readonly SoakSample[], series: (p: SoakSample) => number) => slope(w.map((p) => p.step / 1000), w.map(series));
  const fitted = (p: SoakSample) => (anon ? p.rssAnonMB! : p.rssMB);
  const slopeSecondHalf = fitSlope(from(0.5), fitted);
  const liveTensorsConstant = samples.every((p) => p.liveTensors === samples[0]!.liveTensors);
  return {
    flat: liveTensorsConstant && slopeSecondHalf < maxSlopeMB,
    liveTensorsConstant,
    fitted: anon ? 'rssAnon' : 'rss',
    slopeSecondHalf,
    slopeAfterWarmup: fitSlope(fit, fitted),
    rssSlopeAfterWarmup: fitSlope(fit, (p) => p.rssMB),
    rssFirstMB: samples[0]?.rssMB ?? NaN,
    rssLastMB: samples[samples.length - 1]?.rssMB ?? NaN,
    rssMinAfterWarmupMB: Math.min(...fit.map((p) => p.rssMB)),
    rssMaxAfterWarmupMB: Math.max(...fit.map((p) => p.rssMB)),
    rssAnonFirstMB: samples[0]?.rssAnonMB ?? null,
    rssAnonLastMB: samples[samples.length - 1]?.rssAnonMB ?? null,
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
        ...demoTrainOptions({ ...DEMO_RECIPE, epochs }),
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
            rssAnonMB: rssAnonMB(),
            heapUsedMB: mem.heapUsed / 2 ** 20,
            heapTotalMB: mem.heapTotal / 2 ** 20,
            externalMB: mem.external / 2 ** 20,
            liveTensors: memory().liveTensors,
          };
          samples.push(s);
          log(
            `step ${String(done).padStart(6)}  ${s.seconds.toFixed(0).padStart(5)} s  RSS ${s.rssMB.toFixed(1)} MB  ` +
              `${s.rssAnonMB !== null ? `anon ${s.rssAnonMB.toFixed(1)} MB  ` : ''}` +
              `heap ${s.heapUsedMB.toFixed(1)}/${s.heapTotalMB.toFixed(1)} MB  external ${s.externalMB.toFixed(1)} MB  live tensors ${s.liveTensors}`,
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
  const mb = (v: number | null) => (v === null ? 'n/a' : v.toFixed(1));
  console.log(
    `verdict: ${v.flat ? 'flat' : 'GROWING'} — live tensors ${v.liveFirst} -> ${v.liveLast}${v.liveTensorsConstant ? ' (constant)' : ' (CHANGED)'}; ` +
      `RSS ${mb(v.rssFirstMB)} -> ${mb(v.rssLastMB)} MB (${mb(v.rssMinAfterWarmupMB)}-${mb(v.rssMaxAfterWarmupMB)} after warm-up, ` +
      `slope ${v.rssSlopeAfterWarmup.toFixed(3)}); anonymous RSS ${mb(v.rssAnonFirstMB)} -> ${mb(v.rssAnonLastMB)} MB; ` +
      `${v.fitted} slope ${v.slopeAfterWarmup.toFixed(3)} after warm-up, ${v.slopeSecondHalf.toFixed(3)} over the second half ` +
      `(MB per 1,000 steps; limit ${maxSlopeMB}); ${r.seconds.toFixed(0)} s, ` +
      `${Number(values.threads)} libtorch thread(s)`,
  );
  writeFileSync(values.out, JSON.stringify({ ...r, threads: Number(values.threads), cpus: cpus().length }, null, 2) + '\n');
  console.log(`series written to ${values.out}`);
  if (!v.flat) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) await main();
