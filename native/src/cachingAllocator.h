// ssdkit native addon: a CPU allocator that keeps freed large blocks for reuse by the next allocation of the same
// size (libtorch's c10::SetCPUAllocator), the CPU counterpart of PyTorch's CUDA caching allocator
// (c10/cuda/CUDACachingAllocator.cpp) in a much smaller form.
//
// Why: glibc keeps freed blocks below its mmap threshold in its heap (the threshold rises to the largest freed
// mapping, up to 32 MiB) but maps every larger block afresh, so each training step page-faulted its large
// activations and gradients in again (~10-17% of an SSD300 step in perf on the VMs we measure on, more at larger
// batches). Training repeats the same sizes every step, so exact-size reuse of those blocks hits.
//
// Bound: live + cached bytes never exceed the highest live total seen so far plus a slack (max(32 MiB, 1/64 of
// that peak)): before a new block would pass that bound, the least recently freed cached blocks go back to the
// system. Peak memory is then the program's own peak plus at most the slack. Blocks under 32 MiB go to c10's
// alloc_cpu/free_cpu (glibc; caching those too, under the bound, measured slower than glibc's heap: evictions
// cost more than they saved), with glibc told to keep them in its heap across steps (mallopt: a fixed 32 MiB
// mmap threshold, a 256 MiB trim threshold). SSDKIT_CPU_CACHE=0 leaves libtorch's allocator and glibc's defaults.
#pragma once

#include <cstdint>

namespace ssdkit {

struct CpuCacheStats {
  int64_t liveBytes, cachedBytes, peakBytes, hits, misses, evictions;
};

// Installs the caching allocator as libtorch's CPU allocator (once; later calls do nothing). False when
// SSDKIT_CPU_CACHE=0 or the libtorch line is not supported (only 1.x's Allocator interface is implemented).
bool installCpuCache();

CpuCacheStats cpuCacheStats();

// Returns every cached block to the system (live blocks are untouched).
void emptyCpuCache();

}  // namespace ssdkit
