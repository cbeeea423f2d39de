// The seed's three tips as controlled experiments: with the same data, seed and budget, train
//   A: batch-wise normalization, Xavier(gaussian, out, 2) predictors      (the reference arm)
//   B: sample-wise normalization, Xavier predictors                       (tip 1)
//   C: batch-wise normalization, Uniform(0.07) predictors                 (tip 2)
// and evaluate A's model with per-class and with argmax decoding (tip 3). Repeated over several seeds so the
// spread can be told from the effect; reports each arm's mean ± std mAP and the mean paired (by seed) difference
// to A with its 95% t interval, the seeds, the steps per run and the time taken.
import type { DetectionDataset } from '../data/index.js';
import { manualSeed } from '../tensor/index.js';
import { buildFromSpec, type ModelSpec } from './modelSpec.js';
import { trainSSD, type TrainOptions } from './trainSSD.js';
import { validate } from './validate.js';
import type { SSD } from '../models/index.js';
import { meanStd, pairedDifference, seedsNeeded, type PairedDifference } from './pairedStats.js';

export interface AblationArm {
  name: string;
  tip: string;
  /** mAP per seed, in the order of AblationResult.seeds. */
  mAPs: number[];
  mean: number;
  std: number;
  /** This arm minus the reference, paired by seed, with its 95% interval; null for the reference. */
  diff: PairedDifference | null;
}

export interface AblationResult {
  arms: AblationArm[];
  seeds: number[];
  /** Optimizer steps per run (every arm and seed the same). */
  steps: number;
  batchSize: number;
  dataShape: number;
  seconds: number;
}

export interface AblateOptions {
  spec: ModelSpec;
  seeds: number[];
  /** Training options shared by every arm (the arm sets lossNorm and predictorInit). */
  train: Omit<TrainOptions, 'seed' | 'lossNorm' | 'predictorInit' | 'decoder' | 'savePrefix'>;
  savePrefix: string;
  /** Called before training, e.g. to reset BatchNorm statistics of a from-scratch backbone. */
  prepare?: (net: SSD) => void;
  /** After each seed but the last: the table so far (a long run killed part way still leaves its seeds' results). */
  onSeed?: (partial: AblationResult) => void;
  log?: (line: string) => void;
}

const ARMS = [
  { key: 'A', lossNorm: 'batch', predictorInit: 'xavier' },
  { key: 'B', lossNorm: 'sample', predictorInit: 'xavier' },
  { key: 'C', lossNorm: 'batch', predictorInit: 'uniform' },
] as const;

const DESCRIBE: Record<string, [string, string]> = {
  A: ['batch norm, Xavier init, per-class decoding', 'reference'],
  B: ['sample-wise loss normalization', 'tip 1'],
  C: ['Uniform predictor init', 'tip 2'],
  'A+argmax': ['argmax decoding (same model as A)', 'tip 3'],
};

/** Trains one arm for one seed and scores it (A also with argmax decoding). */
async function runArm(train: DetectionDataset, val: DetectionDataset, o: AblateOptions, seed: number, arm: (typeof ARMS)[number], runs: Record<string, number[]>): Promise<number> {
  manualSeed(seed); // the arm's initial weights come from its seed too
  const net = buildFromSpec(o.spec);
  o.prepare?.(net);
  try {
    const r = await trainSSD(net, train, null, {
      ...o.train, seed, lossNorm: arm.lossNorm, predictorInit: arm.predictorInit, decoder: 'per-class',
      savePrefix: `${o.savePrefix}_seed${seed}_${arm.key}`,
    });
    const scoring = { dataShape: o.train.dataShape, batchSize: o.train.batchSize, device: o.train.device };
    const v = await validate(net, val, scoring);
    runs[arm.key]!.push(v.mAP);
    o.log?.(`seed ${seed} arm ${arm.key} (${arm.lossNorm}, ${arm.predictorInit}): ${r.epochs.length} epochs, mAP ${v.mAP.toFixed(4)}`);
    if (arm.key === 'A') {
      net.setClassDecoder('argmax');
      const va = await validate(net, val, scoring);
      runs['A+argmax']!.push(va.mAP);
      o.log?.(`seed ${seed} arm A with argmax decoding: mAP ${va.mAP.toFixed(4)}`);
    }
    return r.epochs.length;
  } finally {
    net.dispose();
  }
}

export async function ablate(train: DetectionDataset, val: DetectionDataset, o: AblateOptions): Promise<AblationResult> {
  const t0 = performance.now();
  const runs: Record<string, number[]> = { A: [], B: [], C: [], 'A+argmax': [] };
  const done: number[] = [];
  for (const seed of o.seeds) {
    for (const arm of ARMS) await runArm(train, val, o, seed, arm, runs);
    done.push(seed);
    if (done.length < o.seeds.length) o.onSeed?.(summarizeAblation(runs, done, o.train, train.length, (performance.now() - t0) / 1000));
  }
  return summarizeAblation(runs, done, o.train, train.length, (performance.now() - t0) / 1000);
}

/**
 * The table's numbers from the mAPs so far (`runs`: arm key -> one mAP per seed of `seeds`, in order): each arm's
 * mean ± std and its paired difference to A.
 */
export function summarizeAblation(
  runs: Readonly<Record<string, readonly number[]>>,
  seeds: readonly number[],
  train: Pick<TrainOptions, 'epochs' | 'batchSize' | 'dataShape' | 'maxBatchesPerEpoch'>,
  trainImages: number,
  seconds: number,
): AblationResult {
  const ref = runs['A']!;
  const arms = Object.entries(runs).map(([key, mAPs]) => {
    const { mean, std } = meanStd(mAPs);
    return { name: `${key}: ${DESCRIBE[key]![0]}`, tip: DESCRIBE[key]![1], mAPs: [...mAPs], mean, std, diff: key === 'A' ? null : pairedDifference(mAPs, ref) };
  });
  const batchesPerEpoch = Math.min(Math.floor(trainImages / train.batchSize) || 1, train.maxBatchesPerEpoch ?? Infinity);
  const steps = Math.ceil(train.epochs) * batchesPerEpoch;
  return { arms, seeds: [...seeds], steps, batchSize: train.batchSize, dataShape: train.dataShape, seconds };
}

const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}`;

/**
 * A text table of the arms (mAP in %): mean ± std, the paired difference to A with its 95% interval, and the
 * seeds a ±`effect` interval would need at this spread; then the seeds, steps and time.
 */
export function formatAblation(r: AblationResult, effect = 0.01): string {
  const rows = r.arms.map((a) => [
    a.tip,
    a.name,
    `${(100 * a.mean).toFixed(2)} ± ${(100 * a.std).toFixed(2)}`,
    a.diff ? `${pct(a.diff.mean)} [${pct(a.diff.lo)}, ${pct(a.diff.hi)}]` : '',
    a.diff ? String(seedsNeeded(a.diff.std, effect)) : '',
    a.mAPs.map((m) => (100 * m).toFixed(1)).join(' '),
  ]);
  const head = ['tip', 'arm', 'mAP % mean ± std', 'vs A, mean [95% CI]', `seeds for ±${(100 * effect).toFixed(1)}`, 'per seed'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd();
  const foot = `${r.seeds.length} seeds (${r.seeds.join(', ')}), ${r.steps} steps of batch ${r.batchSize} at ${r.dataShape}x${r.dataShape} per run, ${r.seconds.toFixed(0)} s in all`;
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line), foot].join('\n');
}
