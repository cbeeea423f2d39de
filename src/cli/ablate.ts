// `ssdkit ablate`: the seed's three tips as controlled experiments (src/train/ablate.ts) on any dataset ssdkit
// reads (default: the synthetic one), with the same seed and steps per arm, over several seeds; prints the table
// (mean ± std per arm, paired difference to the reference with its 95% interval, seeds, steps, time) and writes
// it as JSON and a plot.
import { join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { UsageError, type Command } from './command.js';
import { parseFlags, str, num, numList, choice, device as deviceFlag } from './flags.js';
import { openDatasets, parseClassList } from '../train/datasets.js';
import { demoPreset, type ModelSpec } from '../train/modelSpec.js';
import { ablate, formatAblation, type AblationResult } from '../train/ablate.js';
import { ablationTrainOptions, resetBatchNormStats, DEMO_RECIPE } from '../train/demoConfig.js';
import { writeLineChartPNG } from '../report/lineChart.js';
import { modelSpecFor } from './train.js';

const FLAGS = ['out', 'epochs', 'seeds', 'dataset', 'dataset-root', 'classes', 'images', 'objects', 'network', 'data-shape', 'batch-size', 'lr', 'effect', 'device'];

/** The plot: each tip's paired difference to A with its 95% interval, and every arm's mAP per seed. */
export async function writeAblationPlot(path: string, r: AblationResult): Promise<void> {
  const tips = r.arms.filter((a) => a.diff !== null);
  await writeLineChartPNG(path, [
    {
      title: 'mAP difference to A (points), 95% CI (bars)',
      xLabel: 'tip: 1 = sample norm (B), 2 = Uniform init (C), 3 = argmax decoding',
      series: [
        { name: 'arm - A', points: tips.map((a, i) => [i + 1, 100 * a.diff!.mean] as [number, number]), spread: tips.map((a) => (Number.isFinite(a.diff!.halfWidth) ? 100 * a.diff!.halfWidth : 0)) },
        { name: 'zero', points: [[0.5, 0], [3.5, 0]] },
      ],
    },
    { title: 'mAP per seed', xLabel: 'seed', series: r.arms.map((a) => ({ name: a.name.split(':')[0]!, points: a.mAPs.map((m, i) => [r.seeds[i]!, m] as [number, number]) })) },
  ], 2);
}

export const ablateCommand: Command = {
  name: 'ablate',
  summary: "the seed's three tips as controlled experiments over several seeds (table + plot)",
  usage: `usage: ssdkit ablate [--dataset KIND] [--network NAME] [--data-shape N] [--epochs E] [--seeds 1,2,3] [--out DIR]

  Trains the model three times per seed with the same data, seed and number of steps — A (batch-wise loss
  normalization, Xavier predictors), B (sample-wise normalization), C (Uniform predictors) — and scores A also with
  argmax decoding. Prints mean ± std mAP per arm and the mean paired (by seed) difference to A with its 95%
  interval; writes DIR/ablation.json and DIR/ablation.png. The schedule is the demo's (Adam, warm-up + cosine).
  --dataset KIND        synth (default), voc, coco, custom     --dataset-root DIR   (synth: DIR/data, made if missing)
  --classes LIST        custom: comma-separated names or a file
  --network NAME        demo (default: the demo's MobileNet0.25 SSD) or a zoo backbone as in ssdkit train
  --data-shape N        input side (default ${DEMO_RECIPE.dataShape} for demo, 300 otherwise)
  --epochs E            per run (default 8)          --seeds L      default 1,2,3
  --batch-size N        default ${DEMO_RECIPE.batchSize}                --lr X         Adam's peak rate (default ${DEMO_RECIPE.lr})
  --images N            synth: images to generate (default 800)
  --objects LIST        synth: shapes per image drawn from LIST (e.g. 1,20: very unequal images, tip 1's case)
  --effect X            the interval half-width to plan seeds for (default 0.01 = 1 mAP point)
  --device D            cpu (default), cuda or cuda:K: where every arm trains and is scored
  --out DIR             default ./ssdkit-ablate`,
  async run(argv) {
    const { values: v } = parseFlags(argv, Object.fromEntries(FLAGS.map((f) => [f, { type: 'string' as const }])));
    const device = deviceFlag(v);
    const out = resolve(str(v, 'out', 'ssdkit-ablate'));
    mkdirSync(out, { recursive: true });
    const log = (l: string) => process.stderr.write(l + '\n');
    const dataset = choice(v, 'dataset', ['synth', 'voc', 'coco', 'custom'] as const, 'synth');
    if (dataset === 'custom' && !str(v, 'classes')) throw new UsageError('--dataset custom needs --classes');
    const root = str(v, 'dataset-root') ?? (dataset === 'synth' ? join(out, 'data') : join(homedir(), '.ssdkit', 'datasets', dataset));
    const objects = v['objects'] !== undefined ? numList(v, 'objects', []) : undefined;
    const data = await openDatasets({
      kind: dataset, root, classes: str(v, 'classes') ? parseClassList(str(v, 'classes')!) : undefined,
      synthImages: num(v, 'images', 800, { integer: true, min: 16 }), synthObjectCounts: objects, log,
    });
    const network = str(v, 'network', 'demo');
    const dataShape = num(v, 'data-shape', network === 'demo' ? DEMO_RECIPE.dataShape : 300, { integer: true, min: 64 });
    const demo = network === 'demo' ? demoPreset(dataShape, DEMO_RECIPE.anchorSizes, DEMO_RECIPE.base) : null;
    const spec: ModelSpec = demo ? { name: demo.name, preset: demo, classes: [...data.classes] } : modelSpecFor(network, dataShape, dataset, data.classes);
    const recipe = { ...DEMO_RECIPE, dataShape, batchSize: num(v, 'batch-size', DEMO_RECIPE.batchSize, { integer: true, min: 1 }), lr: num(v, 'lr', DEMO_RECIPE.lr, { min: 0 }) };
    const seeds = numList(v, 'seeds', [1, 2, 3]);
    log(`ablate: ${spec.name} on ${dataset} (${data.train.length} training, ${data.val.length} test images), seeds ${seeds.join(',')}`);
    const write = async (r: AblationResult, partial: boolean): Promise<void> => {
      writeFileSync(join(out, 'ablation.json'), JSON.stringify({ command: `ssdkit ablate ${argv.join(' ')}`, model: spec.name, dataset, objects, ...(partial ? { partial } : {}), ...r }, null, 2));
      await writeAblationPlot(join(out, 'ablation.png'), r);
    };
    let writing = Promise.resolve();
    const r = await ablate(data.train, data.val, {
      spec, seeds, train: { ...ablationTrainOptions(num(v, 'epochs', 8, { integer: true, min: 1 }), recipe), device }, savePrefix: join(out, 'runs', 'run'), prepare: resetBatchNormStats, log,
      onSeed: (p) => {
        writing = writing.then(() => write(p, true));
        log(`seeds ${p.seeds.join(',')} done: ${join(out, 'ablation.json')} and ablation.png hold their table so far`);
      },
    });
    await writing;
    console.log(formatAblation(r, num(v, 'effect', 0.01, { min: 1e-6 })));
    await write(r, false);
    console.log(`wrote ${join(out, 'ablation.json')} and ${join(out, 'ablation.png')}`);
    return 0;
  },
};
