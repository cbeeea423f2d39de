// ssdkit native addon: max pooling whose backward recomputes the argmax indices (see maxPool.h).
#include "maxPool.h"

#include <torch/csrc/autograd/custom_function.h>

namespace ssdkit {
namespace {
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct Geometry {
  std::vector<int64_t> kernel, stride, padding, dilation;
  bool ceilMode;
};

struct LeanMaxPool2dFn : public torch::autograd::Function<LeanMaxPool2dFn> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, std::vector<int64_t> kernel, std::vector<int64_t> stride,
                            std::vector<int64_t> padding, std::vector<int64_t> dilation, bool ceilMode) {
    ctx->save_for_backward({x});
    ctx->saved_data["kernel"] = kernel;
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    ctx->saved_data["dilation"] = dilation;
    ctx->saved_data["ceil"] = ceilMode;
    // detached: at::max_pool2d takes its index-free kernel for an input that does not require grad
    return at::max_pool2d(x.detach(), kernel, stride, padding, dilation, ceilMode);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const at::Tensor x = ctx->get_saved_variables()[0].detach();
    const auto kernel = ctx->saved_data["kernel"].toIntVector(), stride = ctx->saved_data["stride"].toIntVector(),
               padding = ctx->saved_data["padding"].toIntVector(), dilation = ctx->saved_data["dilation"].toIntVector();
    const bool ceilMode = ctx->saved_data["ceil"].toBool();
    at::Tensor indices = std::get<1>(at::max_pool2d_with_indices(x, kernel, stride, padding, dilation, ceilMode));
    at::Tensor gx = at::max_pool2d_with_indices_backward(grads[0].contiguous(), x, kernel, stride, padding, dilation, ceilMode, indices);
    return {gx, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};
}  // namespace

at::Tensor maxPool2d(const at::Tensor& input, const std::vector<int64_t>& kernel, const std::vector<int64_t>& stride,
                     const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, bool ceilMode) {
  if (!(at::GradMode::is_enabled() && input.requires_grad()) || !input.device().is_cpu()) {
    return at::max_pool2d(input, kernel, stride, padding, dilation, ceilMode);
  }
  return LeanMaxPool2dFn::apply(input, kernel, stride, padding, dilation, ceilMode);
}

}  // namespace ssdkit
