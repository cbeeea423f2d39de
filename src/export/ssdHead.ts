// The ONNX ops of SSD's heads and inference decoding (GluonCV ssd.py, spec §2.3–2.4, §6), after the feature maps:
//   per layer: class and box ConvPredictor -> Transpose (B, H, W, A*k) -> Reshape (B, -1); Concat over layers;
//   class logits (B, N, C+1) -> Softmax -> foreground columns = `scores` (B, N, C) (MultiPerClassDecoder's input);
//   box codes (B, N, 4) with the anchors as initializers -> NormalizedBoxCenterDecoder (stds, zero means):
//     ctr = p_xy * s_xy * a_wh + a_xy,  half = exp(p_wh * s_wh) * a_wh / 2,  bboxes = [ctr - half, ctr + half]
//   and, with nms, ONNX NonMaxSuppression per class -> `selected_indices` (K, 3) = [batch, class, anchor].
import { type SSD } from '../models/ssd/ssd.js';
import { type ConvPredictor } from '../models/ssd/convPredictor.js';
import { type SSDAnchorGeneratorBlock } from '../models/ssd/anchorGenerator.js';
import { tidy, zeros } from '../tensor/index.js';
import { emitConv } from './blockOps.js';
import { type GraphBuilder } from './graph.js';

/** One predictor over every feature map, flattened and concatenated: (B, N * k). */
function emitPredictions(g: GraphBuilder, predictors: ConvPredictor[], features: string[]): string {
  const flat = features.map((f, i) => {
    const y = emitConv(g, predictors[i]!.predictor, f);
    const [b, c, h, w] = g.shape(y) as [number, number, number, number];
    const t = g.node('Transpose', [y], [b, h, w, c], { perm: [0, 2, 3, 1] });
    return g.node('Reshape', [t, g.ints('shape', [0, -1])], [b, h * w * c]);
  });
  const total = flat.reduce((n, v) => n + g.shape(v)[1]!, 0);
  return g.node('Concat', flat, [g.shape(flat[0]!)[0]!, total], { axis: 1 });
}

/** The anchors the network uses for these feature maps: (N, 4) center format, float32. */
function anchorValues(net: SSD, g: GraphBuilder, features: string[]): Float32Array {
  return tidy(() => {
    const parts = features.map((f, i) => {
      const [, , h, w] = g.shape(f) as [number, number, number, number];
      const gen = net.anchorGenerators.at(i) as SSDAnchorGeneratorBlock;
      return Float32Array.from(gen.forward(zeros([1, 1, h, w])).contiguous().toTypedArray() as Float32Array);
    });
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  });
}

/** Columns [from, from + 2) of center anchors (N, 4) as a (1, N, 2) initializer. */
function anchorPair(g: GraphBuilder, anchors: Float32Array, from: number, hint: string): string {
  const n = anchors.length / 4;
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    out[2 * i] = anchors[4 * i + from]!;
    out[2 * i + 1] = anchors[4 * i + from + 1]!;
  }
  return g.floats(hint, out, [1, n, 2]);
}

function sliceLast(g: GraphBuilder, x: string, from: number, to: number): string {
  const s = g.shape(x);
  return g.node('Slice', [x, g.ints('starts', [from]), g.ints('ends', [to]), g.ints('axes', [s.length - 1])], [...s.slice(0, -1), to - from]);
}

/** NormalizedBoxCenterDecoder over box codes (B, N, 4): corner boxes in input pixels. */
function emitBoxDecoder(g: GraphBuilder, codes: string, anchors: Float32Array, stds: readonly number[]): string {
  const s = g.shape(codes);
  const half = [...s.slice(0, -1), 2];
  const [axy, awh] = [anchorPair(g, anchors, 0, 'anchor_xy'), anchorPair(g, anchors, 2, 'anchor_wh')];
  const pxy = g.node('Mul', [sliceLast(g, codes, 0, 2), g.floats('stds_xy', stds.slice(0, 2), [2])], half);
  const ctr = g.node('Add', [g.node('Mul', [pxy, awh], half), axy], half);
  const pwh = g.node('Exp', [g.node('Mul', [sliceLast(g, codes, 2, 4), g.floats('stds_wh', stds.slice(2, 4), [2])], half)], half);
  const size = g.node('Mul', [g.node('Mul', [pwh, awh], half), g.floats('half', [0.5], [])], half);
  return g.node('Concat', [g.node('Sub', [ctr, size], half), g.node('Add', [ctr, size], half)], s, { axis: s.length - 1 });
}

export interface HeadOutputs {
  /** (B, N, 4) corner boxes in input pixels. */
  bboxes: string;
  /** (B, N, C) foreground class probabilities. */
  scores: string;
  /** Number of anchors N. */
  numAnchors: number;
}

/** Predictors, softmax and box decoding over the feature maps. */
export function emitSSDHead(g: GraphBuilder, net: SSD, features: string[]): HeadOutputs {
  const C1 = net.numClasses + 1;
  const cls = emitPredictions(g, [...net.classPredictors] as ConvPredictor[], features);
  const box = emitPredictions(g, [...net.boxPredictors] as ConvPredictor[], features);
  const B = g.shape(cls)[0]!;
  const N = g.shape(box)[1]! / 4;
  const logits = g.node('Reshape', [cls, g.ints('shape', [0, -1, C1])], [B, N, C1]);
  const probs = g.node('Softmax', [logits], [B, N, C1], { axis: 2 });
  const codes = g.node('Reshape', [box, g.ints('shape', [0, -1, 4])], [B, N, 4]);
  const anchors = anchorValues(net, g, features);
  if (anchors.length !== N * 4) throw new Error(`ONNX export: ${anchors.length / 4} anchors for ${N} box predictions`);
  return { bboxes: emitBoxDecoder(g, codes, anchors, net.stds), scores: sliceLast(g, probs, 1, C1), numAnchors: N };
}

export interface NmsSettings {
  /** IoU above which a box of the same class is suppressed (GluonCV 0.45). */
  iouThreshold: number;
  /** Scores at or below are dropped (MultiPerClassDecoder's 0.01). */
  scoreThreshold: number;
  /** Boxes kept per class and image. */
  maxPerClass: number;
}

/** ONNX NonMaxSuppression over (B, N, 4) boxes and (B, N, C) scores: selected_indices (K, 3) int64. */
export function emitNms(g: GraphBuilder, head: HeadOutputs, o: NmsSettings): string {
  const [B, N, C] = g.shape(head.scores) as [number, number, number];
  const perClass = g.node('Transpose', [head.scores], [B, C, N], { perm: [0, 2, 1] });
  const inputs = [head.bboxes, perClass, g.ints('max_per_class', [o.maxPerClass]), g.floats('iou_threshold', [o.iouThreshold], [1]), g.floats('score_threshold', [o.scoreThreshold], [1])];
  const out = g.fresh('selected');
  g.nodeNamed('NonMaxSuppression', inputs, [{ name: out, shape: [-2, 3] }], { center_point_box: 0 });
  return out;
}
