// ssdkit native addon: the shared pieces every op uses.
//
// A tensor crosses into JavaScript as a number naming a slot of this thread's handle table (handles.cc). The JS
// side frees it deterministically (dispose / scopes); the safety net for tensors that leave every scope and
// become unreachable is a FinalizationRegistry on the JS Tensor (src/tensor/tensor.ts).
// Arguments are decoded by `Args`, results encoded by `Out`, so each op in ops.cc is a single expression.
#pragma once

#include <ATen/ATen.h>
#include <napi.h>

#include <atomic>
#include <string>
#include <vector>

namespace ssdkit {

struct Handle {
  at::Tensor t;
  int64_t accounted = 0;  // bytes counted as V8 external memory (reportToGC)
  uint64_t gen = 1;       // the generation of the slot's current (or next) tensor
};

// What a JS value names: the live handle (null if none), whether it named a tensor once (now disposed, or
// live), and its slot.
struct HandleLookup {
  Handle* h = nullptr;
  bool tensor = false;
  uint32_t index = 0;
};

// Number of live (not yet released) tensor handles in this process.
int64_t liveHandles();

// Puts a tensor in a new handle (null for an undefined tensor).
Napi::Value wrap(Napi::Env env, at::Tensor t);
HandleLookup lookup(const Napi::Value& v);
// Counts the tensor's bytes as V8 external memory from now until it is released (the GC owns it); false if the
// handle names no live tensor or was counted already.
bool reportToGC(Napi::Env env, const Napi::Value& v);
// Releases the tensor a handle names; false if it names no live tensor (idempotent).
bool release(Napi::Env env, const Napi::Value& v);
// Releases every tensor of this thread's table (the environment is going away).
void releaseAll();

// Decodes the JS arguments of an op call. Every accessor names the argument index in its error.
class Args {
 public:
  explicit Args(const Napi::CallbackInfo& info) : info_(info) {}
  size_t size() const { return info_.Length(); }
  Napi::Env env() const { return info_.Env(); }
  bool isNull(size_t i) const { return i >= info_.Length() || info_[i].IsNull() || info_[i].IsUndefined(); }

  Handle* handle(size_t i) const;
  const at::Tensor& t(size_t i) const;
  c10::optional<at::Tensor> optT(size_t i) const;
  int64_t i(size_t i) const;
  c10::optional<int64_t> optI(size_t i) const;
  double d(size_t i) const;
  c10::optional<at::Scalar> optS(size_t i) const;
  bool b(size_t i) const;
  at::Scalar s(size_t i) const;
  std::vector<int64_t> il(size_t i) const;
  std::vector<at::Tensor> tl(size_t i) const;
  at::ScalarType dtype(size_t i) const;
  at::Device device(size_t i) const;  // "cpu", "cuda", "cuda:1"; null means cpu
  at::TensorOptions options(size_t dtypeIndex) const {
    return at::TensorOptions().dtype(dtype(dtypeIndex)).device(device(dtypeIndex + 1));
  }
  std::string str(size_t i) const;

 private:
  [[noreturn]] void fail(size_t i, const char* expected) const;
  const Napi::CallbackInfo& info_;
};

// What an op returns: nothing, a tensor, a list of tensors, a number, a bool, a list of ints or a string.
struct Out {
  enum class Kind { None, Tensor, Tensors, Number, Bool, Ints, String };
  Kind kind = Kind::None;
  std::vector<at::Tensor> ts;
  double num = 0;
  bool flag = false;
  std::vector<int64_t> ints;
  std::string text;

  Out() = default;
  Out(at::Tensor t) : kind(Kind::Tensor), ts{std::move(t)} {}
  Out(std::tuple<at::Tensor, at::Tensor> p) : kind(Kind::Tensors), ts{std::get<0>(p), std::get<1>(p)} {}
  Out(std::vector<at::Tensor> v) : kind(Kind::Tensors), ts(std::move(v)) {}
  Out(double v) : kind(Kind::Number), num(v) {}
  Out(int64_t v) : kind(Kind::Number), num(static_cast<double>(v)) {}
  Out(bool v) : kind(Kind::Bool), flag(v) {}
  Out(at::IntArrayRef v) : kind(Kind::Ints), ints(v.vec()) {}
  Out(std::string v) : kind(Kind::String), text(std::move(v)) {}
};

using OpFn = Out (*)(const Args&);
struct OpDef {
  const char* name;
  OpFn fn;
};

// The op table (ops.cc): the one place where each op is declared.
extern const OpDef kOps[];
extern const size_t kNumOps;

// The collectives table (dist.cc): process groups over c10d, or an empty object without them.
Napi::Object distExports(Napi::Env env);

}  // namespace ssdkit
