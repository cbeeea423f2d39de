// ssdkit native addon: which instruction set the CPU kernels underneath actually run (for benchmarks and bug
// reports): oneDNN's effective ISA (DNNL_MAX_CPU_ISA caps it), ATen's CPU capability (ATEN_CPU_CAPABILITY caps
// it) and OpenBLAS's core (OPENBLAS_CORETYPE picks it). PyTorch prints the same facts in torch.__config__.show()
// and the Python side of the benchmarks reads them with ctypes (bench/cpu_isa.py).
#pragma once

#include <string>

namespace ssdkit {

// "oneDNN avx512_core_bf16, ATen AVX2, OpenBLAS Haswell"; a library that is not loaded reads "none".
std::string cpuIsaReport();

}  // namespace ssdkit
