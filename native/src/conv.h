// ssdkit native addon: libtorch's convolution, with small inputs sent to oneDNN when no gradient is wanted.
#pragma once

#include <ATen/ATen.h>
#include <c10/util/Optional.h>

#include <vector>

namespace ssdkit {

// at::conv2d's result. libtorch 1.13's CPU convolution takes its im2col + gemm kernel (_slow_conv2d_forward)
// for float32 inputs of at most 20,480 elements (batch x channels x height x width) unless the batch or the
// kernel is large; SSD's heads and extras on their 5x5, 3x3 and 1x1 maps at batch 1 are such inputs, and there a
// 3x3 256->24 convolution on a 5x5 map took 5.8-6.2 ms against 0.07 ms through oneDNN (PyTorch 1.13 too, same
// machine: bench/RESULTS-ssd.md). Without gradients those go to at::mkldnn_convolution (oneDNN's direct kernel,
// what libtorch runs for every larger input); with gradients, under CPU autocast, and on libtorch 2.x,
// at::conv2d decides.
at::Tensor conv2d(const at::Tensor& input, const at::Tensor& weight, const c10::optional<at::Tensor>& bias, const std::vector<int64_t>& stride,
                  const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, int64_t groups);

}  // namespace ssdkit
