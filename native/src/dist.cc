// ssdkit native addon: the collectives table — libtorch's c10d process groups (torch.distributed's engine),
// exposed to JavaScript the way ops.cc exposes tensor ops: one line per collective.
//
// A group is made by a TCPStore rendezvous (rank 0 serves the store at host:port, the others connect) and a
// ProcessGroupGloo (CPU tensors) or, where the libtorch build has it, ProcessGroupNCCL (CUDA tensors). It
// crosses into JavaScript as an External; `destroy` (or the GC) releases it. Every collective blocks until its
// work is done and every failure (peer gone, timeout, port taken) becomes a JS exception whose message names
// this rank, the world size and the collective. Mirrors torch.distributed's init_process_group / all_reduce /
// broadcast / all_gather / barrier (torch/distributed/distributed_c10d.py).
#include "common.h"

#ifdef SSDKIT_WITH_C10D
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#endif

#include <chrono>
#include <memory>
#include <string>

namespace ssdkit {

#ifdef SSDKIT_WITH_C10D
namespace {

struct Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#ifdef USE_C10D_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif
  int rank = 0;
  int size = 1;
  std::string backend;

  // Runs f on the backend's process group (both classes share the collective signatures).
  template <class F>
  auto with(F f) {
#ifdef USE_C10D_NCCL
    if (nccl) return f(*nccl);
#endif
    return f(*gloo);
  }
};

using Work = c10::intrusive_ptr<c10d::Work>;

struct WorkHandle {
  Work work;
  std::vector<at::Tensor> tensors;  // kept alive until the work is waited for
};

c10d::ReduceOp reduceOp(const std::string& op) {
  if (op == "sum") return c10d::ReduceOp::SUM;
  if (op == "max") return c10d::ReduceOp::MAX;
  if (op == "min") return c10d::ReduceOp::MIN;
  if (op == "product") return c10d::ReduceOp::PRODUCT;
  throw std::invalid_argument("unknown reduce op '" + op + "' (sum, max, min, product; avg is sum then divide)");
}

Group& groupOf(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "argument 0 must be a process group");
  Group* g = info[0].As<Napi::External<Group>>().Data();
  if (!g || (!g->gloo
#ifdef USE_C10D_NCCL
             && !g->nccl
#endif
             )) {
    throw Napi::Error::New(info.Env(), "the process group was destroyed");
  }
  return *g;
}

void waitFor(const Work& w) {
  if (!w->wait()) throw std::runtime_error("the collective was aborted");
}

Napi::Value wrapAll(Napi::Env env, std::vector<at::Tensor> ts) {
  Napi::Array arr = Napi::Array::New(env, ts.size());
  for (size_t k = 0; k < ts.size(); ++k) arr.Set(k, wrap(env, std::move(ts[k])));
  return arr;
}

// ---- the collectives (argument 0 is the group; a = the decoded arguments) ----
using DistFn = Napi::Value (*)(const Napi::CallbackInfo&, Group&, const Args&);
struct DistDef {
  const char* name;
  DistFn fn;
};
#define DIST(NAME, ...) {#NAME, [](const Napi::CallbackInfo& info, Group& g, const Args& a) -> Napi::Value { __VA_ARGS__; }}

Napi::Value startAllreduce(const Napi::CallbackInfo& info, Group& g, const Args& a) {
  auto* h = new WorkHandle{Work(), a.tl(1)};
  c10d::AllreduceOptions o;
  o.reduceOp = reduceOp(a.str(2));
  h->work = g.with([&](auto& pg) { return pg.allreduce(h->tensors, o); });
  return Napi::External<WorkHandle>::New(info.Env(), h, [](Napi::Env, WorkHandle* w) { delete w; });
}


// ---- gradient reducer (what torch.nn.parallel.DistributedDataParallel's Reducer does, minus its Python) ----
// Parameters are put into buckets of at most capBytes, in reverse order (the order backward produces their
// gradients). Armed (prepare), a hook on each parameter copies its gradient into its bucket as backward makes it,
// and a full bucket's allreduce (sum) starts at once, overlapping with the rest of backward. finish() starts the
// remaining buckets (unarmed: all of them, from the accumulated .grad), waits, and writes the sums into .grad.
struct Reducer {
  struct Bucket {
    at::Tensor buffer;
    std::vector<size_t> members;
    std::vector<int64_t> offsets;
    size_t arrived = 0;
    Work work;
  };
  Group* group = nullptr;
  std::vector<at::Tensor> params;
  std::vector<Bucket> buckets;
  std::vector<std::pair<size_t, size_t>> slot;  // parameter -> (bucket, member)
  std::vector<bool> seen;
  std::vector<unsigned> hooks;
  bool armed = false;
  int64_t overlapped = 0;  // buckets started during backward in the last step

  at::Tensor view(size_t p) {
    auto [b, m] = slot[p];
    return buckets[b].buffer.narrow(0, buckets[b].offsets[m], params[p].numel()).view(params[p].sizes());
  }
  void start(Bucket& b) {
    std::vector<at::Tensor> ts{b.buffer};
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp::SUM;
    b.work = group->with([&](auto& pg) { return pg.allreduce(ts, o); });
  }
  void onGrad(size_t p, const at::Tensor& g) {
    if (!armed || seen[p]) return;
    seen[p] = true;
    view(p).copy_(g);
    Bucket& b = buckets[slot[p].first];
    if (++b.arrived == b.members.size()) {
      start(b);
      ++overlapped;
    }
  }
  void prepare() {
    for (auto& b : buckets) b.arrived = 0, b.work.reset();
    std::fill(seen.begin(), seen.end(), false);
    overlapped = 0;
    armed = true;
  }
  void finish() {
    at::NoGradGuard noGrad;
    for (auto& b : buckets) {
      if (b.work) continue;
      for (size_t m = 0; m < b.members.size(); ++m) {
        size_t p = b.members[m];
        if (seen[p]) continue;
        const at::Tensor& g = params[p].grad();
        if (g.defined()) view(p).copy_(g); else view(p).zero_();
      }
      start(b);
    }
    armed = false;
    for (auto& b : buckets) {
      Work w = std::move(b.work);
      b.work.reset();
      waitFor(w);
    }
    for (size_t p = 0; p < params.size(); ++p) {
      at::Tensor& g = params[p].mutable_grad();
      if (g.defined()) g.copy_(view(p)); else g = view(p).clone();
    }
  }
  ~Reducer() {
    for (size_t p = 0; p < params.size() && p < hooks.size(); ++p) params[p].remove_hook(hooks[p]);
  }
};

// reducerCreate(group, params, capBytes) -> reducer
Napi::Value reducerCreate(const Napi::CallbackInfo& info, Group& g, const Args& a) {
  auto r = std::make_unique<Reducer>();
  r->group = &g;
  r->params = a.tl(1);
  int64_t cap = a.i(2);
  size_t n = r->params.size();
  r->slot.resize(n);
  r->seen.assign(n, false);
  int64_t used = 0;
  for (size_t k = n; k-- > 0;) {
    const at::Tensor& p = r->params[k];
    if (!p.requires_grad()) throw std::invalid_argument("parameter " + std::to_string(k) + " does not require a gradient");
    int64_t bytes = p.numel() * static_cast<int64_t>(p.element_size());
    bool fresh = r->buckets.empty() || used + bytes > cap || r->buckets.back().buffer.scalar_type() != p.scalar_type() ||
                 r->buckets.back().buffer.device() != p.device();
    if (fresh) {
      r->buckets.push_back({});
      r->buckets.back().buffer = at::empty({0}, p.options().requires_grad(false));
      used = 0;
    }
    auto& b = r->buckets.back();
    r->slot[k] = {r->buckets.size() - 1, b.members.size()};
    b.offsets.push_back(used / static_cast<int64_t>(p.element_size()));
    b.members.push_back(k);
    used += bytes;
    b.buffer = at::empty({used / static_cast<int64_t>(p.element_size())}, p.options().requires_grad(false));
  }
  Reducer* raw = r.get();
  for (size_t k = 0; k < n; ++k) {
    r->hooks.push_back(r->params[k].register_hook([raw, k](const at::Tensor& grad) { raw->onGrad(k, grad); }));
  }
  return Napi::External<Reducer>::New(info.Env(), r.release(), [](Napi::Env, Reducer* p) { delete p; });
}

Reducer& reducerOf(const Napi::CallbackInfo& info) {
  if (info.Length() < 2 || !info[1].IsExternal()) throw Napi::TypeError::New(info.Env(), "argument 1 must be a gradient reducer");
  return *info[1].As<Napi::External<Reducer>>().Data();
}

const DistDef kDist[] = {
    // allreduce(group, tensors, op): in place, every tensor of the list reduced across ranks.
    DIST(allreduce, {
      std::vector<at::Tensor> ts = a.tl(1);
      c10d::AllreduceOptions o;
      o.reduceOp = reduceOp(a.str(2));
      waitFor(g.with([&](auto& pg) { return pg.allreduce(ts, o); }));
      return info.Env().Undefined();
    }),
    // allreduceStart(group, tensors, op) -> work: the same, without waiting (overlap with other work).
    DIST(allreduceStart, return startAllreduce(info, g, a)),
    // broadcast(group, tensors, root): in place, root's values to every rank.
    DIST(broadcast, {
      std::vector<at::Tensor> ts = a.tl(1);
      c10d::BroadcastOptions o;
      o.rootRank = a.i(2);
      waitFor(g.with([&](auto& pg) { return pg.broadcast(ts, o); }));
      return info.Env().Undefined();
    }),
    // allgather(group, tensor) -> one tensor per rank (same shape on every rank).
    DIST(allgather, {
      std::vector<at::Tensor> in{a.t(1)};
      std::vector<std::vector<at::Tensor>> out(1);
      for (int r = 0; r < g.size; ++r) out[0].push_back(at::empty_like(in[0]));
      waitFor(g.with([&](auto& pg) { return pg.allgather(out, in); }));
      return wrapAll(info.Env(), out[0]);
    }),
    DIST(barrier, {
      waitFor(g.with([&](auto& pg) { return pg.barrier(); }));
      return info.Env().Undefined();
    }),
    // The gradient reducer: reducerCreate(group, params, capBytes), reducerPrepare(group, r) before backward,
    // reducerFinish(group, r) -> buckets started during backward, reducerBuckets(group, r) -> bucket count.
    DIST(reducerCreate, return reducerCreate(info, g, a)),
    DIST(reducerPrepare, reducerOf(info).prepare(); return info.Env().Undefined()),
    DIST(reducerFinish, {
      Reducer& r = reducerOf(info);
      r.finish();
      return Napi::Number::New(info.Env(), static_cast<double>(r.overlapped));
    }),
    DIST(reducerBuckets, return Napi::Number::New(info.Env(), static_cast<double>(reducerOf(info).buckets.size()))),
    DIST(rank, return Napi::Number::New(info.Env(), g.rank)),
    DIST(size, return Napi::Number::New(info.Env(), g.size)),
    DIST(backend, return Napi::String::New(info.Env(), g.backend)),
    DIST(destroy, {
      g.gloo.reset();
#ifdef USE_C10D_NCCL
      g.nccl.reset();
#endif
      g.store.reset();
      return info.Env().Undefined();
    }),
};

std::string prefix(const Group* g, const char* op) {
  return g ? "rank " + std::to_string(g->rank) + " of " + std::to_string(g->size) + ": " + op + ": " : std::string(op) + ": ";
}

[[noreturn]] void rethrowAs(Napi::Env env, const std::string& where) {
  try {
    throw;
  } catch (const Napi::Error& e) {
    throw Napi::Error::New(env, where + e.Message());
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, where + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, where + e.what());
  }
}

Napi::Value callDist(const Napi::CallbackInfo& info) {
  const auto* def = static_cast<const DistDef*>(info.Data());
  Group* g = nullptr;
  try {
    g = &groupOf(info);
    Args a(info);
    return def->fn(info, *g, a);
  } catch (...) {
    rethrowAs(info.Env(), prefix(g, def->name));
  }
}

// init(backend, host, port, rank, worldSize, timeoutMs) -> group.
Napi::Value init(const Napi::CallbackInfo& info) {
  Args a(info);
  std::string where = "init_process_group";
  try {
    std::string backend = a.str(0);
    std::string host = a.str(1);
    int64_t port = a.i(2), rank = a.i(3), size = a.i(4), timeoutMs = a.i(5);
    where = "rank " + std::to_string(rank) + " of " + std::to_string(size) + ": init_process_group(" + backend + ", " + host + ":" +
            std::to_string(port) + ")";
    if (size < 1 || rank < 0 || rank >= size) throw std::invalid_argument("rank must be in [0, world size)");
    if (port < 1 || port > 65535) throw std::invalid_argument("port must be in 1..65535");
    auto timeout = std::chrono::milliseconds(timeoutMs);
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(port);
    so.isServer = rank == 0;
    so.numWorkers = static_cast<size_t>(size);
    so.waitWorkers = true;
    so.timeout = timeout;
    auto g = std::make_unique<Group>();
    g->rank = static_cast<int>(rank);
    g->size = static_cast<int>(size);
    g->backend = backend;
    g->store = c10::make_intrusive<c10d::TCPStore>(host, so);
    if (backend == "gloo") {
      auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
      const char* iface = std::getenv("GLOO_SOCKET_IFNAME");
      opts->devices.push_back(iface && *iface ? c10d::ProcessGroupGloo::createDeviceForInterface(iface)
                                              : c10d::ProcessGroupGloo::createDeviceForHostname(host));
      g->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(g->store, g->rank, g->size, opts);
    } else if (backend == "nccl") {
#ifdef USE_C10D_NCCL
      auto opts = c10d::ProcessGroupNCCL::Options::create();
      opts->timeout = timeout;
      g->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(g->store, g->rank, g->size, opts);
#else
      throw std::invalid_argument("this libtorch build has no NCCL (ProcessGroupNCCL); use backend 'gloo'");
#endif
    } else {
      throw std::invalid_argument("unknown backend '" + backend + "' (gloo or nccl)");
    }
    return Napi::External<Group>::New(info.Env(), g.release(), [](Napi::Env, Group* p) { delete p; });
  } catch (...) {
    rethrowAs(info.Env(), where + ": ");
  }
}

// wait(work): blocks until an allreduceStart finishes; its tensors then hold the result.
Napi::Value waitWork(const Napi::CallbackInfo& info) {
  try {
    if (info.Length() < 1 || !info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "argument 0 must be a work handle");
    WorkHandle* h = info[0].As<Napi::External<WorkHandle>>().Data();
    if (h->work) {
      Work w = std::move(h->work);
      h->work.reset();
      h->tensors.clear();
      waitFor(w);
    }
    return info.Env().Undefined();
  } catch (...) {
    rethrowAs(info.Env(), "wait: ");
  }
}
}  // namespace

Napi::Object distExports(Napi::Env env) {
  Napi::Object dist = Napi::Object::New(env);
  for (const auto& def : kDist) dist.Set(def.name, Napi::Function::New(env, callDist, def.name, const_cast<DistDef*>(&def)));
  dist.Set("init", Napi::Function::New(env, init, "init"));
  dist.Set("wait", Napi::Function::New(env, waitWork, "wait"));
#ifdef USE_C10D_NCCL
  dist.Set("backends", Napi::String::New(env, "gloo,nccl"));
#else
  dist.Set("backends", Napi::String::New(env, "gloo"));
#endif
  return dist;
}
#else
Napi::Object distExports(Napi::Env env) {
  Napi::Object dist = Napi::Object::New(env);
  dist.Set("backends", Napi::String::New(env, ""));
  return dist;
}
#endif

}  // namespace ssdkit
