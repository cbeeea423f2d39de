// `ssdkit detect IMAGES...`: runs a training run's model (--prefix) or a zoo model with a weights file (--model,
// --weights: GluonCV .params, ssdkit .safetensors, torchvision .pth) on image files and writes detections.json
// (image pixels) and a picture per image with labelled boxes. An image that cannot be read is reported and
// skipped; the others are still detected and written, and the command then exits 1.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, type Command } from './command.js';
import { parseFlags, str, num, choice, device } from './flags.js';
import { loadTrainedModel } from '../train/modelSpec.js';
import { toCOCOResults } from '../train/cocoResults.js';
import { parseClassList } from '../train/datasets.js';
import { detectImages, type Detector, type DetectOptions } from '../train/detectImages.js';
import { getDetector, isTorchvisionModel, SSD } from '../models/index.js';
import type { ImageDetections } from '../train/validate.js';

const FLAGS = {
  prefix: { type: 'string' }, model: { type: 'string' }, weights: { type: 'string' }, classes: { type: 'string' },
  out: { type: 'string' }, thresh: { type: 'string' }, decoder: { type: 'string' }, format: { type: 'string' }, device: { type: 'string' },
} as const;

type DetectFlags = ReturnType<typeof parseFlags>['values'];

/** The detector and how to feed it, from --prefix or --model/--weights. */
interface LoadedDetector {
  net: Detector;
  options: Pick<DetectOptions, 'dataShape' | 'classes'>;
}

function loadDetector(v: DetectFlags): LoadedDetector {
  const prefix = str(v, 'prefix');
  const model = str(v, 'model');
  if (!prefix === !model) throw new UsageError('give exactly one of --prefix (a training run) or --model (a zoo name)');
  if (prefix) {
    const { net, spec } = loadTrainedModel(`${prefix}_model.json`, str(v, 'weights', `${prefix}_best.safetensors`));
    const dataShape = spec.preset?.baseSize ?? Number(/^ssd_(\d+)_/.exec(spec.name)?.[1] ?? 300);
    return { net, options: { dataShape, classes: spec.classes } };
  }
  const classes = str(v, 'classes') ? parseClassList(str(v, 'classes')!) : undefined;
  if (classes && isTorchvisionModel(model!)) throw new UsageError(`--classes does not apply to ${model} (torchvision's COCO categories)`);
  const net = getDetector(model!, { pretrained: str(v, 'weights') ?? true, classes });
  return { net, options: net instanceof SSD ? { dataShape: net.baseSize, classes: net.classes } : {} };
}

function summary(d: ImageDetections, thresh: number): string {
  const shown = d.detections.filter((x) => x.score >= thresh).map((x) => `${x.className} ${x.score.toFixed(2)}`);
  return `${d.imagePath}: ${shown.join(', ') || `nothing above ${thresh}`}`;
}

export const detectCommand: Command = {
  name: 'detect',
  summary: 'detect objects in image files with a trained or zoo model; writes JSON and pictures',
  usage: `usage: ssdkit detect (--prefix P | --model NAME [--weights FILE]) IMAGES... [--out DIR] [--thresh X]

  --prefix P      a training run: P_model.json and P_best.safetensors (or --weights FILE)
  --model NAME    a zoo model: GluonCV's (ssd_300_vgg16_atrous_voc, ...; --weights a .params or .safetensors
                  file) or torchvision:ssd300_vgg16 (--weights torchvision's .pth); without --weights, the
                  model's file in ~/.ssdkit/models
  --classes LIST  *_custom zoo models: comma-separated names or a file with one per line
  --out DIR       where detections.json and <image>.png go (default ./detections)
  --thresh X      score threshold for the pictures and the printed summary (default 0.4; the JSON keeps all)
  --decoder per-class|argmax   GluonCV models: how class scores are decoded (default per-class)
  --device D      cpu (default), cuda or cuda:K: where a GluonCV model runs
  --format F      ssdkit (default: per image {id, detections}) or coco (COCO results, what pycocotools'
                  loadRes reads: [{image_id, category_id, bbox: [x, y, w, h], score}])

An image that cannot be read is reported and skipped; the rest are written, and the exit status is 1.`,
  async run(argv) {
    const { values: v, positionals } = parseFlags(argv, FLAGS, true);
    if (positionals.length === 0) throw new UsageError('give at least one image');
    const thresh = num(v, 'thresh', 0.4, { min: 0, max: 1 });
    const format = choice(v, 'format', ['ssdkit', 'coco'] as const, 'ssdkit');
    const dev = device(v);
    const { net, options } = loadDetector(v);
    if (str(v, 'decoder') === 'argmax' && net instanceof SSD) net.setClassDecoder('argmax');
    if (net instanceof SSD) net.resetDevice(dev);
    const out = str(v, 'out', 'detections');
    mkdirSync(out, { recursive: true });
    const failed: string[] = [];
    const onError = (input: string, e: Error): void => {
      failed.push(input);
      console.error(`ssdkit detect: skipped ${e.message.startsWith(input) ? e.message : `${input}: ${e.message}`}`);
    };
    try {
      const dets = await detectImages(net, positionals, { ...options, drawThresh: thresh, outDir: out, onError, device: dev });
      const classes = options.classes ?? [];
      writeFileSync(join(out, 'detections.json'), JSON.stringify(format === 'coco' ? toCOCOResults(dets, classes) : dets, null, 1));
      for (const d of dets) console.log(summary(d, thresh));
      console.log(`wrote ${join(out, 'detections.json')} and ${dets.length} pictures in ${out}`);
    } finally {
      net.dispose();
    }
    if (failed.length) console.error(`ssdkit detect: ${failed.length} of ${positionals.length} images could not be read: ${failed.join(', ')}`);
    return failed.length ? 1 : 0;
  },
};
