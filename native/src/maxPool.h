// ssdkit native addon: max pooling that does not keep its argmax indices for the backward pass.
#pragma once

#include <ATen/ATen.h>

#include <vector>

namespace ssdkit {

// at::max_pool2d's values. When a gradient will be needed, the autograd node saves only the input (which the
// layer before keeps alive anyway) and recomputes the argmax indices in backward, instead of keeping an int64
// index per output element from forward to backward (23 MB per SSD300 image, twice its pooled activations).
// Gradients are the same as at::max_pool2d's: the same kernel finds the same indices.
at::Tensor maxPool2d(const at::Tensor& input, const std::vector<int64_t>& kernel, const std::vector<int64_t>& stride,
                     const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, bool ceilMode);

}  // namespace ssdkit
