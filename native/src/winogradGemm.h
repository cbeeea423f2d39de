// ssdkit native addon: 3x3 stride-1 convolution by Winograd F(4x4, 3x3) of our own, for CPUs where oneDNN has
// no Winograd (it has one for AVX-512 only; see winograd.h). The products go through libtorch's BLAS (OpenBLAS
// picks its AVX2/FMA or AVX-512 kernels at run time); the tile transforms are plain loops the compiler vectorizes:
//   input tiles   V = B^T d B            6x6 tiles every 4 pixels, (36, C, tiles) (winogradTransforms.cc)
//   filters       U = (G ⊗ G) g          one GEMM over all K x C filters, (36, K, C)
//   products      M_p = U_p V_p          36 GEMMs (K x C) · (C x tiles), one batched at::bmm
//   output        y = A^T M A            4x4 tiles written straight into NCHW (winogradTransforms.cc)
// (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016; the matrices are theirs.)
// Backward: the input's gradient is the same forward on the output's gradient with the flipped, transposed
// filters; the filters' gradient is the adjoint of the forward's transforms around one batched product.
#pragma once

#include <ATen/ATen.h>

namespace ssdkit {

// conv2d(input, weight, bias, stride 1, padding `pad`, dilation 1, groups 1) for float32 CPU tensors with a
// 3x3 kernel; differentiable in input, weight and bias (one autograd node that keeps only input and weight).
at::Tensor winogradGemmConv2d(const at::Tensor& input, const at::Tensor& weight, const c10::optional<at::Tensor>& bias, int64_t pad);

// The work runs in blocks (whole images, or bands of tile rows of one image) whose largest Winograd-domain
// matrix stays under this many bytes (default 16 MiB: 8 and 32 were slower on a Zen 3);
// returns the previous value.
int64_t setWinogradGemmBudget(int64_t bytes);

}  // namespace ssdkit
