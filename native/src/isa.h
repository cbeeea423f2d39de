// ssdkit native addon: which instruction set the CPU kernels underneath actually run (for benchmarks and bug
// reports): oneDNN's effective ISA (DNNL_MAX_CPU_ISA caps it), ATen's CPU capability (ATEN_CPU_CAPABILITY caps
// it) and OpenBLAS's core (OPENBLAS_CORETYPE picks it). PyTorch prints the same facts in torch.__config__.show()
// and the Python side of the benchmarks reads them with ctypes (bench/cpu_isa.py).
#pragma once

#include <cstdint>
#include <string>

namespace ssdkit {

// "oneDNN avx512_core_bf16, ATen AVX2, OpenBLAS Haswell"; a library that is not loaded reads "none".
std::string cpuIsaReport();

// How many distinct threads at::parallel_for ran n one-item chunks on, as compiled into this addon. ATen's
// parallel_for is a header template: in a file compiled without OpenMP it runs serially (1 at any thread count).
int64_t parallelForThreads(int64_t n);

}  // namespace ssdkit
