// Which algorithm conv2d uses for 3x3 stride-1 convolutions on the CPU: libtorch's (oneDNN's direct algorithm,
// what PyTorch does), oneDNN's Winograd F(4x4, 3x3) through the addon's `conv2dWinograd` op
// (native/src/winograd.cc, AVX-512 machines only), or our own Winograd F(4x4, 3x3) whose transforms and
// products are BLAS matrix products (`conv2dWinogradGemm`, native/src/winogradGemm.cc, any CPU). All compute
// the same convolution; Winograd's float32 rounding differs from direct's by ~1e-6 relative
// (test/tensor/winograd.test.ts, test/tensor/winogradGemm.test.ts).
//
//   setConvAlgorithm('direct');   // bitwise PyTorch's kernels everywhere
//   setConvAlgorithm('auto');     // Winograd where it is available and pays (the default; SSDKIT_CONV overrides)
import { N } from './native.js';

export type ConvAlgorithm = 'auto' | 'direct' | 'winograd' | 'winograd-gemm';

const ALGORITHMS: readonly ConvAlgorithm[] = ['auto', 'direct', 'winograd', 'winograd-gemm'];

/** What one convolution runs: libtorch's kernel, oneDNN's Winograd, or the BLAS Winograd. */
export type ConvPath = 'direct' | 'winograd' | 'winograd-gemm';

function fromEnv(): ConvAlgorithm {
  const v = process.env.SSDKIT_CONV;
  if (v === undefined || v === '') return 'auto';
  if (!(ALGORITHMS as readonly string[]).includes(v)) {
    throw new Error(`SSDKIT_CONV must be one of ${ALGORITHMS.join(', ')}, got '${v}'`);
  }
  return v as ConvAlgorithm;
}

let current: ConvAlgorithm = fromEnv();
let available: boolean | undefined;

/** Whether this build of the addon has the Winograd op and oneDNN offers it on this CPU. */
export function winogradAvailable(): boolean {
  available ??= N.ops.winogradAvailable() as boolean;
  return available;
}

/**
 * 'direct': libtorch's convolution everywhere. 'winograd': oneDNN's Winograd for every eligible convolution (3x3,
 * stride 1, dilation 1, groups 1, padding 0 or 1, float32 CPU); where oneDNN has none, 'direct'.
 * 'winograd-gemm': the BLAS Winograd for every eligible convolution. 'auto': oneDNN's Winograd for eligible
 * layers large enough to gain (at least 64 input and 16 output channels on maps of at least 19x19; smaller
 * ones lose to the reorders around it); without it, the BLAS Winograd where it measured faster than direct
 * (gemmPays below: 64+ channels, 100+ tiles, not the heads), else direct.
 */
export function setConvAlgorithm(algorithm: ConvAlgorithm): void {
  if (!ALGORITHMS.includes(algorithm)) throw new TypeError(`setConvAlgorithm: expected one of ${ALGORITHMS.join(', ')}, got ${String(algorithm)}`);
  current = algorithm;
}

export function getConvAlgorithm(): ConvAlgorithm {
  return current;
}

/** Runs fn with the conv algorithm set to `algorithm`, then restores the previous setting. */
export function withConvAlgorithm<T>(algorithm: ConvAlgorithm, fn: () => T): T {
  const before = current;
  setConvAlgorithm(algorithm);
  try {
    return fn();
  } finally {
    current = before;
  }
}

/** The shape facts conv2d has decided on; which algorithm this convolution runs. */
export function convPath(c: {
  batch: number;
  inChannels: number;
  outChannels: number;
  height: number;
  width: number;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
  float32Cpu: boolean;
}): ConvPath {
  if (current === 'direct') return 'direct';
  const eligible =
    c.float32Cpu &&
    c.kernel[0] === 3 && c.kernel[1] === 3 &&
    c.stride[0] === 1 && c.stride[1] === 1 &&
    c.dilation[0] === 1 && c.dilation[1] === 1 &&
    c.groups === 1 &&
    c.padding[0] === c.padding[1] && c.padding[0] <= 1 &&
    c.height + 2 * c.padding[0] >= 3 && c.width + 2 * c.padding[1] >= 3;
  if (!eligible) return 'direct';
  if (current === 'winograd-gemm') return 'winograd-gemm';
  if (winogradAvailable()) {
    if (current === 'winograd') return 'winograd';
    return c.inChannels >= 64 && c.outChannels >= 16 && c.height * c.width >= 19 * 19 ? 'winograd' : 'direct';
  }
  return current === 'auto' && gemmPays(c) ? 'winograd-gemm' : 'direct';
}

/**
 * Where 'auto' takes the BLAS Winograd (when oneDNN has no Winograd): where it measured faster than direct on a
 * 2-core AMD EPYC Zen 3 (AVX2, two threads, batch 1 and 8, forward and backward; bench/RESULTS-ssd.md): at least
 * 64 input and output channels, at least half as many outputs as inputs, and at least 100 output tiles of 4x4 in
 * the batch (38x38 at batch 1, 19x19 at batch 4): every VGG16 layer of SSD300 from conv1_2 on at batch 8
 * (1.06-2.3x direct's speed). It lost with fewer tiles (19x19 at batch 1: 0.6-0.8x, 10x10 at batch 8: backward
 * 0.76x) and on SSD's class and box heads, whose outputs are few beside their inputs (1024->126: backward 0.67x).
 */
function gemmPays(c: { batch: number; inChannels: number; outChannels: number; height: number; width: number }): boolean {
  const tiles = c.batch * Math.ceil(c.height / 4) * Math.ceil(c.width / 4);
  return c.inChannels >= 64 && c.outChannels >= 64 && 2 * c.outChannels >= c.inChannels && tiles >= 100;
}
