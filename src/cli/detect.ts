// `ssdkit detect IMAGES...`: runs a trained model on image files and writes detections.json (image pixels)
// and a picture per image with labelled boxes.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, type Command } from './command.js';
import { parseFlags, str, num, device } from './flags.js';
import { loadTrainedModel } from '../train/modelSpec.js';
import { detectImages } from '../train/detectImages.js';

export const detectCommand: Command = {
  name: 'detect',
  summary: 'detect objects in image files with a trained model; writes JSON and pictures',
  usage: `usage: ssdkit detect --prefix P IMAGES... [--out DIR] [--thresh X] [--decoder per-class|argmax] [--device D]

  --prefix P      a training run: P_model.json and P_best.safetensors (or --weights FILE)
  --out DIR       where detections.json and <image>.png go (default ./detections)
  --thresh X      score threshold for the pictures (default 0.4; the JSON keeps all detections)
  --device D      cpu (default), cuda or cuda:K: where the model runs`,
  async run(argv) {
    const { values: v, positionals } = parseFlags(argv, {
      prefix: { type: 'string' }, weights: { type: 'string' }, out: { type: 'string' }, thresh: { type: 'string' }, decoder: { type: 'string' }, device: { type: 'string' },
    }, true);
    const prefix = str(v, 'prefix');
    if (!prefix) throw new UsageError('--prefix is required');
    if (positionals.length === 0) throw new UsageError('give at least one image');
    const dev = device(v);
    const { net, spec } = loadTrainedModel(`${prefix}_model.json`, str(v, 'weights', `${prefix}_best.safetensors`));
    if (str(v, 'decoder') === 'argmax') net.setClassDecoder('argmax');
    net.resetDevice(dev);
    const out = str(v, 'out', 'detections');
    mkdirSync(out, { recursive: true });
    const dataShape = spec.preset?.baseSize ?? Number(/^ssd_(\d+)_/.exec(spec.name)?.[1] ?? 300);
    const dets = await detectImages(net, positionals, { dataShape, classes: spec.classes, drawThresh: num(v, 'thresh', 0.4, { min: 0, max: 1 }), outDir: out, device: dev });
    writeFileSync(join(out, 'detections.json'), JSON.stringify(dets, null, 1));
    for (const d of dets) console.log(`${d.imagePath}: ${d.detections.filter((x) => x.score >= 0.4).map((x) => `${x.className} ${x.score.toFixed(2)}`).join(', ') || 'nothing above 0.4'}`);
    console.log(`wrote ${join(out, 'detections.json')} and ${dets.length} pictures in ${out}`);
    net.dispose();
    return 0;
  },
};
