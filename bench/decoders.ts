// The seed's tip 3, timed: SSD's two class decoders on SSD300's 8732 anchors, per-class (MultiPerClassDecoder,
// every foreground class kept separately, then box_nms) vs argmax (MultiClassDecoder, the best class only, then
// box_nms), with 20 classes (VOC) and 80 (COCO), batch 1, through SSD.postprocess (src/models/ssd/ssd.ts) with
// GluonCV's NMS settings (0.45, top 400, first 100). Two kinds of class logits, both seeded:
//   trained-like: N(0, 1) plus +6 on background, except 1% of anchors where one random class gets +6 instead;
//   flat:         N(0, 2^2) (an untrained network: nearly every class score passes the 0.01 threshold).
// The two decoders alternate round by round so both see the same machine conditions. Reports medians in ms.
//
//   SSDKIT_THREADS=1 node dist/bench/decoders.js [--reps 15]
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getNumThreads, keep, manualSeed, randn, randint, full, zeros, where, tidy, dispose, type Tensor } from '../src/tensor/index.js';
import { getModel, type SSD } from '../src/models/index.js';
import { fmt, loadAverage, median, timeReps } from './timing.js';

export type LogitKind = 'trained-like' | 'flat';

/** Seeded class logits (1, N, C+1) of the given kind (see the file header). */
export function classLogits(n: number, classes: number, kind: LogitKind, seed: number): Tensor {
  manualSeed(seed);
  return tidy(() => {
    if (kind === 'flat') return randn([1, n, classes + 1]).mul(2);
    const logits = randn([1, n, classes + 1]);
    const fg = randint(0, 100, [n]).eq(0); // 1% of the anchors see an object
    const target = where(fg, randint(1, classes + 1, [n]), 0).reshape(1, n, 1);
    return logits.scatterAdd(2, target, full([1, n, 1], 6));
  });
}

export interface DecoderTiming {
  classes: number;
  kind: LogitKind;
  perClassMs: number;
  argmaxMs: number;
}

/** Median ms per SSD.postprocess call with each decoder, alternating `rounds` rounds of `reps` calls. */
export function benchDecoders(net: SSD, kind: LogitKind, o: { reps?: number; rounds?: number } = {}): DecoderTiming {
  const classes = net.classes.length;
  const [cls, box, anchors] = tidy(() => {
    const [c, b, a] = net.forwardTrain(zeros([1, 3, 300, 300])); // shapes and anchors only
    return keep([classLogits(c.shape[1]!, classes, kind, 11), randn(b.shape).mul(0.5), a]);
  });
  const per: number[] = [];
  const arg: number[] = [];
  const run = () => tidy(() => void net.postprocess(cls!, box!, anchors!));
  for (let r = 0; r < (o.rounds ?? 3); r++) {
    net.setClassDecoder('perClass');
    per.push(...timeReps(run, { warmup: 1, reps: o.reps ?? 5 }));
    net.setClassDecoder('argmax');
    arg.push(...timeReps(run, { warmup: 1, reps: o.reps ?? 5 }));
  }
  dispose([cls, box, anchors]);
  return { classes, kind, perClassMs: median(per), argmaxMs: median(arg) };
}

function main(): void {
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' } } });
  console.log(`threads ${getNumThreads()}, load ${loadAverage()}`);
  console.log('| classes | logits | per-class (ms) | argmax (ms) | per-class / argmax |');
  console.log('|---|---|---|---|---|');
  for (const name of ['ssd_300_vgg16_atrous_voc', 'ssd_300_vgg16_atrous_coco']) {
    const net = getModel(name, { pretrainedBase: false });
    for (const kind of ['trained-like', 'flat'] as const) {
      const t = benchDecoders(net, kind, { reps: Number(values.reps), rounds: Number(values.rounds) });
      console.log(`| ${t.classes} | ${t.kind} | ${fmt(t.perClassMs)} | ${fmt(t.argmaxMs)} | ${(t.perClassMs / t.argmaxMs).toFixed(2)} |`);
    }
    net.dispose();
  }
  console.log(`load after: ${loadAverage()}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
