// Which algorithm conv2d uses for 3x3 stride-1 convolutions on the CPU: libtorch's (oneDNN's direct algorithm,
// what PyTorch does) or oneDNN's Winograd F(4x4, 3x3) through the addon's `conv2dWinograd` op
// (native/src/winograd.cc), which needs ~2.5x fewer multiplications on AVX-512 machines. Both compute the same
// convolution; Winograd's float32 rounding differs from direct's by ~1e-6 relative (test/tensor/winograd.test.ts).
//
//   setConvAlgorithm('direct');   // bitwise PyTorch's kernels everywhere
//   setConvAlgorithm('auto');     // Winograd where it is available and pays (the default; SSDKIT_CONV overrides)
import { N } from './native.js';

export type ConvAlgorithm = 'auto' | 'direct' | 'winograd';

const ALGORITHMS: readonly ConvAlgorithm[] = ['auto', 'direct', 'winograd'];

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
 * 'direct': libtorch's convolution everywhere. 'winograd': Winograd for every eligible convolution (3x3,
 * stride 1, dilation 1, groups 1, padding 0 or 1, float32 CPU). 'auto': Winograd only for eligible layers
 * large enough to gain (at least 64 input and 16 output channels on maps of at least 19x19; smaller ones
 * lose to the reorders around it). Where Winograd is unavailable every setting means 'direct'.
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

/** The shape facts conv2d has decided on; whether this convolution goes through Winograd. */
export function useWinograd(c: {
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
}): boolean {
  if (current === 'direct') return false;
  const eligible =
    c.float32Cpu &&
    c.kernel[0] === 3 && c.kernel[1] === 3 &&
    c.stride[0] === 1 && c.stride[1] === 1 &&
    c.dilation[0] === 1 && c.dilation[1] === 1 &&
    c.groups === 1 &&
    c.padding[0] === c.padding[1] && c.padding[0] <= 1 &&
    c.height + 2 * c.padding[0] >= 3 && c.width + 2 * c.padding[1] >= 3;
  if (!eligible || !winogradAvailable()) return false;
  if (current === 'winograd') return true;
  return c.inChannels >= 64 && c.outChannels >= 16 && c.height * c.width >= 19 * 19;
}
