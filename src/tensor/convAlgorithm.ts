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
 * (gemmPays below: large layers), else direct.
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
 * Where 'auto' takes the BLAS Winograd (when oneDNN has no Winograd): where it measured faster under AVX2
 * (bench/RESULTS-ssd.md): VGG's 64..512-channel convolutions on maps of 38x38 and larger, with one or two
 * intra-op threads (1.2-2.5x less time per layer forward+backward). At 19x19, and with few output channels
 * (SSD's heads), direct was as fast or faster.
 */
function gemmPays(c: { inChannels: number; outChannels: number; height: number; width: number }): boolean {
  return c.inChannels >= 64 && c.outChannels >= 64 && c.height * c.width >= 38 * 38;
}
