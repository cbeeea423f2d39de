// ssdkit native addon: the GPUs the process can see, from the CUDA driver (libcuda.so.1, opened at run time),
// so that the addon needs no CUDA headers and builds the same against a CPU libtorch.
#pragma once

#include <cstdint>
#include <string>

namespace ssdkit {

// JSON: {"driver": 13000, "devices": [{"index": 0, "name": "NVIDIA H100 80GB HBM3", "totalMemory": bytes,
// "capability": "9.0"}, ...]}, or {"error": "why not"} when there is no driver or no device.
std::string cudaDevicesJson();

// Bytes in use on the current device (total - free, all processes; cuMemGetInfo), -1 without a CUDA context.
// torch.cuda.mem_get_info() measures the same, so the benchmark compares both sides with it.
int64_t cudaMemoryUsed();

}  // namespace ssdkit
