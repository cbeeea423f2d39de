// ssdkit native addon: 3x3 convolution by oneDNN's Winograd F(4x4, 3x3) algorithm (forward, backward-data and
// backward-weights), as one autograd op. PyTorch's CPU convolution always asks oneDNN for the direct algorithm;
// on AVX-512 machines Winograd does the same 3x3 stride-1 convolution with ~2.5x fewer multiplications.
// Built only when oneDNN's headers are present (SSDKIT_WITH_DNNL=1; Debian: libdnnl-dev, the same libdnnl.so.2
// libtorch links); otherwise `winogradAvailable()` is false and the op throws.
#pragma once

#include <ATen/ATen.h>

namespace ssdkit {

// Whether this build has the Winograd op and oneDNN offers it on this CPU (probed once).
bool winogradAvailable();

// Batches whose Winograd scratchpad would exceed this many bytes run in chunks of images (default 128 MiB);
// returns the previous value.
int64_t setWinogradScratchBudget(int64_t bytes);

// conv2d(input, weight, bias, stride 1, padding `pad`, dilation 1, groups 1) for float32 CPU tensors with a
// 3x3 kernel, through oneDNN's Winograd implementation; differentiable in input, weight and bias.
// Where oneDNN has no Winograd implementation for the shapes it computes the same convolution with at::conv2d.
at::Tensor winogradConv2d(const at::Tensor& input, const at::Tensor& weight, const c10::optional<at::Tensor>& bias, int64_t pad);

}  // namespace ssdkit
