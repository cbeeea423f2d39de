// The ONNX ops of ssdkit's single-input blocks (src/nn and the residual blocks of src/models/ssd), one emitter
// per block kind, each writing the same computation as the block's forward in eval mode (BatchNorm with its
// running statistics). `emitLayer` dispatches on the block's class; a block kind it does not know is an error
// naming it, never a silent omission.
//
//   Conv2D -> Conv (+ Relu)          BatchNorm -> BatchNormalization (SymbolBatchNorm: gamma held at 1)
//   ReLU/Activation -> Relu|Sigmoid|Tanh       MaxPool2D -> MaxPool (MXNet 'full' ceil mode as explicit end pads, or Pad -inf)
//   L2Normalization -> x / sqrt(ReduceSum(x^2, C) + eps) * scale      Dense -> Flatten + Gemm
//   Sequential -> its layers in order    Residual blocks (ResNet v1, v1b) -> body, shortcut, Add, Relu
import { tidy } from '../tensor/index.js';
import { Activation, AvgPool2D, BatchNorm, Block, Conv2D, Dense, GlobalAvgPool2D, L2Normalization, MaxPool2D, Sequential, type Parameter } from '../nn/index.js';
import { pooledSize } from '../nn/pooling.js';
import { SymbolBatchNorm } from '../models/ssd/featureExpander.js';
import { BasicBlockV1, BottleneckV1 } from '../models/ssd/resnetV1.js';
import { BasicBlockV1b, BottleneckV1b } from '../models/ssd/resnetV1b.js';
import { type GraphBuilder, type Shape } from './graph.js';

/** A parameter's values as float32 (a copy). */
export function parameterValues(p: Parameter): Float32Array {
  return tidy(() => p.data().float().contiguous().toTypedArray() as Float32Array);
}

function initializer(g: GraphBuilder, p: Parameter): string {
  return g.floats(p.name || 'param', parameterValues(p), p.shape);
}

function spatialOut(input: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((input + 2 * p - d * (k - 1) - 1) / s) + 1;
}

export function emitConv(g: GraphBuilder, conv: Conv2D, x: string): string {
  const [b, , h, w] = g.shape(x) as [number, number, number, number];
  const [kh, kw] = conv.kernelSize;
  const [sh, sw] = conv.strides;
  const [ph, pw] = conv.padding;
  const [dh, dw] = conv.dilation;
  const inputs = [x, initializer(g, conv.weight), ...(conv.bias ? [initializer(g, conv.bias)] : [])];
  const shape = [b, conv.channels, spatialOut(h, kh, sh, ph, dh), spatialOut(w, kw, sw, pw, dw)];
  const y = g.node('Conv', inputs, shape, { kernel_shape: [kh, kw], strides: [sh, sw], pads: [ph, pw, ph, pw], dilations: [dh, dw], group: conv.groups });
  return conv.activation === 'relu' ? g.node('Relu', [y], shape) : y;
}

export function emitBatchNorm(g: GraphBuilder, bn: BatchNorm, x: string): string {
  const C = bn.gamma.shape[0]!;
  const gamma = bn instanceof SymbolBatchNorm ? g.floats('fixed_gamma', new Float32Array(C).fill(1), [C]) : initializer(g, bn.gamma);
  const inputs = [x, gamma, initializer(g, bn.beta), initializer(g, bn.runningMean), initializer(g, bn.runningVar)];
  return g.node('BatchNormalization', inputs, g.shape(x), { epsilon: { float: bn.epsilon } });
}

const ACTIVATION_OPS = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' } as const;

export function emitActivation(g: GraphBuilder, act: Activation, x: string): string {
  return g.node(ACTIVATION_OPS[act.actType], [x], g.shape(x));
}

/**
 * MaxPool2D: the output size of pool.ts (MXNet's 'full' convention in ceil mode), reached with end pads. ONNX
 * wants pads smaller than the window; a last window lying wholly in the padding (a -inf output, as in pool.ts)
 * takes an explicit Pad with -inf first.
 */
export function emitMaxPool(g: GraphBuilder, pool: MaxPool2D, x: string): string {
  const [b, c, h, w] = g.shape(x) as [number, number, number, number];
  const [ph, pw] = pool.padding;
  const outs = [h, w].map((n, d) => pooledSize(n, pool.poolSize[d]!, pool.strides[d]!, pool.padding[d]!, pool.ceilMode));
  const ends = [h, w].map((n, d) => Math.max(pool.padding[d]!, (outs[d]! - 1) * pool.strides[d]! + pool.poolSize[d]! - n - pool.padding[d]!));
  const attrs = { kernel_shape: [...pool.poolSize], strides: [...pool.strides] };
  const shape = [b, c, outs[0]!, outs[1]!];
  if (ends[0]! < pool.poolSize[0] && ends[1]! < pool.poolSize[1]) return g.node('MaxPool', [x], shape, { ...attrs, pads: [ph, pw, ends[0]!, ends[1]!] });
  const padded = g.node('Pad', [x, g.ints('pads', [0, 0, ph, pw, 0, 0, ends[0]!, ends[1]!]), g.floats('neg_inf', [-Infinity], [])], [b, c, h + ph + ends[0]!, w + pw + ends[1]!]);
  return g.node('MaxPool', [padded], shape, attrs);
}

export function emitAvgPool(g: GraphBuilder, pool: AvgPool2D, x: string): string {
  const [b, c, h, w] = g.shape(x) as [number, number, number, number];
  const outs = [h, w].map((n, d) => pooledSize(n, pool.poolSize[d]!, pool.strides[d]!, pool.padding[d]!, pool.ceilMode));
  return g.node('AveragePool', [x], [b, c, outs[0]!, outs[1]!], {
    kernel_shape: [...pool.poolSize],
    strides: [...pool.strides],
    pads: [pool.padding[0], pool.padding[1], pool.padding[0], pool.padding[1]],
    ceil_mode: pool.ceilMode ? 1 : 0,
    count_include_pad: pool.countIncludePad ? 1 : 0,
  });
}

/** Channel-mode L2 normalization times the per-channel scale (l2Normalization.ts). */
export function emitL2Normalization(g: GraphBuilder, norm: L2Normalization, x: string): string {
  const s = g.shape(x);
  const reduced: Shape = [s[0]!, 1, ...s.slice(2)];
  const sumSq = g.node('ReduceSum', [g.node('Mul', [x, x], s), g.ints('axes', [1])], reduced, { keepdims: 1 });
  const denom = g.node('Sqrt', [g.node('Add', [sumSq, g.floats('eps', [norm.eps], [])], reduced)], reduced);
  return g.node('Mul', [g.node('Div', [x, denom], s), initializer(g, norm.scale)], s);
}

export function emitDense(g: GraphBuilder, dense: Dense, x: string): string {
  const s = g.shape(x);
  const flat = dense.flatten && s.length !== 2 ? g.node('Flatten', [x], [s[0]!, s.slice(1).reduce((a, b) => a * b, 1)], { axis: 1 }) : x;
  const inputs = [flat, initializer(g, dense.weight), ...(dense.bias ? [initializer(g, dense.bias)] : [])];
  const y = g.node('Gemm', inputs, [s[0]!, dense.units], { transB: 1 });
  return dense.activation === 'relu' ? g.node('Relu', [y], g.shape(y)) : y;
}

export function emitSequential(g: GraphBuilder, seq: Sequential, x: string): string {
  let y = x;
  for (const layer of seq) y = emitLayer(g, layer, y);
  return y;
}

/** y + shortcut(x), then ReLU: the tail of every ResNet residual block. */
function residualTail(g: GraphBuilder, y: string, shortcut: string): string {
  const s = g.shape(y);
  return g.node('Relu', [g.node('Add', [y, shortcut], s)], s);
}

/** BasicBlockV1 / BottleneckV1: body(x) + (downsample(x) or x), ReLU. */
function emitResidualV1(g: GraphBuilder, block: BasicBlockV1 | BottleneckV1, x: string): string {
  const y = emitSequential(g, block.body, x);
  return residualTail(g, y, block.downsample ? emitSequential(g, block.downsample, x) : x);
}

function emitBasicV1b(g: GraphBuilder, b: BasicBlockV1b, x: string): string {
  let y = emitActivation(g, b.relu, emitBatchNorm(g, b.bn1, emitConv(g, b.conv1, x)));
  y = emitBatchNorm(g, b.bn2, emitConv(g, b.conv2, y));
  return residualTail(g, y, b.downsample ? emitSequential(g, b.downsample, x) : x);
}

function emitBottleneckV1b(g: GraphBuilder, b: BottleneckV1b, x: string): string {
  let y = emitActivation(g, b.relu, emitBatchNorm(g, b.bn1, emitConv(g, b.conv1, x)));
  y = emitActivation(g, b.relu, emitBatchNorm(g, b.bn2, emitConv(g, b.conv2, y)));
  y = emitBatchNorm(g, b.bn3, emitConv(g, b.conv3, y));
  return residualTail(g, y, b.downsample ? emitSequential(g, b.downsample, x) : x);
}

/** The ops of one single-input block; throws for a block kind the exporter does not know. */
export function emitLayer(g: GraphBuilder, block: Block, x: string): string {
  if (block instanceof Conv2D) return emitConv(g, block, x);
  if (block instanceof BatchNorm) return emitBatchNorm(g, block, x);
  if (block instanceof Activation) return emitActivation(g, block, x);
  if (block instanceof MaxPool2D) return emitMaxPool(g, block, x);
  if (block instanceof AvgPool2D) return emitAvgPool(g, block, x);
  if (block instanceof GlobalAvgPool2D) {
    const s = g.shape(x);
    return g.node('GlobalAveragePool', [x], [s[0]!, s[1]!, 1, 1]);
  }
  if (block instanceof L2Normalization) return emitL2Normalization(g, block, x);
  if (block instanceof Dense) return emitDense(g, block, x);
  if (block instanceof Sequential) return emitSequential(g, block, x);
  if (block instanceof BasicBlockV1 || block instanceof BottleneckV1) return emitResidualV1(g, block, x);
  if (block instanceof BasicBlockV1b) return emitBasicV1b(g, block, x);
  if (block instanceof BottleneckV1b) return emitBottleneckV1b(g, block, x);
  throw new Error(`ONNX export: no ONNX ops for block ${block.constructor.name} (${block.name || 'unnamed'})`);
}
