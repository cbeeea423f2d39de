// ssdkit native addon: the instruction sets the kernels run (see isa.h). The libraries libtorch already loaded
// (libdnnl.so.2, libopenblas.so.0) are opened with RTLD_NOLOAD, so the report needs none of their headers.
#include "isa.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <mutex>
#include <set>
#include <thread>

namespace ssdkit {
namespace {

// A function of a library this process has already loaded (null if it has not).
void* loaded(const char* lib, const char* name) {
  void* h = dlopen(lib, RTLD_LAZY | RTLD_NOLOAD);
  return h == nullptr ? nullptr : dlsym(h, name);
}

// oneDNN's dnnl_cpu_isa_t values (oneapi/dnnl/dnnl_types.h, oneDNN 2.6).
std::string dnnlIsa() {
  using Fn = int (*)();
  auto fn = reinterpret_cast<Fn>(loaded("libdnnl.so.2", "dnnl_get_effective_cpu_isa"));
  if (fn == nullptr) return "none";
  switch (fn()) {
    case 0x1: return "sse41";
    case 0x3: return "avx";
    case 0x7: return "avx2";
    case 0x407: return "avx2_vnni";
    case 0x27: return "avx512_core";
    case 0x67: return "avx512_core_vnni";
    case 0xe7: return "avx512_core_bf16";
    case 0x3e7: return "avx512_core_amx";
    default: return "isa 0x" + std::to_string(fn());
  }
}

// ATen does not export get_cpu_capability(); show_config() prints it ("CPU capability usage: AVX2").
std::string atenCapability() {
  const std::string cfg = at::show_config();
  const std::string key = "CPU capability usage: ";
  const auto at = cfg.find(key);
  if (at == std::string::npos) return "unknown";
  const auto end = cfg.find('\n', at);
  return cfg.substr(at + key.size(), end == std::string::npos ? std::string::npos : end - at - key.size());
}

std::string openblasCore() {
  using Fn = const char* (*)();
  auto fn = reinterpret_cast<Fn>(loaded("libopenblas.so.0", "openblas_get_corename"));
  return fn == nullptr ? "none" : fn();
}

}  // namespace

std::string cpuIsaReport() { return "oneDNN " + dnnlIsa() + ", ATen " + atenCapability() + ", OpenBLAS " + openblasCore(); }

int64_t parallelForThreads(int64_t n) {
  std::mutex lock;
  std::set<std::thread::id> seen;
  at::parallel_for(0, n, 1, [&](int64_t, int64_t) {
    std::lock_guard<std::mutex> hold(lock);
    seen.insert(std::this_thread::get_id());
  });
  return static_cast<int64_t>(seen.size());
}

}  // namespace ssdkit
