// `ssdkit info NAME`: builds a model-zoo SSD (randomly initialized, no files needed) and prints its anchor count,
// feature-map sizes, every parameter's GluonCV (MXNet) name, Gluon and ssdkit structural names and shape, the
// parameter totals and the convolution GFLOPs at the data shape (src/models/summary.ts; spec §1–2).
import { parseArgs } from 'node:util';
import { UsageError, type Command } from './command.js';
import { resetNameCounters } from '../nn/index.js';
import { getModel, getPreset, modelNames, summarizeModel } from '../models/index.js';

function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}

export const modelInfoCommand: Command = {
  name: 'info',
  summary: 'describe a model-zoo SSD: anchors, feature maps, parameters (GluonCV names), GFLOPs',
  usage: [
    'usage: ssdkit info NAME [--json] [--data-shape N] [--classes a,b,...]',
    '',
    '  NAME            a registered model, e.g. ssd_300_vgg16_atrous_voc (ssdkit info --list shows them)',
    '  --json          print one JSON object instead of text',
    '  --data-shape N  square input size for feature maps, anchors and GFLOPs (default: the model\'s base size)',
    '  --classes LIST  comma-separated class names (required for *_custom models)',
    '  --list          list the models that can be built',
    '',
    'GFLOPs count 2 per multiply-add of every convolution plus bias additions, for one image.',
  ].join('\n'),
  run(argv) {
    let values: Record<string, string | boolean | undefined>;
    let positionals: string[];
    try {
      ({ values, positionals } = parseArgs({
        args: argv,
        options: { json: { type: 'boolean' }, 'data-shape': { type: 'string' }, classes: { type: 'string' }, list: { type: 'boolean' } },
        strict: true,
        allowPositionals: true,
      }) as { values: Record<string, string | boolean | undefined>; positionals: string[] });
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    if (values['list']) {
      console.log(modelNames().join('\n'));
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('expected exactly one model NAME');
    const name = positionals[0]!;
    let preset;
    try {
      preset = getPreset(name);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const classesArg = values['classes'] as string | undefined;
    const classes = classesArg ? classesArg.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
    if (preset.classes === null && !classes?.length) throw new UsageError(`${name} is a custom model: pass --classes a,b,...`);
    let size = preset.baseSize;
    if (values['data-shape'] !== undefined) {
      size = Number(values['data-shape']);
      if (!Number.isInteger(size) || size < 32) throw new UsageError(`--data-shape must be an integer >= 32, got '${String(values['data-shape'])}'`);
    }
    resetNameCounters(); // the first model of a process: ssd0_...
    let net;
    try {
      net = getModel(name, { pretrainedBase: false, classes });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    try {
      const s = summarizeModel(net, size);
      if (values['json']) {
        console.log(JSON.stringify({ name, base: preset.base, classNames: net.classes, ...s }));
        return 0;
      }
      const lines = [
        `${name}: base ${preset.base}, ${s.classes} classes, data shape ${s.dataShape.join('x')}`,
        `feature maps: ${s.featureSizes.map(([h, w]) => `${h}x${w}`).join(', ')}`,
        `anchors per location: ${s.anchorsPerLocation.join(', ')}`,
        `anchors: ${fmtInt(s.anchors)}`,
        `parameters: ${fmtInt(s.totalParameters)} (${fmtInt(s.trainableParameters)} trainable, ${s.parameters.length} arrays)`,
        `GFLOPs: ${s.gflops.toFixed(2)} (${s.gmacs.toFixed(2)} G multiply-adds)`,
        '',
        ['GluonCV name', 'Gluon structural name', 'ssdkit structural name', 'shape'].join('\t'),
        ...s.parameters.map((p) => [p.mxnet, p.gluon, p.structural, `(${p.shape.join(', ')})${p.trainable ? '' : ' const'}`].join('\t')),
      ];
      console.log(lines.join('\n'));
      return 0;
    } finally {
      net.dispose();
    }
  },
};
