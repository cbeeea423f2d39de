// ssdkit native addon: oneDNN Winograd 3x3 convolution as one autograd op (see winograd.h).
//
// Tensors stay plain NCHW float32 on both sides; oneDNN's Winograd primitives want blocked layouts (nChw16c
// activations, transformed weights), so each call reorders in and out. oneDNN's primitive cache makes the
// repeated primitive creation cheap. The backward pass is the same algorithm: backward-data for the input's
// gradient and backward-weights for the weight's and bias's.
#include "winograd.h"

#if SSDKIT_WITH_DNNL
#include <ATen/record_function.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>

namespace ssdkit {
namespace {
using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;
using Tag = memory::format_tag;
constexpr auto kF32 = memory::data_type::f32;
constexpr auto kWino = algorithm::convolution_winograd;

dnnl::engine& cpuEngine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

// The convolution's geometry, from the input and weight shapes.
struct Geometry {
  int64_t n, c, h, w, k, oh, ow, pad;
  // The largest of input and output, over the whole batch, in bytes.
  int64_t activationBytes() const { return n * std::max(c * h * w, k * oh * ow) * int64_t{4}; }
  Geometry withBatch(int64_t batch) const {
    Geometry g = *this;
    g.n = batch;
    return g;
  }
  memory::dims src() const { return {n, c, h, w}; }
  memory::dims wei() const { return {k, c, 3, 3}; }
  memory::dims dst() const { return {n, k, oh, ow}; }
  memory::dims strides() const { return {1, 1}; }
  memory::dims padding() const { return {pad, pad}; }
};

Geometry geometryOf(const at::Tensor& x, const at::Tensor& w, int64_t pad) {
  TORCH_CHECK(x.dim() == 4 && w.dim() == 4, "winograd conv2d: input and weight must be 4-D, got ", x.sizes(), " and ", w.sizes());
  TORCH_CHECK(w.size(2) == 3 && w.size(3) == 3, "winograd conv2d: the kernel must be 3x3, got ", w.sizes());
  TORCH_CHECK(x.size(1) == w.size(1), "winograd conv2d: input has ", x.size(1), " channels, weight expects ", w.size(1));
  TORCH_CHECK(x.scalar_type() == at::kFloat && w.scalar_type() == at::kFloat, "winograd conv2d: float32 only");
  TORCH_CHECK(x.device().is_cpu() && w.device().is_cpu(), "winograd conv2d: CPU tensors only");
  TORCH_CHECK(pad >= 0, "winograd conv2d: padding must be >= 0");
  Geometry g{x.size(0), x.size(1), x.size(2), x.size(3), w.size(0), x.size(2) + 2 * pad - 2, x.size(3) + 2 * pad - 2, pad};
  TORCH_CHECK(g.oh > 0 && g.ow > 0, "winograd conv2d: input ", x.sizes(), " is too small for a 3x3 kernel with padding ", pad);
  return g;
}

memory::desc anyDesc(const memory::dims& d) { return memory::desc(d, kF32, Tag::any); }
memory::desc plainDesc(const memory::dims& d) { return memory::desc(d, kF32, d.size() == 1 ? Tag::x : Tag::abcd); }

// Plain tensor <-> the layout a primitive wants. Buffers are torch tensors, so torch's allocator serves them.
struct Staging {
  dnnl::stream& s;
  // A memory in layout `want` holding `t`'s values (t itself when the layouts agree).
  memory in(const at::Tensor& t, const memory::desc& want, std::vector<at::Tensor>& keep) {
    memory::desc plain(memory::dims(t.sizes().begin(), t.sizes().end()), kF32, t.dim() == 1 ? Tag::x : Tag::abcd);
    memory user(plain, cpuEngine(), t.data_ptr());
    if (plain == want) return user;
    at::Tensor buf = at::empty({static_cast<int64_t>(want.get_size())}, t.options().dtype(at::kByte));
    keep.push_back(buf);
    memory m(want, cpuEngine(), buf.data_ptr());
    dnnl::reorder(user, m).execute(s, user, m);
    return m;
  }
  // A memory in layout `have` whose values `finish` copies into the plain tensor `t` (t itself when they agree).
  memory out(const at::Tensor& t, const memory::desc& have, std::vector<at::Tensor>& keep) {
    memory::desc plain(memory::dims(t.sizes().begin(), t.sizes().end()), kF32, t.dim() == 1 ? Tag::x : Tag::abcd);
    if (plain == have) return memory(plain, cpuEngine(), t.data_ptr());
    at::Tensor buf = at::empty({static_cast<int64_t>(have.get_size())}, t.options().dtype(at::kByte));
    keep.push_back(buf);
    return memory(have, cpuEngine(), buf.data_ptr());
  }
  void finish(memory& m, const at::Tensor& t) {
    memory::desc plain(memory::dims(t.sizes().begin(), t.sizes().end()), kF32, t.dim() == 1 ? Tag::x : Tag::abcd);
    if (m.get_desc() == plain) return;
    memory user(plain, cpuEngine(), t.data_ptr());
    dnnl::reorder(m, user).execute(s, m, user);
  }
};

// oneDNN's Winograd primitives need large scratchpads (transformed tiles: ~50 MB for 512 channels at 38x38).
// Left to the library they are fresh memory on every call, and the page faults cost as much as the arithmetic
// saves; one buffer per thread, grown as needed and reused, avoids that.
dnnl::primitive_attr userScratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

// `batchBytes`: the size of the layer's largest activation over the whole batch (what the training step holds
// around this call).
memory scratchpad(const memory::desc& want, int64_t batchBytes) {
  thread_local at::Tensor buf;
  const int64_t bytes = static_cast<int64_t>(want.get_size());
  // Grown on demand. Given back when a layer needs under a quarter of it and the layer's own activations are at
  // least as large: a network's first layers, whose backward pass is where training memory peaks at large
  // batches, need ~10 MB where the deep layers needed ~136 MB. At small batches the buffer is kept, since
  // growing it again every step costs ~10% of a batch-1 step in page faults.
  const bool shrink = buf.defined() && buf.numel() > 4 * bytes && batchBytes >= buf.numel();
  if (!buf.defined() || buf.numel() < bytes || shrink) {
    buf = at::Tensor();
    buf = at::empty({bytes}, at::TensorOptions().dtype(at::kByte));
  }
  return memory(want, cpuEngine(), buf.data_ptr());
}

dnnl::convolution_forward::primitive_desc forwardPd(const Geometry& g, bool bias, prop_kind kind) {
  auto d = bias ? dnnl::convolution_forward::desc(kind, kWino, anyDesc(g.src()), anyDesc(g.wei()), plainDesc({g.k}), anyDesc(g.dst()),
                                                  g.strides(), g.padding(), g.padding())
                : dnnl::convolution_forward::desc(kind, kWino, anyDesc(g.src()), anyDesc(g.wei()), anyDesc(g.dst()), g.strides(),
                                                  g.padding(), g.padding());
  return dnnl::convolution_forward::primitive_desc(d, userScratchpad(), cpuEngine());
}

[[noreturn]] void rethrow(const dnnl::error& e, const char* what) {
  throw std::runtime_error(std::string("winograd conv2d ") + what + ": oneDNN: " + e.what() +
                           (e.status == dnnl_unimplemented ? " (no Winograd implementation for these shapes on this CPU)" : ""));
}

// Large batches run in chunks of images, so that neither the scratchpad nor the reordered copies of a chunk's
// activations grow with the batch: oneDNN sizes Winograd's scratchpad by the whole batch (8 images of 128
// channels at 150x150 would want 440 MB), and each staged copy of 8 images of 64 channels at 300x300 is 184 MB.
// Per-image throughput is the same. Defaults: 128 MiB of scratchpad, 16 MiB per staged activation.
std::atomic<int64_t> scratchBudget{int64_t{128} << 20};
constexpr int64_t kStagingBudget = int64_t{16} << 20;

// The largest chunk, halving from the whole batch, whose primitive's scratchpad and staged activations fit the
// budgets (at least 1).
template <class MakePd>
int64_t chunkSize(const Geometry& g, MakePd makePd) {
  const auto budget = static_cast<size_t>(scratchBudget.load());
  const int64_t imageBytes = g.withBatch(1).activationBytes();
  int64_t n = g.n;
  while (n > 1 && (n * imageBytes > kStagingBudget || makePd(g.withBatch(n)).scratchpad_desc().get_size() > budget)) n = (n + 1) / 2;
  return n;
}

// A staged memory reused while the layout it was staged for stays the same (weights across chunks).
struct Reused {
  c10::optional<memory> m;
  memory get(Staging& st, const at::Tensor& t, const memory::desc& want, std::vector<at::Tensor>& keep) {
    if (!m || m->get_desc() != want) m = st.in(t, want, keep);
    return *m;
  }
};

at::Tensor forwardImpl(const at::Tensor& xIn, const at::Tensor& wIn, const at::Tensor& bIn, int64_t pad, prop_kind kind) {
  const at::Tensor x = xIn.contiguous(), w = wIn.contiguous(), b = bIn.defined() ? bIn.contiguous() : at::Tensor();
  const Geometry g = geometryOf(x, w, pad);
  at::Tensor y = at::empty({g.n, g.k, g.oh, g.ow}, x.options());
  try {
    auto makePd = [&](const Geometry& gc) { return forwardPd(gc, b.defined(), kind); };
    const int64_t chunk = chunkSize(g, makePd);
    dnnl::stream s(cpuEngine());
    Staging st{s};
    std::vector<at::Tensor> keepAll;
    Reused wei, bia;
    for (int64_t i0 = 0; i0 < g.n; i0 += chunk) {
      const Geometry gc = g.withBatch(std::min(chunk, g.n - i0));
      const at::Tensor xc = x.narrow(0, i0, gc.n), yc = y.narrow(0, i0, gc.n);
      auto pd = makePd(gc);
      std::vector<at::Tensor> keep;
      memory src = st.in(xc, pd.src_desc(), keep), dst = st.out(yc, pd.dst_desc(), keep);
      std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei.get(st, w, pd.weights_desc(), keepAll)},
                                           {DNNL_ARG_DST, dst}, {DNNL_ARG_SCRATCHPAD, scratchpad(pd.scratchpad_desc(), g.activationBytes())}};
      if (b.defined()) args.insert({DNNL_ARG_BIAS, bia.get(st, b, pd.bias_desc(), keepAll)});
      dnnl::convolution_forward(pd).execute(s, args);
      st.finish(dst, yc);
      s.wait();
    }
  } catch (const dnnl::error& e) {
    rethrow(e, "forward");
  }
  return y;
}

// Gradients of input, weight and bias (each only where wanted), chunk by chunk of images; within a chunk the
// staged diff_dst serves both primitives when they want the same layout, and weight gradients are summed.
std::tuple<at::Tensor, at::Tensor, at::Tensor> backwardImpl(const Geometry& g, const at::Tensor& x, const at::Tensor& w, const at::Tensor& gy,
                                                             bool bias, bool wantInput, bool wantWeights) {
  at::NoGradGuard noGrad;
  at::Tensor gx, gw, gb;
  if (wantInput) gx = at::empty({g.n, g.c, g.h, g.w}, gy.options());
  if (wantWeights) {
    gw = at::empty({g.k, g.c, 3, 3}, gy.options());
    if (bias) gb = at::empty({g.k}, gy.options());
  }
  try {
    auto dataPd = [&](const Geometry& gc) {
      auto d = dnnl::convolution_backward_data::desc(kWino, anyDesc(gc.src()), anyDesc(gc.wei()), anyDesc(gc.dst()), gc.strides(), gc.padding(), gc.padding());
      return dnnl::convolution_backward_data::primitive_desc(d, userScratchpad(), cpuEngine(), forwardPd(gc, bias, prop_kind::forward_training));
    };
    auto weightsPd = [&](const Geometry& gc) {
      auto d = bias ? dnnl::convolution_backward_weights::desc(kWino, anyDesc(gc.src()), anyDesc(gc.wei()), plainDesc({gc.k}), anyDesc(gc.dst()),
                                                               gc.strides(), gc.padding(), gc.padding())
                    : dnnl::convolution_backward_weights::desc(kWino, anyDesc(gc.src()), anyDesc(gc.wei()), anyDesc(gc.dst()), gc.strides(),
                                                               gc.padding(), gc.padding());
      return dnnl::convolution_backward_weights::primitive_desc(d, userScratchpad(), cpuEngine(), forwardPd(gc, bias, prop_kind::forward_training));
    };
    int64_t chunk = g.n;
    if (wantInput) chunk = std::min(chunk, chunkSize(g, dataPd));
    if (wantWeights) chunk = std::min(chunk, chunkSize(g, weightsPd));
    dnnl::stream s(cpuEngine());
    Staging st{s};
    std::vector<at::Tensor> keepAll;
    Reused wei;
    for (int64_t i0 = 0; i0 < g.n; i0 += chunk) {
      const Geometry gc = g.withBatch(std::min(chunk, g.n - i0));
      const at::Tensor gyc = gy.narrow(0, i0, gc.n);
      std::vector<at::Tensor> keep;  // the staged diff_dst, for both primitives
      Reused dy;
      if (wantInput) {
        std::vector<at::Tensor> keepData;  // freed before the weights' staging is allocated
        const at::Tensor gxc = gx.narrow(0, i0, gc.n);
        auto pd = dataPd(gc);
        memory dx = st.out(gxc, pd.diff_src_desc(), keepData);
        dnnl::convolution_backward_data(pd).execute(s, {{DNNL_ARG_DIFF_DST, dy.get(st, gyc, pd.diff_dst_desc(), keep)},
                                                        {DNNL_ARG_WEIGHTS, wei.get(st, w, pd.weights_desc(), keepAll)},
                                                        {DNNL_ARG_DIFF_SRC, dx},
                                                        {DNNL_ARG_SCRATCHPAD, scratchpad(pd.scratchpad_desc(), g.activationBytes())}});
        st.finish(dx, gxc);
        s.wait();
      }
      if (wantWeights) {
        // the first chunk writes the gradients, later ones add theirs
        const bool first = i0 == 0;
        const at::Tensor gwc = first ? gw : at::empty_like(gw), gbc = !bias ? at::Tensor() : first ? gb : at::empty_like(gb);
        auto pd = weightsPd(gc);
        std::vector<at::Tensor> keepWeights;
        memory dw = st.out(gwc, pd.diff_weights_desc(), keepWeights);
        std::unordered_map<int, memory> args{{DNNL_ARG_SRC, st.in(x.narrow(0, i0, gc.n), pd.src_desc(), keepWeights)},
                                             {DNNL_ARG_DIFF_DST, dy.get(st, gyc, pd.diff_dst_desc(), keep)},
                                             {DNNL_ARG_DIFF_WEIGHTS, dw},
                                             {DNNL_ARG_SCRATCHPAD, scratchpad(pd.scratchpad_desc(), g.activationBytes())}};
        memory db;
        if (bias) {
          db = st.out(gbc, pd.diff_bias_desc(), keepWeights);
          args.insert({DNNL_ARG_DIFF_BIAS, db});
        }
        dnnl::convolution_backward_weights(pd).execute(s, args);
        st.finish(dw, gwc);
        if (bias) st.finish(db, gbc);
        s.wait();
        if (!first) {
          gw.add_(gwc);
          if (bias) gb.add_(gbc);
        }
      }
      s.wait();
    }
  } catch (const dnnl::error& e) {
    rethrow(e, "backward");
  }
  return {gx, gw, gb};
}

struct WinogradConv2dFn : public torch::autograd::Function<WinogradConv2dFn> {
  // `b` is an empty tensor when there is no bias (autograd functions take no undefined inputs).
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, int64_t pad) {
    ctx->save_for_backward({x, w});
    ctx->saved_data["pad"] = pad;
    ctx->saved_data["bias"] = b.numel() > 0;
    return forwardImpl(x, w, b.numel() > 0 ? b : at::Tensor(), pad, prop_kind::forward_training);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor x = saved[0].contiguous(), w = saved[1].contiguous();
    const int64_t pad = ctx->saved_data["pad"].toInt();
    const bool bias = ctx->saved_data["bias"].toBool();
    const Geometry g = geometryOf(x, w, pad);
    const at::Tensor gy = grads[0].contiguous();
    const bool wantWeights = ctx->needs_input_grad(1) || (bias && ctx->needs_input_grad(2));
    auto [gx, gw, gb] = backwardImpl(g, x, w, gy, bias, ctx->needs_input_grad(0), wantWeights);
    if (!ctx->needs_input_grad(1)) gw = at::Tensor();
    if (bias && !ctx->needs_input_grad(2)) gb = at::Tensor();
    return {gx, gw, gb, at::Tensor()};
  }
};
}  // namespace

int64_t setWinogradScratchBudget(int64_t bytes) {
  TORCH_CHECK(bytes > 0, "winograd scratchpad budget must be positive, got ", bytes);
  return scratchBudget.exchange(bytes);
}

bool winogradAvailable() {
  static const bool ok = [] {
    try {
      Geometry g{1, 16, 8, 8, 16, 8, 8, 1};
      forwardPd(g, true, prop_kind::forward_training);
      return true;
    } catch (const dnnl::error&) {
      return false;
    }
  }();
  return ok;
}

at::Tensor winogradConv2d(const at::Tensor& input, const at::Tensor& weight, const c10::optional<at::Tensor>& bias, int64_t pad) {
  // oneDNN's work is no ATen op: without this scope op profiles (profileOps) would not see the forward at all
  RECORD_FUNCTION("ssdkit::winograd_conv2d", std::vector<c10::IValue>({input, weight}));
  const at::Tensor b = bias.has_value() ? *bias : at::Tensor();
  try {
    forwardPd(geometryOf(input, weight, pad), b.defined(), prop_kind::forward_training);
  } catch (const dnnl::error&) {
    // no Winograd implementation for these shapes on this CPU: the same convolution, direct
    return at::conv2d(input, weight, b, {1, 1}, {pad, pad});
  }
  const bool grad = at::GradMode::is_enabled() && (input.requires_grad() || weight.requires_grad() || (b.defined() && b.requires_grad()));
  // forward_training even without gradients: oneDNN's forward_inference Winograd wants its weights in a
  // pre-transformed layout, and transforming them on every call costs more than the convolution saves.
  if (!grad) return forwardImpl(input, weight, b, pad, prop_kind::forward_training);
  return WinogradConv2dFn::apply(input, weight, b.defined() ? b : at::empty({0}, weight.options()), pad);
}

}  // namespace ssdkit

#else  // no oneDNN headers at build time

#include <stdexcept>

namespace ssdkit {
bool winogradAvailable() { return false; }
int64_t setWinogradScratchBudget(int64_t) { return 0; }
at::Tensor winogradConv2d(const at::Tensor&, const at::Tensor&, const c10::optional<at::Tensor>&, int64_t) {
  throw std::runtime_error("winograd conv2d: this build has no oneDNN (install libdnnl-dev and rebuild the addon)");
}
}  // namespace ssdkit

#endif
