// ssdkit native addon: libtorch's own op profiler (torch/csrc/autograd/profiler_legacy.h RecordProfile, what
// torch.autograd.profiler.profile runs underneath), writing a Chrome trace (chrome://tracing, Perfetto) of every
// ATen op — forward, autograd backward and optimizer — with its duration and thread.
#pragma once

#include <string>

namespace ssdkit {

// Starts recording into `path` (the file is written when recording stops). One recording at a time.
void startOpProfile(const std::string& path);

// Stops recording and writes the trace. False when no recording was running.
bool stopOpProfile();

}  // namespace ssdkit
