// `ssdkit detect IMAGES...`: runs a trained model on image files and writes detections.json (image pixels)
// and a picture per image with labelled boxes.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, type Command } from './command.js';
import { parseFlags, str, num, choice } from './flags.js';
import { loadTrainedModel } from '../train/modelSpec.js';
import { detectImages } from '../train/detectImages.js';
import { toCOCOResults } from '../train/cocoResults.js';

export const detectCommand: Command = {
  name: 'detect',
  summary: 'detect objects in image files with a trained model; writes JSON and pictures',
  usage: `usage: ssdkit detect --prefix P IMAGES... [--out DIR] [--thresh X] [--decoder per-class|argmax]

  --prefix P      a training run: P_model.json and P_best.safetensors (or --weights FILE)
  --out DIR       where detections.json and <image>.png go (default ./detections)
  --thresh X      score threshold for the pictures (default 0.4; the JSON keeps all detections)
  --format F      ssdkit (default: per image {id, detections}) or coco (COCO results, what pycocotools'
                  loadRes reads: [{image_id, category_id, bbox: [x, y, w, h], score}])`,
  async run(argv) {
    const { values: v, positionals } = parseFlags(argv, {
      prefix: { type: 'string' }, weights: { type: 'string' }, out: { type: 'string' }, thresh: { type: 'string' }, decoder: { type: 'string' }, format: { type: 'string' },
    }, true);
    const prefix = str(v, 'prefix');
    if (!prefix) throw new UsageError('--prefix is required');
    if (positionals.length === 0) throw new UsageError('give at least one image');
    const format = choice(v, 'format', ['ssdkit', 'coco'] as const, 'ssdkit');
    const { net, spec } = loadTrainedModel(`${prefix}_model.json`, str(v, 'weights', `${prefix}_best.safetensors`));
    if (str(v, 'decoder') === 'argmax') net.setClassDecoder('argmax');
    const out = str(v, 'out', 'detections');
    mkdirSync(out, { recursive: true });
    const dataShape = spec.preset?.baseSize ?? Number(/^ssd_(\d+)_/.exec(spec.name)?.[1] ?? 300);
    const dets = await detectImages(net, positionals, { dataShape, classes: spec.classes, drawThresh: num(v, 'thresh', 0.4, { min: 0, max: 1 }), outDir: out });
    writeFileSync(join(out, 'detections.json'), JSON.stringify(format === 'coco' ? toCOCOResults(dets, spec.classes) : dets, null, 1));
    for (const d of dets) console.log(`${d.imagePath}: ${d.detections.filter((x) => x.score >= 0.4).map((x) => `${x.className} ${x.score.toFixed(2)}`).join(', ') || 'nothing above 0.4'}`);
    console.log(`wrote ${join(out, 'detections.json')} and ${dets.length} pictures in ${out}`);
    net.dispose();
    return 0;
  },
};
