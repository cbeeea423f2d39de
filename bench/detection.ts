// Detection-core speed (the "SSD core" issue's targets): SSDTargetGenerator for a batch of 32 images x 20 boxes
// over SSD300's 8732 anchors (goal <= 20 ms), and ssdDetect — decode + per-class box_nms, 8732 anchors x 20
// classes — for one image (goal <= 15 ms). Reports medians; the scenes and predictions are seeded.
//
//   node dist/bench/detection.js [--reps 15]
//   → targets-b32: 22 ms            (also targets-b32-ohem, and targets-b1: one image as a data worker runs it)
//   → nms: 5.5 ms                   (2-core VM, load ~1)
// On a machine whose cores are busy with other work, libtorch's intra-op threads stall; SSDKIT_THREADS=1 gives
// steadier numbers there.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getNumThreads, keep, manualSeed, randn, tensor, tidy, type Tensor } from '../src/tensor/index.js';
import { SSDTargetGenerator, ssdAnchors, ssdDetect } from '../src/detection/index.js';
import { getPreset } from '../src/models/presets.js';
import { fmt, loadAverage, median, timeReps } from './timing.js';

export interface BenchOptions {
  /** Timed repetitions (default 15), after 3 warm-up calls. */
  reps?: number;
}

/** Seeded random scene: `count` boxes inside a 300x300 image, class ids 0..19. */
export function scenes(batch: number, count: number, seed: number): { boxes: number[][][]; ids: number[][] } {
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const boxes: number[][][] = [];
  const ids: number[][] = [];
  for (let b = 0; b < batch; b++) {
    const img: number[][] = [];
    const cls: number[] = [];
    for (let i = 0; i < count; i++) {
      const w = 10 + rnd() * 180;
      const h = 10 + rnd() * 180;
      const x = rnd() * (300 - w);
      const y = rnd() * (300 - h);
      img.push([x, y, x + w, y + h]);
      cls.push(Math.floor(rnd() * 20));
    }
    boxes.push(img);
    ids.push(cls);
  }
  return { boxes, ids };
}

/**
 * Milliseconds per SSDTargetGenerator.generate call for `batch` images x `boxes` boxes over SSD300 VOC anchors:
 * NaiveSampler (train_ssd.py's setting) and OHEM (ratio 3, with random class predictions).
 */
export function benchTargets(o: BenchOptions & { batch?: number; boxes?: number } = {}): { naive: number[]; ohem: number[] } {
  const batch = o.batch ?? 32;
  const anchors = keep(ssdAnchors(getPreset('ssd_300_vgg16_atrous_voc')));
  const scene = scenes(batch, o.boxes ?? 20, 7);
  const gt = keep(tensor(scene.boxes, { dtype: 'float32' }));
  const ids = keep(tensor(scene.ids, { dtype: 'int64' }));
  manualSeed(3);
  const cls = keep(randn([batch, anchors.shape[0]!, 21]));
  const naive = new SSDTargetGenerator({ negativeMiningRatio: -1 });
  const ohem = new SSDTargetGenerator();
  const run = (gen: SSDTargetGenerator, preds: Tensor | null) => () => tidy(() => void gen.generate(anchors, preds, gt, ids));
  const reps = { warmup: 3, reps: o.reps ?? 15 };
  const out = { naive: timeReps(run(naive, null), reps), ohem: timeReps(run(ohem, cls), reps) };
  for (const t of [anchors, gt, ids, cls]) t.dispose();
  return out;
}

/**
 * Milliseconds per ssdDetect call for one image: softmax, box decode, MultiPerClassDecoder (20 classes),
 * box_nms (0.45, top 400 across classes, valid 0.01), first 100. Logits N(0, 2^2): most class scores pass 0.01,
 * so the top-400 selection sees all 174640 rows (a harder case than a trained network's).
 */
export function benchNms(o: BenchOptions = {}): number[] {
  const anchors = keep(ssdAnchors(getPreset('ssd_300_vgg16_atrous_voc')));
  const N = anchors.shape[0]!;
  manualSeed(5);
  const cls = keep(tidy(() => randn([1, N, 21]).mul(2)));
  const box = keep(tidy(() => randn([1, N, 4]).mul(0.5)));
  const samples = timeReps(() => tidy(() => void ssdDetect(cls, box, anchors)), { warmup: 3, reps: o.reps ?? 15 });
  for (const t of [anchors, cls, box]) t.dispose();
  return samples;
}

function main(): void {
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '15' } } });
  const reps = Number(values.reps);
  console.log(`threads ${getNumThreads()}, load ${loadAverage()}`);
  const t = benchTargets({ reps });
  console.log(`targets-b32: ${fmt(median(t.naive))} ms`);
  console.log(`targets-b32-ohem: ${fmt(median(t.ohem))} ms`);
  console.log(`targets-b1: ${fmt(median(benchTargets({ reps, batch: 1 }).naive))} ms`);
  console.log(`nms: ${fmt(median(benchNms({ reps })))} ms`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
