// ssdkit native addon: module set-up, tensor handles, argument decoding, error translation, and the few
// functions that are not tensor ops (memory transfer, seeding, threads, grad mode).
//
// Every libtorch error becomes a JavaScript exception carrying libtorch's message, prefixed with the op
// name; nothing here aborts the process. The module holds no per-environment static state, so it loads in
// worker threads.
#include <ATen/Parallel.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <c10/core/GradMode.h>

#include <cmath>
#include <cstring>

#include "cachingAllocator.h"
#include "common.h"

namespace ssdkit {

namespace {

[[noreturn]] void rethrow(Napi::Env env, const char* name) {
  try {
    throw;
  } catch (const Napi::Error& e) {
    // Argument-decoding errors: keep the error's type, prefix the op name to its message.
    Napi::Object err = e.Value();
    err.Set("message", Napi::String::New(env, std::string(name) + ": " + e.Message()));
    throw Napi::Error(env, err);
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, std::string(name) + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string(name) + ": " + e.what());
  }
}

Napi::Value toJS(Napi::Env env, Out& o) {
  switch (o.kind) {
    case Out::Kind::None:
      return env.Undefined();
    case Out::Kind::Tensor:
      return wrap(env, std::move(o.ts[0]));
    case Out::Kind::Tensors: {
      Napi::Array arr = Napi::Array::New(env, o.ts.size());
      for (size_t k = 0; k < o.ts.size(); ++k) arr.Set(k, wrap(env, std::move(o.ts[k])));
      return arr;
    }
    case Out::Kind::Number:
      return Napi::Number::New(env, o.num);
    case Out::Kind::Bool:
      return Napi::Boolean::New(env, o.flag);
    case Out::Kind::Ints: {
      Napi::Array arr = Napi::Array::New(env, o.ints.size());
      for (size_t k = 0; k < o.ints.size(); ++k) arr.Set(k, Napi::Number::New(env, static_cast<double>(o.ints[k])));
      return arr;
    }
    case Out::Kind::String:
      return Napi::String::New(env, o.text);
  }
  return env.Undefined();
}

// The one JS entry point of every table op; the OpDef travels as the function's data.
Napi::Value callOp(const Napi::CallbackInfo& info) {
  const auto* def = static_cast<const OpDef*>(info.Data());
  Args args(info);
  Out out;
  try {
    out = def->fn(args);
  } catch (...) {
    rethrow(info.Env(), def->name);
  }
  try {
    return toJS(info.Env(), out);
  } catch (...) {
    rethrow(info.Env(), def->name);
  }
}

size_t elementSizeOf(at::ScalarType st) { return c10::elementSize(st); }

// fromBuffer(typedArray, shape, dtype, copy): a tensor over a TypedArray's bytes. Without copy the tensor
// shares the memory (like torch.from_numpy) and keeps the ArrayBuffer alive until it is released.
Napi::Value fromBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    Args a(info);
    if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "fromBuffer: argument 0 must be a TypedArray");
    Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
    std::vector<int64_t> shape = a.il(1);
    at::ScalarType st = a.dtype(2);
    bool copy = a.b(3);
    int64_t numel = 1;
    for (int64_t s : shape) {
      if (s < 0) throw Napi::RangeError::New(env, "fromBuffer: negative dimension in shape");
      numel *= s;
    }
    size_t need = static_cast<size_t>(numel) * elementSizeOf(st);
    if (need != ta.ByteLength()) {
      throw Napi::RangeError::New(env, "fromBuffer: shape needs " + std::to_string(need) + " bytes but the array has " +
                                           std::to_string(ta.ByteLength()));
    }
    uint8_t* data = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    auto opts = at::TensorOptions().dtype(st);
    if (copy || need == 0) {
      at::Tensor t = at::empty(shape, opts);
      if (need) std::memcpy(t.data_ptr(), data, need);
      return wrap(env, std::move(t));
    }
    napi_ref ref;
    NAPI_THROW_IF_FAILED(env, napi_create_reference(env, ta, 1, &ref), Napi::Value());
    napi_env rawEnv = env;
    at::Tensor t = at::from_blob(
        data, shape, [rawEnv, ref](void*) { napi_delete_reference(rawEnv, ref); }, opts);
    return wrap(env, std::move(t));
  } catch (...) {
    rethrow(env, "fromBuffer");
  }
}

// toBuffer(t): a copy of the tensor's elements (row-major, on the CPU) in a new ArrayBuffer.
Napi::Value toBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    Args a(info);
    at::Tensor t = a.t(0).detach().to(at::kCPU).contiguous();
    size_t n = t.numel() * t.element_size();
    Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, n);
    if (n) std::memcpy(buf.Data(), t.data_ptr(), n);
    return buf;
  } catch (...) {
    rethrow(env, "toBuffer");
  }
}

Napi::Value item(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    Args a(info);
    const at::Tensor& t = a.t(0);
    if (t.numel() != 1) {
      throw Napi::RangeError::New(env, "item: tensor has " + std::to_string(t.numel()) + " elements, expected 1");
    }
    at::Scalar s = t.item();
    if (s.isBoolean()) return Napi::Boolean::New(env, s.toBool());
    if (s.isIntegral(false)) return Napi::Number::New(env, static_cast<double>(s.toLong()));
    return Napi::Number::New(env, s.toDouble());
  } catch (...) {
    rethrow(env, "item");
  }
}

Napi::Value dispose(const Napi::CallbackInfo& info) {
  release(info.Env(), info[0]);
  return info.Env().Undefined();
}

Napi::Value gcOwns(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), reportToGC(info.Env(), info[0])); }

Napi::Value isDisposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), lookup(info[0]).h == nullptr); }

Napi::Value liveCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(liveHandles()));
}

// Reads a thread count (at least 1) from the first argument and hands it to `apply`; errors name `fn`.
Napi::Value applyThreadCount(const Napi::CallbackInfo& info, const char* fn, void (*apply)(int)) {
  Napi::Env env = info.Env();
  try {
    Args a(info);
    int64_t n = a.i(0);
    if (n < 1) throw Napi::RangeError::New(env, "need at least one thread");  // rethrow prefixes `fn`
    apply(static_cast<int>(n));
    return env.Undefined();
  } catch (...) {
    rethrow(env, fn);
  }
}

Napi::Value setNumThreads(const Napi::CallbackInfo& info) {
  return applyThreadCount(info, "setNumThreads", [](int n) { at::set_num_threads(n); });
}

// The calling thread's own intra-op thread count (a loader worker's: PyTorch's DataLoader workers run
// torch.set_num_threads(1)). at::set_num_threads would also change the process-wide default that every thread
// starts from; here libtorch's per-thread set-up runs first (so it cannot later reset this thread to that
// default) and then only this thread's OpenMP count changes.
Napi::Value setThreadNumThreads(const Napi::CallbackInfo& info) {
  return applyThreadCount(info, "setThreadNumThreads", [](int n) {
    at::internal::lazy_init_num_threads();
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
  });
}

Napi::Value getNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value manualSeed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    Args a(info);
    at::manual_seed(static_cast<uint64_t>(a.i(0)));
    return env.Undefined();
  } catch (...) {
    rethrow(env, "manualSeed");
  }
}

// setGradEnabled(flag) -> previous flag. Grad mode is thread-local in libtorch, and a JS environment runs on
// one thread, so a scope that sets and restores it is exact.
Napi::Value setGradEnabled(const Napi::CallbackInfo& info) {
  bool prev = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(info[0].ToBoolean().Value());
  return Napi::Boolean::New(info.Env(), prev);
}

Napi::Value isGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
}

Napi::Value hasCuda(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), at::hasCUDA()); }

Napi::Value config(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), at::show_config()); }

}  // namespace

// ---- Args ----

void Args::fail(size_t i, const char* expected) const {
  throw Napi::TypeError::New(info_.Env(), "argument " + std::to_string(i) + ": expected " + expected);
}

Handle* Args::handle(size_t i) const {
  const HandleLookup l = i < info_.Length() ? lookup(info_[i]) : HandleLookup{};
  if (l.h != nullptr) return l.h;
  if (!l.tensor) fail(i, "a tensor");
  throw Napi::Error::New(info_.Env(), "argument " + std::to_string(i) + ": tensor was disposed");
}

const at::Tensor& Args::t(size_t i) const { return handle(i)->t; }

c10::optional<at::Tensor> Args::optT(size_t i) const {
  if (isNull(i)) return c10::nullopt;
  return t(i);
}

int64_t Args::i(size_t i) const {
  if (i >= info_.Length() || !info_[i].IsNumber()) fail(i, "an integer");
  double v = info_[i].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(v) || std::floor(v) != v || std::fabs(v) > 9007199254740992.0) fail(i, "an integer");
  return static_cast<int64_t>(v);
}

c10::optional<int64_t> Args::optI(size_t i) const {
  if (isNull(i)) return c10::nullopt;
  return this->i(i);
}

double Args::d(size_t i) const {
  if (i >= info_.Length() || !info_[i].IsNumber()) fail(i, "a number");
  return info_[i].As<Napi::Number>().DoubleValue();
}

bool Args::b(size_t i) const {
  if (i >= info_.Length() || !info_[i].IsBoolean()) fail(i, "a boolean");
  return info_[i].As<Napi::Boolean>().Value();
}

at::Scalar Args::s(size_t i) const {
  if (i < info_.Length() && info_[i].IsBoolean()) return at::Scalar(info_[i].As<Napi::Boolean>().Value());
  double v = d(i);
  if (std::floor(v) == v && std::fabs(v) < 9007199254740992.0) return at::Scalar(static_cast<int64_t>(v));
  return at::Scalar(v);
}

c10::optional<at::Scalar> Args::optS(size_t i) const {
  if (isNull(i)) return c10::nullopt;
  return s(i);
}

std::vector<int64_t> Args::il(size_t i) const {
  if (i < info_.Length() && info_[i].IsNumber()) return {this->i(i)};
  if (i >= info_.Length() || !info_[i].IsArray()) fail(i, "an array of integers");
  Napi::Array arr = info_[i].As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    Napi::Value v = arr[k];
    if (!v.IsNumber()) fail(i, "an array of integers");
    double x = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(x) || std::floor(x) != x || std::fabs(x) > 9007199254740992.0) fail(i, "an array of integers");
    out[k] = static_cast<int64_t>(x);
  }
  return out;
}

std::vector<at::Tensor> Args::tl(size_t i) const {
  if (i >= info_.Length() || !info_[i].IsArray()) fail(i, "an array of tensors");
  Napi::Array arr = info_[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    const HandleLookup l = lookup(arr[k]);
    if (!l.tensor) fail(i, "an array of tensors");
    if (l.h == nullptr) fail(i, "an array of live tensors (one was disposed)");
    out.push_back(l.h->t);
  }
  return out;
}

at::ScalarType Args::dtype(size_t i) const {
  int64_t code = this->i(i);
  if (code < 0 || code > static_cast<int64_t>(at::ScalarType::BFloat16)) fail(i, "a dtype code");
  return static_cast<at::ScalarType>(code);
}

at::Device Args::device(size_t i) const {
  if (isNull(i)) return at::Device(at::kCPU);
  return at::Device(str(i));
}

std::string Args::str(size_t i) const {
  if (i >= info_.Length() || !info_[i].IsString()) fail(i, "a string");
  return info_[i].As<Napi::String>().Utf8Value();
}

// ---- module ----

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  napi_add_env_cleanup_hook(env, [](void*) { releaseAll(); }, nullptr);
  installCpuCache();  // before any tensor: every CPU allocation from here on goes through it
  Napi::Object ops = Napi::Object::New(env);
  for (size_t k = 0; k < kNumOps; ++k) {
    const OpDef* def = &kOps[k];
    ops.Set(def->name, Napi::Function::New(env, callOp, def->name, const_cast<OpDef*>(def)));
  }
  exports.Set("ops", ops);
  exports.Set("fromBuffer", Napi::Function::New(env, fromBuffer, "fromBuffer"));
  exports.Set("toBuffer", Napi::Function::New(env, toBuffer, "toBuffer"));
  exports.Set("item", Napi::Function::New(env, item, "item"));
  exports.Set("dispose", Napi::Function::New(env, dispose, "dispose"));
  exports.Set("isDisposed", Napi::Function::New(env, isDisposed, "isDisposed"));
  exports.Set("gcOwns", Napi::Function::New(env, gcOwns, "gcOwns"));
  exports.Set("liveCount", Napi::Function::New(env, liveCount, "liveCount"));
  exports.Set("setNumThreads", Napi::Function::New(env, setNumThreads, "setNumThreads"));
  exports.Set("setThreadNumThreads", Napi::Function::New(env, setThreadNumThreads, "setThreadNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New(env, getNumThreads, "getNumThreads"));
  exports.Set("manualSeed", Napi::Function::New(env, manualSeed, "manualSeed"));
  exports.Set("setGradEnabled", Napi::Function::New(env, setGradEnabled, "setGradEnabled"));
  exports.Set("isGradEnabled", Napi::Function::New(env, isGradEnabled, "isGradEnabled"));
  exports.Set("hasCuda", Napi::Function::New(env, hasCuda, "hasCuda"));
  exports.Set("config", Napi::Function::New(env, config, "config"));
  exports.Set("dist", distExports(env));
  return exports;
}

}  // namespace ssdkit

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return ssdkit::Init(env, exports); }

NODE_API_MODULE(ssdkit_native, InitModule)
