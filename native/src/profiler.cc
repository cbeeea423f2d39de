// ssdkit native addon: the op profiler (see profiler.h).
#include "profiler.h"

#include <torch/csrc/autograd/profiler_legacy.h>

#include <memory>
#include <mutex>

namespace ssdkit {
namespace {
std::mutex lock;
std::unique_ptr<torch::autograd::profiler::RecordProfile> recording;
}  // namespace

void startOpProfile(const std::string& path) {
  std::lock_guard<std::mutex> hold(lock);
  TORCH_CHECK(!recording, "startOpProfile: a recording is already running; stop it first");
  recording = std::make_unique<torch::autograd::profiler::RecordProfile>(path);
}

bool stopOpProfile() {
  std::lock_guard<std::mutex> hold(lock);
  if (!recording) return false;
  recording.reset();  // RecordProfile's destructor disables the profiler and writes the trace
  return true;
}

}  // namespace ssdkit
