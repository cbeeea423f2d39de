// `ssdkit ablate`: the seed's three tips as controlled experiments (src/train/ablate.ts) on a dataset (default:
// synthetic), with the same seed and budget per arm, over several seeds; prints a table and writes a plot.
import { join, resolve } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Command } from './command.js';
import { parseFlags, str, num, numList } from './flags.js';
import { openDatasets } from '../train/datasets.js';
import { demoPreset } from '../train/modelSpec.js';
import { ablate, formatAblation } from '../train/ablate.js';
import { ablationTrainOptions, resetBatchNormStats } from '../train/demoConfig.js';
import { writeLineChartPNG } from '../report/lineChart.js';

export const ablateCommand: Command = {
  name: 'ablate',
  summary: "the seed's three tips as controlled experiments over several seeds (table + plot)",
  usage: `usage: ssdkit ablate [--out DIR] [--epochs E] [--seeds 1,2,3] [--dataset-root DIR] [--images N]

  Trains the demo model three times per seed with the same data and number of steps — A (batch norm, Xavier), B (sample
  norm), C (Uniform init) — and scores A also with argmax decoding. Reports mean ± std mAP and A-relative
  differences; writes DIR/ablation.json and DIR/ablation.png.
  --epochs E    training budget per run, in epochs (default 12; the rate drops x0.1 for the last 20%)
  --seeds L     default 1,2
  --out DIR     default ./ssdkit-ablate                --dataset-root DIR   synthetic set (made if missing)`,
  async run(argv) {
    const { values: v } = parseFlags(argv, { out: { type: 'string' }, epochs: { type: 'string' }, seeds: { type: 'string' }, 'dataset-root': { type: 'string' }, images: { type: 'string' } });
    const out = resolve(str(v, 'out', 'ssdkit-ablate'));
    mkdirSync(out, { recursive: true });
    const log = (l: string) => process.stderr.write(l + '\n');
    const data = await openDatasets({ kind: 'synth', root: str(v, 'dataset-root', join(out, 'data')), synthImages: num(v, 'images', 800, { integer: true, min: 16 }), log });
    const seeds = numList(v, 'seeds', [1, 2]);
    const arms = await ablate(data.train, data.val, {
      spec: { name: 'ssd_256_mobilenet0.25_demo', preset: demoPreset(), classes: [...data.classes] },
      seeds,
      train: ablationTrainOptions(num(v, 'epochs', 12, { integer: true, min: 1 })),
      savePrefix: join(out, 'runs', 'run'),
      prepare: resetBatchNormStats,
      log,
    });
    console.log(formatAblation(arms));
    writeFileSync(join(out, 'ablation.json'), JSON.stringify(arms, null, 2));
    await writeLineChartPNG(join(out, 'ablation.png'), [
      { title: 'mAP per arm (mean ± std over seeds)', xLabel: 'arm: 0=A ref, 1=B sample norm, 2=C uniform init, 3=A argmax', series: [{ name: 'mAP', points: arms.map((a, i) => [i, a.mean] as [number, number]), spread: arms.map((a) => a.std) }] },
      { title: 'mAP per seed', xLabel: 'seed', series: arms.map((a) => ({ name: a.name.split(':')[0]!, points: a.mAPs.map((m, i) => [seeds[i]!, m] as [number, number]) })) },
    ], 2);
    console.log(`wrote ${join(out, 'ablation.json')} and ${join(out, 'ablation.png')}`);
    return 0;
  },
};
