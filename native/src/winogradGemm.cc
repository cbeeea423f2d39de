// ssdkit native addon: Winograd F(4x4, 3x3) around BLAS matrix products, as one autograd op (see
// winogradGemm.h). Tensors are plain NCHW float32; tile index = (image, tile row, tile column) row-major,
// Winograd-domain index = (row, column) of the 6x6 (input) or 4x4 (output) tile, row-major. The tile transforms
// are loops (winogradTransforms.cc); the filter transform is one product with a Kronecker matrix,
// vec(G g G^T) = (G ⊗ G) vec(g).
#include "winogradGemm.h"

#include "winogradTransforms.h"

#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>
#include <dlfcn.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <atomic>
#include <vector>

namespace ssdkit {
namespace {

// Lavin & Gray's F(4x4, 3x3) filter matrix (interpolation points 0, ±1, ±2, ∞) as a Kronecker product, float32.
struct Transforms {
  at::Tensor filter;   // (G ⊗ G), 36 x 9
  at::Tensor flipped;  // (G ⊗ G) with its 9 columns reversed: the transform of the filter rotated by 180°
};

const Transforms& transforms() {
  static const Transforms* t = [] {
    auto matrix = [](std::vector<double> v, int64_t rows) {
      return at::tensor(v, at::TensorOptions().dtype(at::kDouble)).view({rows, -1});
    };
    const at::Tensor g = matrix({1 / 4., 0, 0, -1 / 6., -1 / 6., -1 / 6., -1 / 6., 1 / 6., -1 / 6.,
                                 1 / 24., 1 / 12., 1 / 6., 1 / 24., -1 / 12., 1 / 6., 0, 0, 1}, 6);
    const at::Tensor gg = at::kron(g, g).to(at::kFloat);
    return new Transforms{gg, gg.flip({1}).contiguous()};
  }();
  return *t;
}

// The convolution's geometry: oh x ow outputs covered by th x tw tiles of 4x4.
struct Tiling {
  int64_t n, c, h, w, k, pad, oh, ow, th, tw;
  int64_t tiles() const { return th * tw; }
};

Tiling tilingOf(const at::Tensor& x, const at::Tensor& w, int64_t pad) {
  TORCH_CHECK(x.dim() == 4 && w.dim() == 4, "winograd-gemm conv2d: input and weight must be 4-D, got ", x.sizes(), " and ", w.sizes());
  TORCH_CHECK(w.size(2) == 3 && w.size(3) == 3, "winograd-gemm conv2d: the kernel must be 3x3, got ", w.sizes());
  TORCH_CHECK(x.size(1) == w.size(1), "winograd-gemm conv2d: input has ", x.size(1), " channels, weight expects ", w.size(1));
  TORCH_CHECK(x.scalar_type() == at::kFloat && w.scalar_type() == at::kFloat, "winograd-gemm conv2d: float32 only");
  TORCH_CHECK(x.device().is_cpu() && w.device().is_cpu(), "winograd-gemm conv2d: CPU tensors only");
  TORCH_CHECK(pad >= 0 && pad <= 2, "winograd-gemm conv2d: padding must be 0, 1 or 2, got ", pad);
  const int64_t oh = x.size(2) + 2 * pad - 2, ow = x.size(3) + 2 * pad - 2;
  TORCH_CHECK(oh > 0 && ow > 0, "winograd-gemm conv2d: input ", x.sizes(), " is too small for a 3x3 kernel with padding ", pad);
  return {x.size(0), x.size(1), x.size(2), x.size(3), w.size(0), pad, oh, ow, (oh + 3) / 4, (ow + 3) / 4};
}

std::atomic<int64_t> budget{int64_t{16} << 20};

// The blocks of the work (TileRun, winogradTransforms.h): images [i0, i0 + n) x tile rows [r0, r0 + rows), sized
// so that their largest Winograd-domain matrix (36 x tiles x channels, float32) stays within the budget: whole
// images when they fit, else bands of tile rows of one image. Blocks run one after another, each split between libtorch's threads
// (transforms by channel, products by Winograd index), each thread with single-threaded BLAS: OpenBLAS's own
// thread pool and libtorch's OpenMP threads, taking turns many times per layer, spin against each other for
// the same cores (2x the CPU time on 2 cores). Splitting blocks between threads instead, as this file first did,
// gave each thread's products half the tiles (OpenBLAS: 37 GFLOP/s at 50 columns, 67 at 113, 88 at 400 on a
// Zen 3 core) and made every thread read all of the filters.
std::vector<TileRun> blocksOf(const Tiling& g) {
  const int64_t perRow = 36 * g.tw * std::max(g.c, g.k) * int64_t{4};
  const int64_t rowsFit = std::max<int64_t>(1, budget.load() / perRow);
  std::vector<TileRun> blocks;
  const auto block = [&g](int64_t i0, int64_t n, int64_t r0, int64_t rows) {
    return TileRun{i0, n, r0, rows, g.tw, g.h, g.w, g.pad, g.oh, g.ow};
  };
  if (rowsFit >= g.th) {
    const int64_t images = std::max<int64_t>(1, rowsFit / g.th);
    for (int64_t i0 = 0; i0 < g.n; i0 += images) blocks.push_back(block(i0, std::min(images, g.n - i0), 0, g.th));
  } else {
    for (int64_t i = 0; i < g.n; ++i)
      for (int64_t r0 = 0; r0 < g.th; r0 += rowsFit) blocks.push_back(block(i, 1, r0, std::min(rowsFit, g.th - r0)));
  }
  return blocks;
}

// OpenBLAS (pthreads build) runs single-threaded while one of these lives; other BLAS builds are left alone.
class SerialBlas {
 public:
  SerialBlas() {
    void* lib = dlopen("libopenblas.so.0", RTLD_LAZY | RTLD_NOLOAD);
    if (lib == nullptr) return;
    get_ = reinterpret_cast<int (*)()>(dlsym(lib, "openblas_get_num_threads"));
    set_ = reinterpret_cast<void (*)(int)>(dlsym(lib, "openblas_set_num_threads"));
    if (get_ == nullptr || set_ == nullptr) return;
    before_ = get_();
    if (before_ > 1) set_(1);
  }
  ~SerialBlas() {
    if (set_ != nullptr && before_ > 1) set_(before_);
  }
  SerialBlas(const SerialBlas&) = delete;
  SerialBlas& operator=(const SerialBlas&) = delete;

 private:
  int (*get_)() = nullptr;
  void (*set_)(int) = nullptr;
  int before_ = 1;
};

// A work buffer for the blocks of one call, grown to the largest and reused from block to block, freed when the
// call returns. Fresh buffers per call cost no page faults: glibc keeps freed blocks under 32 MiB mapped
// in its heap and the caching allocator (cachingAllocator.cc) the larger ones, and neither holds memory between
// calls that the next layer could not reuse (per-thread buffers kept for the process's life added ~200 MiB to a
// batch-8 step's peak).
class WorkBuffer {
 public:
  at::Tensor get(at::IntArrayRef shape) {
    int64_t numel = 1;
    for (int64_t s : shape) numel *= s;
    if (!buf_.defined() || buf_.numel() < numel) {
      buf_ = at::Tensor();
      buf_ = at::empty({numel}, at::TensorOptions().dtype(at::kFloat));
    }
    return buf_.narrow(0, 0, numel).view(shape);
  }

 private:
  at::Tensor buf_;
};

// at::parallel_for over [0, n), one item at least per chunk, each worker running with the caller's thread-local
// state: grad mode and dispatch keys are per thread, and without the caller's no-grad mode a worker's mm_out
// refuses inputs that require grad.
template <typename F>
void parallelWithCallerState(int64_t n, const F& f) {
  const at::ThreadLocalState caller;
  at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    const at::ThreadLocalStateGuard state(caller);
    f(begin, end);
  });
}

// out = a · b, b's columns split between libtorch's threads (single-threaded BLAS each): the filter transforms
// write up to 36 MiB, which one thread alone spent ~15% of a 512-channel layer's time on.
void parallelMm(at::Tensor& out, const at::Tensor& a, const at::Tensor& b) {
  const int64_t cols = b.size(1), threads = at::get_num_threads();
  const int64_t chunk = std::max<int64_t>(1024, (cols + threads - 1) / threads);
  parallelWithCallerState((cols + chunk - 1) / chunk, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t j0 = i * chunk, n = std::min(chunk, cols - j0);
      at::Tensor part = out.narrow(1, j0, n);
      at::mm_out(part, a, b.narrow(1, j0, n));
    }
  });
}

// U: (36, K, C), the filters w (K, C, 3, 3) in the Winograd domain (36 MiB for 512 x 512 channels). `adjoint`:
// the filters of the input's gradient instead, w rotated by 180° with its two channel dimensions swapped,
// (36, C, K), without copying w into that layout first.
at::Tensor filterTiles(const at::Tensor& w, bool adjoint) {
  const int64_t k = w.size(0), c = w.size(1);
  at::Tensor u = at::empty({36, k * c}, w.options());
  parallelMm(u, adjoint ? transforms().flipped : transforms().filter, w.reshape({k * c, 9}).t());
  return adjoint ? u.view({36, k, c}).transpose(1, 2) : u.view({36, k, c});
}

// y = conv(x, w) + bias; `adjoint`: y = conv(x, w rotated by 180° with in and out channels swapped) (the input's
// gradient).
at::Tensor forwardImpl(const at::Tensor& input, const at::Tensor& w, const at::Tensor& b, int64_t pad, bool adjoint = false) {
  at::NoGradGuard noGrad;
  const at::Tensor x = input.contiguous(), bias = b.defined() ? b.contiguous() : b;
  const Tiling g = tilingOf(x, adjoint ? w.transpose(0, 1) : w, pad);
  SerialBlas serial;
  const at::Tensor u = filterTiles(w.contiguous(), adjoint);
  at::Tensor y = at::empty({g.n, g.k, g.oh, g.ow}, x.options());
  const std::vector<TileRun> blocks = blocksOf(g);
  WorkBuffer tiles, products;
  for (const TileRun& run : blocks) {
    at::Tensor v = tiles.get({36, g.c, run.tiles()}), m = products.get({36, g.k, run.tiles()});
    parallelWithCallerState(g.c, [&](int64_t c0, int64_t c1) { winogradInputTransform(x.data_ptr<float>(), g.c, run, v.data_ptr<float>(), c0, c1); });
    parallelWithCallerState(36, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        at::Tensor mp = m.select(0, p);
        at::mm_out(mp, u.select(0, p), v.select(0, p));
      }
    });
    const float* bp = bias.defined() ? bias.data_ptr<float>() : nullptr;
    parallelWithCallerState(g.k, [&](int64_t k0, int64_t k1) { winogradOutputTransform(m.data_ptr<float>(), g.k, run, bp, y.data_ptr<float>(), k0, k1); });
  }
  return y;
}

// The weights' gradient: dU_p = Σ_blocks V_p dM_p^T (the 36 products of a block split between the threads), then
// the filter transform's adjoint.
at::Tensor weightGrad(const at::Tensor& input, const at::Tensor& outputGrad, const Tiling& g) {
  SerialBlas serial;
  const at::Tensor x = input.contiguous(), gy = outputGrad.contiguous();
  const std::vector<TileRun> blocks = blocksOf(g);
  at::Tensor du = at::zeros({36, g.c, g.k}, x.options());
  WorkBuffer tiles, products;
  for (const TileRun& run : blocks) {
    at::Tensor v = tiles.get({36, g.c, run.tiles()}), dm = products.get({36, g.k, run.tiles()});
    parallelWithCallerState(g.c, [&](int64_t c0, int64_t c1) { winogradInputTransform(x.data_ptr<float>(), g.c, run, v.data_ptr<float>(), c0, c1); });
    parallelWithCallerState(g.k, [&](int64_t k0, int64_t k1) { winogradOutputAdjoint(gy.data_ptr<float>(), g.k, run, dm.data_ptr<float>(), k0, k1); });
    parallelWithCallerState(36, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) du.select(0, p).addmm_(v.select(0, p), dm.select(0, p).t());
    });
  }
  at::Tensor gw = at::empty({9, g.c * g.k}, x.options());
  parallelMm(gw, transforms().filter.t(), du.view({36, g.c * g.k}));
  return gw.view({3, 3, g.c, g.k}).permute({3, 2, 0, 1}).contiguous();
}

struct WinogradGemmFn : public torch::autograd::Function<WinogradGemmFn> {
  // `b` is an empty tensor when there is no bias (autograd functions take no undefined inputs).
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, int64_t pad) {
    ctx->save_for_backward({x, w});
    ctx->saved_data["pad"] = pad;
    ctx->saved_data["bias"] = b.numel() > 0;
    return forwardImpl(x, w, b.numel() > 0 ? b : at::Tensor(), pad);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    at::NoGradGuard noGrad;
    auto saved = ctx->get_saved_variables();
    const at::Tensor x = saved[0], w = saved[1];
    const int64_t pad = ctx->saved_data["pad"].toInt();
    const bool bias = ctx->saved_data["bias"].toBool();
    const at::Tensor gy = grads[0];
    at::Tensor gx, gw, gb;
    // the input's gradient is a full correlation of gy with the flipped filters: the same 3x3 convolution
    if (ctx->needs_input_grad(0)) gx = forwardImpl(gy, w, at::Tensor(), 2 - pad, true);
    if (ctx->needs_input_grad(1)) gw = weightGrad(x, gy, tilingOf(x, w, pad));
    if (bias && ctx->needs_input_grad(2)) gb = gy.sum({0, 2, 3});
    return {gx, gw, gb, at::Tensor()};
  }
};

}  // namespace

int64_t setWinogradGemmBudget(int64_t bytes) {
  TORCH_CHECK(bytes > 0, "winograd-gemm budget must be positive, got ", bytes);
  return budget.exchange(bytes);
}

at::Tensor winogradGemmConv2d(const at::Tensor& input, const at::Tensor& weight, const c10::optional<at::Tensor>& bias, int64_t pad) {
  const at::Tensor b = bias.has_value() ? *bias : at::Tensor();
  tilingOf(input, weight, pad);  // argument errors before autograd sees them
  const bool grad = at::GradMode::is_enabled() && (input.requires_grad() || weight.requires_grad() || (b.defined() && b.requires_grad()));
  if (!grad) return forwardImpl(input, weight, b, pad);
  return WinogradGemmFn::apply(input, weight, b.defined() ? b : at::empty({0}, weight.options()), pad);
}

}  // namespace ssdkit
