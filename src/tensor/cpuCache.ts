// The CPU caching allocator's state (native/src/cachingAllocator.cc): freed blocks of 32 MiB and more (those glibc
// maps afresh every time) are kept for the next allocation of the same size, so that a training step stops
// page-faulting its large activations in again; live + cached bytes stay within the highest live total plus a
// slack. Smaller blocks stay glibc's, which is told to keep them in its heap across steps. The CPU counterpart of
// torch.cuda.memory_stats() / torch.cuda.empty_cache(). SSDKIT_CPU_CACHE=0 turns both off at load.
//
//   const s = cpuCacheStats();   // { installed, liveBytes, cachedBytes, peakBytes, hits, misses, evictions }
//   emptyCpuCache();             // give every cached block back to the system
import { N } from './native.js';

export interface CpuCacheStats {
  /** False with SSDKIT_CPU_CACHE=0, or against a libtorch line the allocator does not support (2.x). */
  installed: boolean;
  /** Bytes in large blocks held by live tensors. */
  liveBytes: number;
  /** Bytes in freed large blocks kept for reuse. */
  cachedBytes: number;
  /** The highest liveBytes so far. */
  peakBytes: number;
  /** Large allocations served from the cache, and those that mapped new memory. */
  hits: number;
  misses: number;
  /** Cached blocks given back to the system to keep within the bound. */
  evictions: number;
}

export function cpuCacheStats(): CpuCacheStats {
  const [liveBytes, cachedBytes, peakBytes, hits, misses, evictions] = N.ops.cpuCacheStats!() as number[];
  return { installed: N.ops.cpuCacheInstalled!() as boolean, liveBytes: liveBytes!, cachedBytes: cachedBytes!, peakBytes: peakBytes!, hits: hits!, misses: misses!, evictions: evictions! };
}

/** Gives every cached block back to the system; live tensors are untouched. */
export function emptyCpuCache(): void {
  N.ops.emptyCpuCache!();
}
