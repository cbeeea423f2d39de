// `ssdkit eval`: per-class AP and mAP (table, or JSON) and per-class precision–recall plots, for a trained model
// on a dataset, or for a detections file (`--detections`: what `ssdkit detect` writes, in ssdkit's or COCO's
// results format) without any model. `--metric coco` adds the 12 COCO numbers (eval_ssd.py's
// COCODetectionMetric); the default metric follows the dataset, as train_ssd.py's.
import { join } from 'node:path';
import { UsageError, type Command } from './command.js';
import { parseFlags, str, num, choice, device } from './flags.js';
import { openDatasets, parseClassList, DATASET_KINDS } from '../train/datasets.js';
import { loadTrainedModel } from '../train/modelSpec.js';
import { validate } from '../train/validate.js';
import { scoreDetectionsFile } from '../train/scoreDetections.js';
import { defaultValMetric, VAL_METRIC_KINDS, type ValMetricKind } from '../train/valMetric.js';
import { apReportJSON, formatAPTable, formatCOCOSummary, writePRCurvesPNG, type PRCurve } from '../metrics/index.js';

const METRIC_TITLES: Record<ValMetricKind, string> = { voc07: 'VOC07 11-point mAP', voc: 'VOC area mAP', coco: 'COCO AP@[.5:.95]' };

export const evalCommand: Command = {
  name: 'eval',
  summary: 'per-class AP and mAP of a trained model, or of a detections file, on a dataset',
  usage: `usage: ssdkit eval (--prefix P | --detections FILE) [options]

  --prefix P          a training run: P_model.json and P_best.safetensors (or --weights FILE)
  --weights FILE      weights to load instead of P_best.safetensors
  --detections FILE   score this JSON instead of a model: ssdkit detect's output (boxes in image pixels) or
                      COCO results [{image_id, category_id, bbox: [x, y, w, h], score}] (detect --format coco)
  --dataset KIND      synth (default), voc, custom, coco, rec, lst   --dataset-root DIR (synth: ./ssdkit-data/synth;
                      a synthetic set already there, e.g. ssdkit-demo/data, is scored as it is, never regenerated)
  --val-rec F, --val-lst F   rec/lst: the file to evaluate on (default <root>/val.rec, <root>/val.lst)
  --classes LIST      custom datasets                   --split NAME         default: the test split
  --metric M          voc07 (11-point), voc (area) or coco (AP@[.5:.95] and the 12 COCO numbers);
                      default coco for --dataset coco, else voc07 (train_ssd.py's choice)
  --out DIR           where the PR plot goes (default .)  --json   print JSON instead of a table
  --device D          cpu (default), cuda or cuda:K: where the model runs`,
  async run(argv) {
    const { values: v } = parseFlags(argv, {
      prefix: { type: 'string' }, weights: { type: 'string' }, detections: { type: 'string' }, dataset: { type: 'string' },
      'dataset-root': { type: 'string' }, classes: { type: 'string' }, split: { type: 'string' }, metric: { type: 'string' },
      'val-rec': { type: 'string' }, 'val-lst': { type: 'string' },
      out: { type: 'string' }, json: { type: 'boolean' }, 'batch-size': { type: 'string' }, device: { type: 'string' },
    });
    const prefix = str(v, 'prefix');
    const detections = str(v, 'detections');
    if (!prefix === !detections) throw new UsageError('give exactly one of --prefix or --detections');
    const dev = device(v);
    const kind = choice(v, 'dataset', DATASET_KINDS, 'synth');
    const root = str(v, 'dataset-root', kind === 'synth' ? join('ssdkit-data', 'synth') : '.');
    const split = str(v, 'split');
    const data = await openDatasets({
      kind, root, classes: str(v, 'classes') ? parseClassList(str(v, 'classes')!) : undefined,
      valSplits: split ? [split] : undefined, valFile: str(v, `val-${kind}`), valOnly: true, log: (l) => process.stderr.write(l + '\n'),
    });
    const metric = choice(v, 'metric', VAL_METRIC_KINDS, defaultValMetric(kind));
    let names: string[];
    let values: number[];
    let cocoStats: number[] | undefined;
    let curves: PRCurve[];
    if (detections) {
      const r = scoreDetectionsFile(detections, data.val, metric);
      ({ names, values, cocoStats } = r);
      curves = r.metric.curves();
      if (r.missing) process.stderr.write(`${r.missing} dataset images have no entry in ${detections} (scored as no detections)\n`);
      if (r.ignored.length) process.stderr.write(`${r.ignored.length} results ignored; the first: ${r.ignored[0]}\n`);
      if (r.unknown.length) process.stderr.write(`${r.unknown.length} entries are not in the dataset and were ignored (e.g. ${r.unknown[0]})\n`);
    } else {
      const { net, spec } = loadTrainedModel(`${prefix}_model.json`, str(v, 'weights', `${prefix}_best.safetensors`));
      if (spec.classes.join(',') !== data.classes.join(',')) throw new Error(`the model's classes (${spec.classes.join(', ')}) differ from the dataset's (${data.classes.join(', ')})`);
      const dataShape = spec.preset?.baseSize ?? Number(/^ssd_(\d+)_/.exec(spec.name)?.[1] ?? 300);
      net.resetDevice(dev);
      const r = await validate(net, data.val, { dataShape, batchSize: num(v, 'batch-size', 8, { integer: true, min: 1 }), metric, progress: true, device: dev });
      ({ names, values, cocoStats } = r);
      curves = r.metric.curves();
      net.dispose();
    }
    if (v['json']) console.log(apReportJSON(names, values, { metric, ...(cocoStats ? { cocoStats } : {}) }));
    else console.log(formatAPTable(names, values) + (cocoStats ? `\n\n${formatCOCOSummary(cocoStats)}` : ''));
    const plot = join(str(v, 'out', '.'), 'pr_curves.png');
    await writePRCurvesPNG(curves, plot, { title: `${METRIC_TITLES[metric]} ${values[values.length - 1]!.toFixed(4)}` });
    process.stderr.write(`precision-recall curves: ${plot}\n`);
    return 0;
  },
};
