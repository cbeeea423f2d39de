// `ssdkit eval`: per-class AP and mAP (table, or JSON) and per-class precision–recall plots, for a trained model
// on a dataset, or for a detections file (`--detections`, what `ssdkit detect` writes) without any model.
import { join } from 'node:path';
import { UsageError, type Command } from './command.js';
import { parseFlags, str, num, choice, device } from './flags.js';
import { openDatasets, parseClassList } from '../train/datasets.js';
import { loadTrainedModel } from '../train/modelSpec.js';
import { validate } from '../train/validate.js';
import { scoreDetectionsFile } from '../train/scoreDetections.js';
import { apReportJSON, formatAPTable, writePRCurvesPNG } from '../metrics/index.js';

export const evalCommand: Command = {
  name: 'eval',
  summary: 'per-class AP and mAP of a trained model, or of a detections file, on a dataset',
  usage: `usage: ssdkit eval (--prefix P | --detections FILE) [options]

  --prefix P          a training run: P_model.json and P_best.safetensors (or --weights FILE)
  --weights FILE      weights to load instead of P_best.safetensors
  --detections FILE   score this JSON (ssdkit detect's output, boxes in image pixels) instead of a model
  --dataset KIND      synth (default), voc, custom      --dataset-root DIR   (synth: ./ssdkit-data/synth)
  --classes LIST      custom datasets                   --split NAME         default: the test split
  --metric voc07|voc  11-point (default, train_ssd.py's) or area AP
  --out DIR           where the PR plot goes (default .)  --json   print JSON instead of a table
  --device D          cpu (default), cuda or cuda:K: where the model runs`,
  async run(argv) {
    const { values: v } = parseFlags(argv, {
      prefix: { type: 'string' }, weights: { type: 'string' }, detections: { type: 'string' }, dataset: { type: 'string' },
      'dataset-root': { type: 'string' }, classes: { type: 'string' }, split: { type: 'string' }, metric: { type: 'string' },
      out: { type: 'string' }, json: { type: 'boolean' }, 'batch-size': { type: 'string' }, device: { type: 'string' },
    });
    const prefix = str(v, 'prefix');
    const dev = device(v);
    const detections = str(v, 'detections');
    if (!prefix === !detections) throw new UsageError('give exactly one of --prefix or --detections');
    const kind = choice(v, 'dataset', ['synth', 'voc', 'custom'] as const, 'synth');
    const root = str(v, 'dataset-root', kind === 'synth' ? join('ssdkit-data', 'synth') : '.');
    const split = str(v, 'split');
    const data = await openDatasets({
      kind, root, classes: str(v, 'classes') ? parseClassList(str(v, 'classes')!) : undefined,
      valSplits: split ? [split] : undefined, log: (l) => process.stderr.write(l + '\n'),
    });
    const metric = choice(v, 'metric', ['voc07', 'voc'] as const, 'voc07');
    let names: string[];
    let values: number[];
    let curves;
    if (detections) {
      const r = scoreDetectionsFile(detections, data.val, metric);
      ({ names, values } = r);
      curves = r.metric.curves();
      if (r.missing) process.stderr.write(`${r.missing} dataset images have no entry in ${detections} (scored as no detections)\n`);
      if (r.unknown.length) process.stderr.write(`${r.unknown.length} entries are not in the dataset and were ignored (e.g. ${r.unknown[0]})\n`);
    } else {
      const { net, spec } = loadTrainedModel(`${prefix}_model.json`, str(v, 'weights', `${prefix}_best.safetensors`));
      if (spec.classes.join(',') !== data.classes.join(',')) throw new Error(`the model's classes (${spec.classes.join(', ')}) differ from the dataset's (${data.classes.join(', ')})`);
      const dataShape = spec.preset?.baseSize ?? Number(/^ssd_(\d+)_/.exec(spec.name)?.[1] ?? 300);
      net.resetDevice(dev);
      const r = await validate(net, data.val, { dataShape, batchSize: num(v, 'batch-size', 8, { integer: true, min: 1 }), metric, progress: true, device: dev });
      ({ names, values } = r);
      curves = r.metric.curves();
      net.dispose();
    }
    if (v['json']) console.log(apReportJSON(names, values, { metric }));
    else console.log(formatAPTable(names, values));
    const plot = join(str(v, 'out', '.'), 'pr_curves.png');
    await writePRCurvesPNG(curves, plot, { title: `${metric === 'voc07' ? 'VOC07 11-point' : 'VOC area'} mAP ${values[values.length - 1]!.toFixed(4)}` });
    process.stderr.write(`precision-recall curves: ${plot}\n`);
    return 0;
  },
};
