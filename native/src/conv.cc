// ssdkit native addon: libtorch's convolution, small no-gradient inputs through oneDNN (see conv.h).
#include "conv.h"

#include "compat.h"

namespace ssdkit {
namespace {

// libtorch 1.13's threshold (aten/src/ATen/native/Convolution.cpp, use_mkldnn): at most this many input
// elements go to the slow kernel when the batch is 1 and the kernel at most 3x3.
constexpr int64_t kSlowPathElements = 20480;

bool smallInferenceConv(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& b, int64_t groups) {
#if SSDKIT_TORCH_AT_LEAST(2, 0)
  return false;
#else
  const bool grad = at::GradMode::is_enabled() && (x.requires_grad() || w.requires_grad() || (b.has_value() && b->defined() && b->requires_grad()));
  return !grad && !compat::autocastEnabled(at::kCPU) && at::hasMKLDNN() && at::globalContext().userEnabledMkldnn() && groups == 1 && x.dim() == 4 && w.dim() == 4 &&
         x.device().is_cpu() && x.scalar_type() == at::kFloat && w.scalar_type() == at::kFloat && x.numel() <= kSlowPathElements &&
         x.numel() > 0 && x.size(1) == w.size(1);
#endif
}

}  // namespace

at::Tensor conv2d(const at::Tensor& input, const at::Tensor& weight, const c10::optional<at::Tensor>& bias, const std::vector<int64_t>& stride,
                  const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, int64_t groups) {
  if (smallInferenceConv(input, weight, bias, groups)) {
    return at::mkldnn_convolution(input, weight, bias, padding, stride, dilation, groups);
  }
  return at::conv2d(input, weight, bias, stride, padding, dilation, groups);
}

}  // namespace ssdkit
