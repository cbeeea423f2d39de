// ssdkit native addon: the table of tensors JavaScript holds (see common.h). A tensor crosses into JavaScript
// as a plain number, its slot's index plus the slot's generation times 2^24: creating one allocates nothing
// that V8's garbage collector has to trace or finalize. (A Napi::External with a finalizer cost ~1 µs per
// tensor here, most of a one-element op's price.) Releasing a slot bumps its generation, so a stale number
// reads as "disposed", never as the slot's next tensor. A tensor's bytes are reported to V8 as external memory
// (in steps of 1 MiB) only once the GC owns it (gcOwns: no scope does, src/tensor/tensor.ts): reporting the
// tensors a scope frees made V8 run a full GC every other training step, none of which could free anything.
// Each JS environment (main thread, worker) runs on its own thread and has its own table.
#include <atomic>
#include <cmath>
#include <deque>
#include <vector>

#include "common.h"

namespace ssdkit {
namespace {
constexpr uint64_t kIndexBits = 24;
constexpr uint64_t kIndexMask = (uint64_t{1} << kIndexBits) - 1;
constexpr int64_t kReportStep = int64_t{1} << 20;

struct Table {
  std::deque<Handle> slots;  // a deque: slots never move while an op holds references to its arguments
  std::vector<uint32_t> free;
  int64_t unreported = 0;  // external memory bytes not yet reported to V8
};

// Never destroyed (a thread's table outlives libtorch's static state at exit); emptied by the env cleanup hook.
Table& table() {
  thread_local Table* t = new Table();
  return *t;
}

std::atomic<int64_t> g_live{0};

void account(Napi::Env env, int64_t bytes) {
  Table& tb = table();
  tb.unreported += bytes;
  if (tb.unreported >= kReportStep || tb.unreported <= -kReportStep) {
    Napi::MemoryManagement::AdjustExternalMemory(env, tb.unreported);
    tb.unreported = 0;
  }
}

void releaseSlot(Napi::Env env, Table& tb, uint32_t index) {
  Handle& h = tb.slots[index];
  h.t.reset();
  ++h.gen;
  tb.free.push_back(index);
  g_live.fetch_sub(1);
  if (env != nullptr) account(env, -h.accounted);
  h.accounted = 0;
}
}  // namespace

int64_t liveHandles() { return g_live.load(); }

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  Table& tb = table();
  uint32_t index;
  if (!tb.free.empty()) {
    index = tb.free.back();
    tb.free.pop_back();
  } else {
    if (tb.slots.size() > kIndexMask) throw Napi::RangeError::New(env, "more than 16777216 live tensors: dispose() them or use tidy()");
    index = static_cast<uint32_t>(tb.slots.size());
    tb.slots.emplace_back();
  }
  Handle& h = tb.slots[index];
  h.t = std::move(t);
  h.accounted = 0;
  g_live.fetch_add(1);
  return Napi::Number::New(env, static_cast<double>((h.gen << kIndexBits) | index));
}

HandleLookup lookup(const Napi::Value& v) {
  if (!v.IsNumber()) return {};
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d < 9007199254740992.0) || std::floor(d) != d) return {};
  const auto u = static_cast<uint64_t>(d);
  Table& tb = table();
  const uint64_t index = u & kIndexMask, gen = u >> kIndexBits;
  if (index >= tb.slots.size() || gen == 0 || gen > tb.slots[index].gen) return {};  // never issued
  Handle& h = tb.slots[index];
  const bool live = gen == h.gen && h.t.defined();
  return {live ? &h : nullptr, gen < h.gen || live, static_cast<uint32_t>(index)};
}

bool reportToGC(Napi::Env env, const Napi::Value& v) {
  const HandleLookup l = lookup(v);
  if (l.h == nullptr || l.h->accounted != 0) return false;
  l.h->accounted = static_cast<int64_t>(l.h->t.numel() * l.h->t.element_size());
  account(env, l.h->accounted);
  return true;
}

bool release(Napi::Env env, const Napi::Value& v) {
  const HandleLookup l = lookup(v);
  if (l.h == nullptr) return false;
  releaseSlot(env, table(), l.index);
  return true;
}

void releaseAll() {
  Table& tb = table();
  for (size_t i = 0; i < tb.slots.size(); ++i) {
    if (tb.slots[i].t.defined()) releaseSlot(nullptr, tb, static_cast<uint32_t>(i));
  }
}

}  // namespace ssdkit
