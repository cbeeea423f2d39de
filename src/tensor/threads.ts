// libtorch's intra-op thread count (process-wide). ssdkit sets it to the core count at load (SSDKIT_THREADS
// overrides), since libtorch's own default here is one thread.
import { N } from './native.js';

export function setNumThreads(n: number): void {
  N.setNumThreads(n);
}
export function getNumThreads(): number {
  return N.getNumThreads();
}
/** True when the libtorch the addon was built against has CUDA and sees a device. */
export function cudaIsAvailable(): boolean {
  return N.hasCuda();
}
/** libtorch's build configuration (BLAS, oneDNN, CUDA ...). */
export function buildConfig(): string {
  return N.config();
}
/**
 * The instruction sets libtorch's CPU kernels run in this process: oneDNN's effective ISA (DNNL_MAX_CPU_ISA caps
 * it), ATen's CPU capability (ATEN_CPU_CAPABILITY) and OpenBLAS's core (OPENBLAS_CORETYPE), e.g.
 * 'oneDNN avx512_core_bf16, ATen AVX2, OpenBLAS Haswell'.
 */
export function cpuIsa(): string {
  return N.ops.cpuIsa() as string;
}
