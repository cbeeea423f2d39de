// ssdkit native addon: GPU facts from the CUDA driver API (see cudaInfo.h). The few driver entry points used
// here have had stable C signatures since CUDA 3.2 (the _v2 names), so they are declared by hand.
#include "cudaInfo.h"

#include <dlfcn.h>

#include <sstream>

namespace ssdkit {
namespace {
using CUresult = int;
using CUdevice = int;

struct Driver {
  void* so = nullptr;
  CUresult (*init)(unsigned) = nullptr;
  CUresult (*driverGetVersion)(int*) = nullptr;
  CUresult (*deviceGetCount)(int*) = nullptr;
  CUresult (*deviceGet)(CUdevice*, int) = nullptr;
  CUresult (*deviceGetName)(char*, int, CUdevice) = nullptr;
  CUresult (*deviceTotalMem)(size_t*, CUdevice) = nullptr;
  CUresult (*deviceGetAttribute)(int*, int, CUdevice) = nullptr;
  CUresult (*memGetInfo)(size_t*, size_t*) = nullptr;
  std::string error;
};

template <typename F>
void bind(Driver& d, F& fn, const char* name) {
  fn = reinterpret_cast<F>(dlsym(d.so, name));
  if (!fn && d.error.empty()) d.error = std::string("libcuda.so.1 has no ") + name;
}

const Driver& driver() {
  static const Driver d = [] {
    Driver d;
    d.so = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!d.so) {
      d.error = "no CUDA driver (libcuda.so.1 not found)";
      return d;
    }
    bind(d, d.init, "cuInit");
    bind(d, d.driverGetVersion, "cuDriverGetVersion");
    bind(d, d.deviceGetCount, "cuDeviceGetCount");
    bind(d, d.deviceGet, "cuDeviceGet");
    bind(d, d.deviceGetName, "cuDeviceGetName");
    bind(d, d.deviceTotalMem, "cuDeviceTotalMem_v2");
    bind(d, d.deviceGetAttribute, "cuDeviceGetAttribute");
    bind(d, d.memGetInfo, "cuMemGetInfo_v2");
    if (d.error.empty() && d.init(0) != 0) d.error = "cuInit failed (no usable GPU or driver)";
    return d;
  }();
  return d;
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}
}  // namespace

std::string cudaDevicesJson() {
  const Driver& d = driver();
  if (!d.error.empty()) return "{\"error\": " + quoted(d.error) + "}";
  int version = 0, count = 0;
  d.driverGetVersion(&version);
  if (d.deviceGetCount(&count) != 0) count = 0;
  std::ostringstream js;
  js << "{\"driver\": " << version << ", \"devices\": [";
  for (int i = 0; i < count; ++i) {
    CUdevice dev = 0;
    char name[256] = {0};
    size_t mem = 0;
    int major = 0, minor = 0;
    d.deviceGet(&dev, i);
    d.deviceGetName(name, sizeof(name) - 1, dev);
    d.deviceTotalMem(&mem, dev);
    d.deviceGetAttribute(&major, 75, dev);  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
    d.deviceGetAttribute(&minor, 76, dev);  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR
    js << (i ? ", " : "") << "{\"index\": " << i << ", \"name\": " << quoted(name) << ", \"totalMemory\": " << mem
       << ", \"capability\": \"" << major << "." << minor << "\"}";
  }
  js << "]}";
  return js.str();
}

int64_t cudaMemoryUsed() {
  const Driver& d = driver();
  size_t freeBytes = 0, total = 0;
  if (!d.error.empty() || d.memGetInfo(&freeBytes, &total) != 0) return -1;
  return static_cast<int64_t>(total - freeBytes);
}

}  // namespace ssdkit
