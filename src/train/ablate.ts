// The seed's three tips as controlled experiments: with the same data, seed and budget, train
//   A: batch-wise normalization, Xavier(gaussian, out, 2) predictors      (the reference arm)
//   B: sample-wise normalization, Xavier predictors                       (tip 1)
//   C: batch-wise normalization, Uniform(0.07) predictors                 (tip 2)
// and evaluate A's model with per-class and with argmax decoding (tip 3). Repeated over several seeds so the
// spread can be told from the effect; reports each arm's mean ± std mAP and the differences to A.
import type { DetectionDataset } from '../data/index.js';
import { manualSeed } from '../tensor/index.js';
import { buildFromSpec, type ModelSpec } from './modelSpec.js';
import { trainSSD, type TrainOptions } from './trainSSD.js';
import { validate } from './validate.js';
import type { SSD } from '../models/index.js';

export interface AblationArm {
  name: string;
  tip: string;
  mAPs: number[];
  mean: number;
  std: number;
  /** mean(arm) - mean(reference), and the std of the per-seed differences. */
  diff: number;
  diffStd: number;
}

export interface AblateOptions {
  spec: ModelSpec;
  seeds: number[];
  /** Training options shared by every arm (the arm sets lossNorm and predictorInit). */
  train: Omit<TrainOptions, 'seed' | 'lossNorm' | 'predictorInit' | 'decoder' | 'savePrefix'>;
  savePrefix: string;
  /** Called before training, e.g. to reset BatchNorm statistics of a from-scratch backbone. */
  prepare?: (net: SSD) => void;
  log?: (line: string) => void;
}

function meanStd(xs: number[]): [number, number] {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1) : 0;
  return [m, Math.sqrt(v)];
}

export async function ablate(train: DetectionDataset, val: DetectionDataset, o: AblateOptions): Promise<AblationArm[]> {
  const log = o.log ?? (() => {});
  const runs: Record<string, number[]> = { A: [], B: [], C: [], 'A+argmax': [] };
  const arms = [
    { key: 'A', lossNorm: 'batch', predictorInit: 'xavier' },
    { key: 'B', lossNorm: 'sample', predictorInit: 'xavier' },
    { key: 'C', lossNorm: 'batch', predictorInit: 'uniform' },
  ] as const;
  for (const seed of o.seeds) {
    for (const arm of arms) {
      manualSeed(seed); // the arm's initial weights come from its seed too
      const net = buildFromSpec(o.spec);
      o.prepare?.(net);
      try {
        const r = await trainSSD(net, train, null, {
          ...o.train, seed, lossNorm: arm.lossNorm, predictorInit: arm.predictorInit, decoder: 'per-class',
          savePrefix: `${o.savePrefix}_seed${seed}_${arm.key}`,
        });
        const v = await validate(net, val, { dataShape: o.train.dataShape, batchSize: o.train.batchSize });
        runs[arm.key]!.push(v.mAP);
        log(`seed ${seed} arm ${arm.key} (${arm.lossNorm}, ${arm.predictorInit}): ${r.epochs.length} epochs, mAP ${v.mAP.toFixed(4)}`);
        if (arm.key === 'A') {
          net.setClassDecoder('argmax');
          const va = await validate(net, val, { dataShape: o.train.dataShape, batchSize: o.train.batchSize });
          runs['A+argmax']!.push(va.mAP);
          log(`seed ${seed} arm A with argmax decoding: mAP ${va.mAP.toFixed(4)}`);
        }
      } finally {
        net.dispose();
      }
    }
  }
  const ref = runs['A']!;
  const describe: Record<string, [string, string]> = {
    A: ['batch norm, Xavier init, per-class decoding', 'reference'],
    B: ['sample-wise loss normalization', 'tip 1'],
    C: ['Uniform predictor init', 'tip 2'],
    'A+argmax': ['argmax decoding (same model as A)', 'tip 3'],
  };
  return Object.entries(runs).map(([key, mAPs]) => {
    const [mean, std] = meanStd(mAPs);
    const [diff, diffStd] = meanStd(mAPs.map((m, i) => m - ref[i]!));
    return { name: `${key}: ${describe[key]![0]}`, tip: describe[key]![1], mAPs, mean, std, diff, diffStd };
  });
}

/** A text table of the arms. */
export function formatAblation(arms: readonly AblationArm[]): string {
  const rows = arms.map((a) => [a.tip, a.name, `${a.mean.toFixed(4)} ± ${a.std.toFixed(4)}`, a.tip === 'reference' ? '' : `${a.diff >= 0 ? '+' : ''}${a.diff.toFixed(4)} ± ${a.diffStd.toFixed(4)}`, a.mAPs.map((m) => m.toFixed(3)).join(' ')]);
  const head = ['tip', 'arm', 'mAP mean ± std', 'vs A (± std)', 'per seed'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i]!)).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}
