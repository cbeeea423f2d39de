// ssdkit native addon: the CPU caching allocator (see cachingAllocator.h).
#include "cachingAllocator.h"

#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <c10/util/Exception.h>
#include <sys/mman.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <list>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "compat.h"

namespace ssdkit {
namespace {

constexpr size_t kMinBytes = size_t{32} << 20;
constexpr size_t kPage = 4096;
constexpr int64_t kMinSlack = int64_t{32} << 20;

struct Block {
  void* ptr;
  size_t size;
};

// All state under one lock: blocks are freed on whichever thread drops the last reference.
struct Cache {
  std::mutex lock;
  std::unordered_map<void*, size_t> large;  // live large blocks -> their (page-rounded) size
  std::list<Block> lru;                     // cached blocks, least recently freed first
  std::unordered_map<size_t, std::deque<std::list<Block>::iterator>> bySize;  // per size, in freeing order
  CpuCacheStats stats{0, 0, 0, 0, 0, 0};
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: tensors may be freed during static destruction
  return *c;
}

// Large blocks are mapped and unmapped directly: through glibc, an evicted block would lower into its heap
// (its mmap threshold rises with every freed mapping) and stay resident there. Blocks of 2 MiB and more start on
// a 2 MiB boundary and ask for transparent huge pages (where the kernel's THP mode is 'madvise' or 'always'):
// one fault per 2 MiB instead of 512, which on the paravirtualized VMs we measure on made the difference between
// the cache gaining and losing when it has to evict.
constexpr size_t kHuge = size_t{2} << 20;

void* mapBlock(size_t size) {
  const size_t extra = size >= kHuge ? kHuge : 0;
  void* raw = mmap(nullptr, size + extra, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  TORCH_CHECK(raw != MAP_FAILED, "ssdkit CPU allocator: out of memory mapping ", size, " bytes");
  if (extra == 0) return raw;
  const uintptr_t base = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t start = (base + kHuge - 1) & ~(uintptr_t{kHuge} - 1);
  if (start > base) munmap(raw, start - base);
  const size_t tail = base + size + extra - (start + size);
  if (tail > 0) munmap(reinterpret_cast<void*>(start + size), tail);
  void* p = reinterpret_cast<void*>(start);
  madvise(p, size, MADV_HUGEPAGE);  // advice only: refused where THP is off
  return p;
}

void unmapBlock(const Block& b) { munmap(b.ptr, b.size); }

// The most recently freed cached block of exactly `size` bytes, or null.
void* takeCached(Cache& c, size_t size) {
  auto it = c.bySize.find(size);
  if (it == c.bySize.end() || it->second.empty()) return nullptr;
  const auto node = it->second.back();
  it->second.pop_back();
  void* p = node->ptr;
  c.lru.erase(node);
  c.stats.cachedBytes -= static_cast<int64_t>(size);
  return p;
}

// Gives cached blocks back to the system, least recently freed first, until `need` more bytes fit the bound.
void evictFor(Cache& c, int64_t need) {
  const int64_t bound = c.stats.peakBytes + std::max(kMinSlack, c.stats.peakBytes / 64);
  while (!c.lru.empty() && c.stats.liveBytes + c.stats.cachedBytes + need > bound) {
    const Block b = c.lru.front();
    c.bySize[b.size].pop_front();  // the globally oldest block is the oldest of its size
    c.lru.pop_front();
    c.stats.cachedBytes -= static_cast<int64_t>(b.size);
    ++c.stats.evictions;
    unmapBlock(b);
  }
}

// The one deleter of every block this allocator hands out (small ones too, as raw_deleter's contract asks).
void release(void* ptr) {
  if (ptr == nullptr) return;
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> hold(c.lock);
    auto it = c.large.find(ptr);
    if (it != c.large.end()) {
      const size_t size = it->second;
      c.large.erase(it);
      c.stats.liveBytes -= static_cast<int64_t>(size);
      c.lru.push_back({ptr, size});
      c.bySize[size].push_back(std::prev(c.lru.end()));
      c.stats.cachedBytes += static_cast<int64_t>(size);
      return;
    }
  }
  c10::free_cpu(ptr);
}

void* acquire(size_t n) {
  if (n < kMinBytes) return c10::alloc_cpu(n);
  const size_t size = (n + kPage - 1) / kPage * kPage;
  Cache& c = cache();
  std::lock_guard<std::mutex> hold(c.lock);
  void* p = takeCached(c, size);
  if (p != nullptr) {
    ++c.stats.hits;
  } else {
    ++c.stats.misses;
    evictFor(c, static_cast<int64_t>(size));
    p = mapBlock(size);
  }
  c.large.emplace(p, size);
  c.stats.liveBytes += static_cast<int64_t>(size);
  c.stats.peakBytes = std::max(c.stats.peakBytes, c.stats.liveBytes);
  return p;
}

// Blocks under kMinBytes stay glibc's, in its heap rather than in fresh mappings (a fixed mmap threshold at
// kMinBytes), and a step's freed activations at the heap's top stay mapped up to kTrimBytes (the trim
// threshold) instead of going back to the system and faulting in again next step. With glibc's dynamic
// defaults the trim threshold follows the largest freed mapping (2x a few MiB for MobileNet's activations):
// the demo SSD's step took 6,000-25,000 page faults and ran 15-25% slower; with a 64 MiB trim ~200, for ~25 MB
// more peak RSS (fragmentation inside the kept heap). SSD300 at batch 1 frees ~90 MB of sub-32 MiB activations
// per forward: with a 64 MiB trim each forward still faulted ~17,000 pages back in; with 256 MiB ~50
// (bench/RESULTS-ssd.md).
constexpr size_t kTrimBytes = size_t{256} << 20;

void keepSmallBlocksInHeap() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(kMinBytes));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(kTrimBytes));
#endif
}

#if !SSDKIT_TORCH_AT_LEAST(2, 0)
struct CachingCpuAllocator final : public at::Allocator {
  at::DataPtr allocate(size_t n) const override {
    void* p = acquire(n);
    return {p, p, &release, at::Device(at::DeviceType::CPU)};
  }
  at::DeleterFnPtr raw_deleter() const override { return &release; }
};
#endif

}  // namespace

bool installCpuCache() {
#if SSDKIT_TORCH_AT_LEAST(2, 0)
  return false;  // 2.x changed at::Allocator (non-const allocate, copy_data); not implemented for that line
#else
  static const bool installed = [] {
    const char* env = std::getenv("SSDKIT_CPU_CACHE");
    if (env != nullptr && std::strcmp(env, "0") == 0) return false;
    keepSmallBlocksInHeap();
    static CachingCpuAllocator* allocator = new CachingCpuAllocator();
    c10::SetCPUAllocator(allocator, /*priority=*/1);
    return true;
  }();
  return installed;
#endif
}

CpuCacheStats cpuCacheStats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> hold(c.lock);
  return c.stats;
}

void emptyCpuCache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> hold(c.lock);
  for (const Block& b : c.lru) unmapBlock(b);
  c.stats.evictions += static_cast<int64_t>(c.lru.size());
  c.lru.clear();
  c.bySize.clear();
  c.stats.cachedBytes = 0;
}

}  // namespace ssdkit
