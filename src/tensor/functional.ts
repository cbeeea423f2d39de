// Functions over several tensors and the neural-network primitives (PyTorch's torch.* and torch.nn.functional).
//
//   const y = conv2d(x, w, b, { padding: 6, dilation: 6 });
//   const p = maxPool2d(y, { kernelSize: 2, stride: 2, ceilMode: true });
import { N } from './native.js';
import { Tensor, type Scalar, type TensorOrScalar } from './tensor.js';
import { convPath } from './convAlgorithm.js';
import { cpuAutocastActive, withoutCpuAutocast } from './autocast.js';

const O = N.ops;
type Pair = number | [number, number];

function pair(v: Pair, name: string, fn: string): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every(Number.isInteger)) {
    throw new TypeError(`${fn}: ${name} must be an integer or a pair of integers, got ${JSON.stringify(v)}`);
  }
  return p as [number, number];
}

function expectDims(t: Tensor, dims: number, what: string, fn: string): void {
  if (!(t instanceof Tensor)) throw new TypeError(`${fn}: ${what} must be a Tensor`);
  const s = t.shape;
  if (s.length !== dims) {
    throw new RangeError(`${fn}: ${what} must be ${dims}-D, got shape [${s.join(', ')}]`);
  }
}

function handles(tensors: Tensor[], fn: string): unknown[] {
  if (!Array.isArray(tensors) || !tensors.every((t) => t instanceof Tensor)) {
    throw new TypeError(`${fn}: expected an array of Tensors`);
  }
  return tensors.map((t) => t.handle);
}

export function cat(tensors: Tensor[], dim = 0): Tensor {
  return new Tensor(O.cat(handles(tensors, 'cat'), dim));
}
export function stack(tensors: Tensor[], dim = 0): Tensor {
  return new Tensor(O.stack(handles(tensors, 'stack'), dim));
}

/** Elementwise choice: cond ? a : b (either may be a scalar). */
export function where(cond: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (a instanceof Tensor && b instanceof Tensor) return new Tensor(O.where(cond.handle, a.handle, b.handle));
  if (a instanceof Tensor) return new Tensor(O.whereTS(cond.handle, a.handle, b as Scalar));
  if (b instanceof Tensor) return new Tensor(O.whereST(cond.handle, a, b.handle));
  return new Tensor(O.whereSS(cond.handle, a, b));
}

export function maximum(a: Tensor, b: Tensor): Tensor {
  return a.maximum(b);
}
export function minimum(a: Tensor, b: Tensor): Tensor {
  return a.minimum(b);
}
export function matmul(a: Tensor, b: Tensor): Tensor {
  return a.matmul(b);
}

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

/**
 * 2-D convolution of input (N, C, H, W) with weight (O, C/groups, kH, kW). 3x3 stride-1 convolutions may run
 * through a Winograd algorithm instead of libtorch's direct one (see setConvAlgorithm).
 */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, o: Conv2dOptions = {}): Tensor {
  expectDims(input, 4, 'input', 'conv2d');
  expectDims(weight, 4, 'weight', 'conv2d');
  const stride = pair(o.stride ?? 1, 'stride', 'conv2d');
  const padding = pair(o.padding ?? 0, 'padding', 'conv2d');
  const dilation = pair(o.dilation ?? 1, 'dilation', 'conv2d');
  const groups = o.groups ?? 1;
  const [n, c, h, w] = input.shape as [number, number, number, number];
  const [k, wc, kh, kw] = weight.shape as [number, number, number, number];
  const path =
    c !== wc || cpuAutocastActive() ? 'direct' : convPath({
      batch: n,
      inChannels: c,
      outChannels: k,
      height: h,
      width: w,
      kernel: [kh, kw],
      stride,
      padding,
      dilation,
      groups,
      float32Cpu: input.dtype === 'float32' && weight.dtype === 'float32' && (bias === null || bias.dtype === 'float32') && input.device === 'cpu' && weight.device === 'cpu',
    });
  if (path === 'winograd') return new Tensor(O.conv2dWinograd(input.handle, weight.handle, bias?.handle ?? null, padding[0]));
  if (path === 'winograd-gemm') return new Tensor(O.conv2dWinogradGemm(input.handle, weight.handle, bias?.handle ?? null, padding[0]));
  if (cpuAutocastActive() && bfloat16GradBroken(h, w, kh, kw, stride, padding, dilation)) {
    return withoutCpuAutocast(() => {
      const casts: Tensor[] = [];
      const f32 = (t: Tensor): Tensor => (t.dtype === 'float32' ? t : (casts.push(t.float()), casts[casts.length - 1]!));
      const y = new Tensor(O.conv2d(f32(input).handle, f32(weight).handle, bias ? f32(bias).handle : null, stride, padding, dilation, groups));
      for (const t of casts) t.dispose();
      return y;
    });
  }
  return new Tensor(O.conv2d(input.handle, weight.handle, bias?.handle ?? null, stride, padding, dilation, groups));
}

/**
 * libtorch 1.13's bfloat16 CPU convolution (oneDNN 2.6) leaves garbage, often NaN, in the weight gradient when the
 * stride is above 1 and the output is 1 pixel high or wide: found with PyTorch 1.13 itself
 * (scripts/fixtures/bf16_conv_grad.py scans the shapes; no other shape went wrong). Under CPU autocast such a
 * convolution runs in float32; its output is a row or column, so the cost is nothing.
 */
function bfloat16GradBroken(h: number, w: number, kh: number, kw: number, stride: [number, number], padding: [number, number], dilation: [number, number]): boolean {
  if (stride[0] === 1 && stride[1] === 1) return false;
  const out = (n: number, k: number, i: 0 | 1) => Math.floor((n + 2 * padding[i] - dilation[i] * (k - 1) - 1) / stride[i]) + 1;
  return out(h, kh, 0) === 1 || out(w, kw, 1) === 1;
}

export interface Pool2dOptions {
  kernelSize: Pair;
  /** Defaults to kernelSize. */
  stride?: Pair;
  padding?: Pair;
  /** Output size rounds up: MXNet's pooling_convention='full'. */
  ceilMode?: boolean;
}

export function maxPool2d(input: Tensor, o: Pool2dOptions & { dilation?: Pair }): Tensor {
  expectDims(input, 4, 'input', 'maxPool2d');
  const k = pair(o.kernelSize, 'kernelSize', 'maxPool2d');
  return new Tensor(
    O.maxPool2d(
      input.handle,
      k,
      pair(o.stride ?? k, 'stride', 'maxPool2d'),
      pair(o.padding ?? 0, 'padding', 'maxPool2d'),
      pair(o.dilation ?? 1, 'dilation', 'maxPool2d'),
      o.ceilMode ?? false,
    ),
  );
}

export function avgPool2d(input: Tensor, o: Pool2dOptions & { countIncludePad?: boolean }): Tensor {
  expectDims(input, 4, 'input', 'avgPool2d');
  const k = pair(o.kernelSize, 'kernelSize', 'avgPool2d');
  return new Tensor(
    O.avgPool2d(
      input.handle,
      k,
      pair(o.stride ?? k, 'stride', 'avgPool2d'),
      pair(o.padding ?? 0, 'padding', 'avgPool2d'),
      o.ceilMode ?? false,
      o.countIncludePad ?? true,
    ),
  );
}

export function adaptiveAvgPool2d(input: Tensor, outputSize: Pair): Tensor {
  return new Tensor(O.adaptiveAvgPool2d(input.handle, pair(outputSize, 'outputSize', 'adaptiveAvgPool2d')));
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Use batch statistics and update the running ones (training mode). */
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/** Batch normalization over channel dim 1 (PyTorch's F.batch_norm; running stats updated in training). */
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  o: BatchNormOptions = {},
): Tensor {
  return new Tensor(
    O.batchNorm(
      input.handle,
      o.weight?.handle ?? null,
      o.bias?.handle ?? null,
      runningMean?.handle ?? null,
      runningVar?.handle ?? null,
      o.training ?? false,
      o.momentum ?? 0.1,
      o.eps ?? 1e-5,
    ),
  );
}

/** y = x W^T + b */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  return new Tensor(O.linear(input.handle, weight.handle, bias?.handle ?? null));
}

export function relu(x: Tensor): Tensor {
  return x.relu();
}
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  return new Tensor(O.dropout(x.handle, p, training));
}
export function softmax(x: Tensor, dim: number): Tensor {
  return x.softmax(dim);
}
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return x.logSoftmax(dim);
}

/** Pads the last dimensions: pad = [left, right, top, bottom, ...] as in F.pad. */
export function pad(x: Tensor, padding: number[], value = 0): Tensor {
  return new Tensor(O.constantPad(x.handle, padding, value));
}

export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  return new Tensor(O.oneHot(indices.handle, numClasses));
}

const REDUCTION = { none: 0, mean: 1, sum: 2 } as const;
export type Reduction = keyof typeof REDUCTION;

/** Elementwise Huber loss with threshold delta (smooth-L1 times delta). */
export function huberLoss(input: Tensor, target: Tensor, delta = 1, reduction: Reduction = 'none'): Tensor {
  return new Tensor(O.huberLoss(input.handle, target.handle, REDUCTION[reduction], delta));
}

/** Negative log-likelihood of log-probabilities (N, C) at integer targets (N). */
export function nllLoss(
  logProbs: Tensor,
  target: Tensor,
  o: { weight?: Tensor | null; reduction?: Reduction; ignoreIndex?: number } = {},
): Tensor {
  return new Tensor(
    O.nllLoss(logProbs.handle, target.handle, o.weight?.handle ?? null, REDUCTION[o.reduction ?? 'none'], o.ignoreIndex ?? -100),
  );
}
