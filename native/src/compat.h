// ssdkit native addon: the differences between the two libtorch lines the addon builds against, in one place.
//
//   * Debian's libtorch-dev 1.13.1 (CPU, C++14/17, _GLIBCXX_USE_CXX11_ABI=1);
//   * pip torch 2.x (CUDA, C++17, its own ABI setting; LIBTORCH=<python torch dir>, see libtorch-config.cjs).
//
// What changed between them and what the addon uses:
//   * autocast (ATen/autocast_mode.h): 1.13 has one function per device (set_enabled / set_cpu_enabled,
//     set_autocast_gpu_dtype / set_autocast_cpu_dtype); 2.4 added the device-type API (set_autocast_enabled(
//     DeviceType, bool), set_autocast_dtype(DeviceType, ScalarType)) and deprecated the old one, which warns
//     on every call. autocastEnabled/setAutocastEnabled/autocastDtype/setAutocastDtype below pick the right one.
//   * optional: c10::optional is its own class in 1.13 and an alias of std::optional since 2.4; c10::optional
//     and c10::nullopt spell both, so the addon keeps writing those (compat::optional names the type).
//   * c10d (for native/src/dist.cc): both lines have c10d::Work (Work.hpp) and c10d::Backend; the NCCL and Gloo
//     process-group headers compile only with USE_C10D_NCCL / USE_C10D_GLOO defined, and ProcessGroupNCCL.hpp
//     needs the CUDA runtime and nccl.h headers (libtorch-config.cjs `include` adds them when it finds them, and
//     `defines` says SSDKIT_CUDA_HEADERS=1).
#pragma once

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <c10/util/Optional.h>
#include <torch/version.h>

#define SSDKIT_TORCH_AT_LEAST(MAJOR, MINOR) \
  (TORCH_VERSION_MAJOR > (MAJOR) || (TORCH_VERSION_MAJOR == (MAJOR) && TORCH_VERSION_MINOR >= (MINOR)))

namespace ssdkit {
namespace compat {

template <typename T>
using optional = c10::optional<T>;

// "1.13.0", "2.11.0": the libtorch the addon was compiled against.
inline const char* torchVersion() { return TORCH_VERSION; }

#if SSDKIT_TORCH_AT_LEAST(2, 4)
inline bool autocastEnabled(at::DeviceType d) { return at::autocast::is_autocast_enabled(d); }
inline void setAutocastEnabled(at::DeviceType d, bool on) { at::autocast::set_autocast_enabled(d, on); }
inline at::ScalarType autocastDtype(at::DeviceType d) { return at::autocast::get_autocast_dtype(d); }
inline void setAutocastDtype(at::DeviceType d, at::ScalarType t) { at::autocast::set_autocast_dtype(d, t); }
#else
inline void checkAutocastDevice(at::DeviceType d) {
  TORCH_CHECK(d == at::kCPU || d == at::kCUDA, "autocast: libtorch ", TORCH_VERSION, " supports cpu and cuda, not ", d);
}
inline bool autocastEnabled(at::DeviceType d) {
  checkAutocastDevice(d);
  return d == at::kCPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
}
inline void setAutocastEnabled(at::DeviceType d, bool on) {
  checkAutocastDevice(d);
  if (d == at::kCPU) at::autocast::set_cpu_enabled(on);
  else at::autocast::set_enabled(on);
}
inline at::ScalarType autocastDtype(at::DeviceType d) {
  checkAutocastDevice(d);
  return d == at::kCPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
}
inline void setAutocastDtype(at::DeviceType d, at::ScalarType t) {
  checkAutocastDevice(d);
  if (d == at::kCPU) at::autocast::set_autocast_cpu_dtype(t);
  else at::autocast::set_autocast_gpu_dtype(t);
}
#endif

// Leaving the outermost autocast region drops its cast cache (what torch.autocast.__exit__ does).
inline void autocastEnter() { at::autocast::increment_nesting(); }
inline void autocastExit() {
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
}

}  // namespace compat
}  // namespace ssdkit
