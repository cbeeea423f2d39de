// ssdkit native addon: the op table. This is the one place where each op exposed to JavaScript is declared.
//
// Each entry is `OP(name, expression)`: arguments come from `a` (see Args in common.h: a.t tensor, a.s scalar,
// a.i int, a.d double, a.b bool, a.il int list, a.tl tensor list, a.options dtype+device, a.opt* nullable) and
// the expression's value goes back through Out. `OPV` is for in-place ops that return nothing. The TypeScript
// layer (src/tensor) gives these their PyTorch-like names, argument checking and docs.
#include <ATen/CPUGeneratorImpl.h>

#include "cachingAllocator.h"
#include "common.h"
#include "compat.h"
#include "cudaInfo.h"
#include "isa.h"
#include "conv.h"
#include "maxPool.h"
#include "profiler.h"
#include "winograd.h"
#include "winogradGemm.h"

namespace ssdkit {
namespace {
#define OP(NAME, ...) {#NAME, [](const Args& a) -> Out { return __VA_ARGS__; }}
#define OPV(NAME, ...) {#NAME, [](const Args& a) -> Out { __VA_ARGS__; return Out(); }}

// [live, cached, peak, hits, misses, evictions] of the CPU caching allocator (cachingAllocator.h).
std::vector<int64_t> cacheStatsList() {
  const CpuCacheStats s = cpuCacheStats();
  return {s.liveBytes, s.cachedBytes, s.peakBytes, s.hits, s.misses, s.evictions};
}

at::IntArrayRef dimsRef(const std::vector<int64_t>& v) { return at::IntArrayRef(v); }

c10::List<c10::optional<at::Tensor>> indexList(const std::vector<at::Tensor>& ts) {
  c10::List<c10::optional<at::Tensor>> list;
  list.reserve(ts.size());
  for (const auto& t : ts) list.push_back(t);
  return list;
}

// Waits for the device's queued work: a one-element copy to the host runs after it on the current stream.
void synchronize(const at::Device& d) {
  if (!d.is_cpu()) at::zeros({1}, at::TensorOptions().device(d)).cpu();
}
}  // namespace

const OpDef kOps[] = {
    // ---- creation (shape, [value], dtype, device) ----
    OP(empty, at::empty(a.il(0), a.options(1))),
    OP(zeros, at::zeros(a.il(0), a.options(1))),
    OP(ones, at::ones(a.il(0), a.options(1))),
    OP(full, at::full(a.il(0), a.s(1), a.options(2))),
    OP(arange, at::arange(a.s(0), a.s(1), a.s(2), a.options(3))),
    OP(linspace, at::linspace(a.s(0), a.s(1), a.i(2), a.options(3))),
    OP(eye, at::eye(a.i(0), a.options(1))),
    OP(rand, at::rand(a.il(0), a.options(1))),
    OP(randn, at::randn(a.il(0), a.options(1))),
    OP(randint, at::randint(a.i(0), a.i(1), a.il(2), a.options(3))),
    OP(randperm, at::randperm(a.i(0), a.options(1))),
    OP(rngState, at::detail::getDefaultCPUGenerator().get_state()),
    OPV(setRngState, at::Generator(at::detail::getDefaultCPUGenerator()).set_state(a.t(0))),
    OP(zerosLike, at::zeros_like(a.t(0))),
    OP(onesLike, at::ones_like(a.t(0))),
    OP(fullLike, at::full_like(a.t(0), a.s(1))),
    OP(clone, a.t(0).clone()),
    OP(toDtype, a.t(0).to(a.dtype(1))),
    OP(toDevice, a.t(0).to(a.device(1))),

    // ---- tensor facts ----
    OP(sizes, a.t(0).sizes()),
    OP(strides, a.t(0).strides()),
    OP(dtype, static_cast<int64_t>(a.t(0).scalar_type())),
    OP(numel, static_cast<int64_t>(a.t(0).numel())),
    OP(dim, static_cast<int64_t>(a.t(0).dim())),
    OP(device, a.t(0).device().str()),
    OP(isContiguous, a.t(0).is_contiguous()),
    OP(isChannelsLast, a.t(0).is_contiguous(at::MemoryFormat::ChannelsLast)),
    OP(equal, at::equal(a.t(0), a.t(1))),
    OP(allclose, at::allclose(a.t(0), a.t(1), a.d(2), a.d(3), a.b(4))),

    // ---- elementwise binary: tensor ∘ tensor (broadcasting) ----
    OP(add, at::add(a.t(0), a.t(1), a.s(2))),
    OP(sub, at::sub(a.t(0), a.t(1), a.s(2))),
    OP(mul, at::mul(a.t(0), a.t(1))),
    OP(div, at::div(a.t(0), a.t(1))),
    OP(floorDiv, at::div(a.t(0), a.t(1), "floor")),
    OP(remainder, at::remainder(a.t(0), a.t(1))),
    OP(pow, at::pow(a.t(0), a.t(1))),
    OP(maximum, at::maximum(a.t(0), a.t(1))),
    OP(minimum, at::minimum(a.t(0), a.t(1))),
    OP(eq, at::eq(a.t(0), a.t(1))),
    OP(ne, at::ne(a.t(0), a.t(1))),
    OP(lt, at::lt(a.t(0), a.t(1))),
    OP(le, at::le(a.t(0), a.t(1))),
    OP(gt, at::gt(a.t(0), a.t(1))),
    OP(ge, at::ge(a.t(0), a.t(1))),
    OP(logicalAnd, at::logical_and(a.t(0), a.t(1))),
    OP(logicalOr, at::logical_or(a.t(0), a.t(1))),
    OP(logicalXor, at::logical_xor(a.t(0), a.t(1))),
    OP(where, at::where(a.t(0), a.t(1), a.t(2))),
    OP(whereTS, at::where(a.t(0), a.t(1), a.s(2))),
    OP(whereST, at::where(a.t(0), a.s(1), a.t(2))),
    OP(whereSS, at::where(a.t(0), a.s(1), a.s(2))),

    // ---- elementwise binary: tensor ∘ scalar ----
    OP(addS, at::add(a.t(0), a.s(1), a.s(2))),
    OP(subS, at::sub(a.t(0), a.s(1), a.s(2))),
    OP(rsubS, at::rsub(a.t(0), a.s(1), a.s(2))),
    OP(mulS, at::mul(a.t(0), a.s(1))),
    OP(divS, at::div(a.t(0), a.s(1))),
    OP(floorDivS, at::div(a.t(0), a.s(1), "floor")),
    OP(remainderS, at::remainder(a.t(0), a.s(1))),
    OP(powS, at::pow(a.t(0), a.s(1))),
    OP(rpowS, at::pow(a.s(1), a.t(0))),
    OP(eqS, at::eq(a.t(0), a.s(1))),
    OP(neS, at::ne(a.t(0), a.s(1))),
    OP(ltS, at::lt(a.t(0), a.s(1))),
    OP(leS, at::le(a.t(0), a.s(1))),
    OP(gtS, at::gt(a.t(0), a.s(1))),
    OP(geS, at::ge(a.t(0), a.s(1))),
    OP(clamp, at::clamp(a.t(0), a.optS(1), a.optS(2))),
    OP(clampT, at::clamp(a.t(0), a.optT(1), a.optT(2))),

    // ---- elementwise unary ----
    OP(neg, at::neg(a.t(0))),
    OP(exp, at::exp(a.t(0))),
    OP(expm1, at::expm1(a.t(0))),
    OP(log, at::log(a.t(0))),
    OP(log1p, at::log1p(a.t(0))),
    OP(sqrt, at::sqrt(a.t(0))),
    OP(rsqrt, at::rsqrt(a.t(0))),
    OP(square, at::square(a.t(0))),
    OP(abs, at::abs(a.t(0))),
    OP(sign, at::sign(a.t(0))),
    OP(floor, at::floor(a.t(0))),
    OP(ceil, at::ceil(a.t(0))),
    OP(round, at::round(a.t(0))),
    OP(trunc, at::trunc(a.t(0))),
    OP(reciprocal, at::reciprocal(a.t(0))),
    OP(sigmoid, at::sigmoid(a.t(0))),
    OP(tanh, at::tanh(a.t(0))),
    OP(sin, at::sin(a.t(0))),
    OP(cos, at::cos(a.t(0))),
    OP(relu, at::relu(a.t(0))),
    OP(leakyRelu, at::leaky_relu(a.t(0), a.s(1))),
    OP(logicalNot, at::logical_not(a.t(0))),
    OP(isnan, at::isnan(a.t(0))),
    OP(isinf, at::isinf(a.t(0))),
    OP(isfinite, at::isfinite(a.t(0))),

    // ---- in-place (return nothing; the JS wrapper returns the same tensor) ----
    OPV(add_, a.t(0).add_(a.t(1), a.s(2))),
    OPV(addS_, a.t(0).add_(a.s(1), a.s(2))),
    OPV(sub_, a.t(0).sub_(a.t(1), a.s(2))),
    OPV(mul_, a.t(0).mul_(a.t(1))),
    OPV(mulS_, a.t(0).mul_(a.s(1))),
    OPV(div_, a.t(0).div_(a.t(1))),
    OPV(divS_, a.t(0).div_(a.s(1))),
    OPV(addcmul_, a.t(0).addcmul_(a.t(1), a.t(2), a.s(3))),
    OPV(addcdiv_, a.t(0).addcdiv_(a.t(1), a.t(2), a.s(3))),
    OPV(copy_, a.t(0).copy_(a.t(1))),
    OPV(fill_, a.t(0).fill_(a.s(1))),
    OPV(zero_, a.t(0).zero_()),
    OPV(clamp_, a.t(0).clamp_(a.optS(1), a.optS(2))),
    OPV(relu_, a.t(0).relu_()),
    OPV(exp_, a.t(0).exp_()),
    OPV(sqrt_, a.t(0).sqrt_()),
    OPV(neg_, a.t(0).neg_()),
    OPV(maskedFill_, a.t(0).masked_fill_(a.t(1), a.s(2))),
    OPV(uniform_, a.t(0).uniform_(a.d(1), a.d(2))),
    OPV(normal_, a.t(0).normal_(a.d(1), a.d(2))),
    OPV(indexPut_, a.t(0).index_put_(indexList(a.tl(1)), a.t(2), a.b(3))),

    // ---- reductions ----
    OP(sumAll, at::sum(a.t(0))),
    OP(sum, at::sum(a.t(0), dimsRef(a.il(1)), a.b(2))),
    OP(meanAll, at::mean(a.t(0))),
    OP(mean, at::mean(a.t(0), dimsRef(a.il(1)), a.b(2))),
    OP(prod, at::prod(a.t(0), a.i(1), a.b(2))),
    OP(maxAll, at::max(a.t(0))),
    OP(max, at::max(a.t(0), a.i(1), a.b(2))),
    OP(minAll, at::min(a.t(0))),
    OP(min, at::min(a.t(0), a.i(1), a.b(2))),
    OP(amax, at::amax(a.t(0), dimsRef(a.il(1)), a.b(2))),
    OP(amin, at::amin(a.t(0), dimsRef(a.il(1)), a.b(2))),
    OP(argmax, at::argmax(a.t(0), a.optI(1), a.b(2))),
    OP(argmin, at::argmin(a.t(0), a.optI(1), a.b(2))),
    OP(anyAll, at::any(a.t(0))),
    OP(allAll, at::all(a.t(0))),
    OP(any, at::any(a.t(0), a.i(1), a.b(2))),
    OP(all, at::all(a.t(0), a.i(1), a.b(2))),
    OP(cumsum, at::cumsum(a.t(0), a.i(1))),
    OP(logsumexp, at::logsumexp(a.t(0), dimsRef(a.il(1)), a.b(2))),
    OP(std, at::std(a.t(0), dimsRef(a.il(1)), a.b(2), a.b(3))),
    OP(var, at::var(a.t(0), dimsRef(a.il(1)), a.b(2), a.b(3))),
    OP(norm, at::norm(a.t(0), a.s(1))),
    OP(countNonzero, at::count_nonzero(a.t(0), a.optI(1))),
    OP(softmax, at::softmax(a.t(0), a.i(1))),
    OP(logSoftmax, at::log_softmax(a.t(0), a.i(1))),

    // ---- shape and layout ----
    OP(reshape, a.t(0).reshape(a.il(1))),
    OP(view, a.t(0).view(a.il(1))),
    OP(permute, a.t(0).permute(a.il(1))),
    OP(transpose, a.t(0).transpose(a.i(1), a.i(2))),
    OP(flatten, a.t(0).flatten(a.i(1), a.i(2))),
    OP(expand, a.t(0).expand(a.il(1))),
    OP(squeeze, a.t(0).squeeze()),
    OP(squeezeDim, a.t(0).squeeze(a.i(1))),
    OP(unsqueeze, a.t(0).unsqueeze(a.i(1))),
    OP(contiguous, a.t(0).contiguous()),
    OP(channelsLast, a.t(0).contiguous(at::MemoryFormat::ChannelsLast)),
    OP(repeat, a.t(0).repeat(a.il(1))),
    OP(flip, a.t(0).flip(a.il(1))),
    OP(cat, at::cat(a.tl(0), a.i(1))),
    OP(stack, at::stack(a.tl(0), a.i(1))),
    OP(split, a.t(0).split(a.i(1), a.i(2))),
    OP(splitSizes, a.t(0).split_with_sizes(a.il(1), a.i(2))),
    OP(chunk, a.t(0).chunk(a.i(1), a.i(2))),
    OP(slice, a.t(0).slice(a.i(1), a.optI(2), a.optI(3), a.i(4))),
    OP(select, a.t(0).select(a.i(1), a.i(2))),
    OP(narrow, a.t(0).narrow(a.i(1), a.i(2), a.i(3))),
    OP(constantPad, at::constant_pad_nd(a.t(0), a.il(1), a.s(2))),

    // ---- indexing ----
    OP(gather, at::gather(a.t(0), a.i(1), a.t(2))),
    OP(scatter, at::scatter(a.t(0), a.i(1), a.t(2), a.t(3))),
    OP(scatterS, at::scatter(a.t(0), a.i(1), a.t(2), a.s(3))),
    OP(scatterAdd, at::scatter_add(a.t(0), a.i(1), a.t(2), a.t(3))),
    OP(indexSelect, at::index_select(a.t(0), a.i(1), a.t(2))),
    OP(index, at::index(a.t(0), indexList(a.tl(1)))),
    OP(maskedFill, at::masked_fill(a.t(0), a.t(1), a.s(2))),
    OP(maskedFillT, at::masked_fill(a.t(0), a.t(1), a.t(2))),
    OP(maskedSelect, at::masked_select(a.t(0), a.t(1))),
    OP(nonzero, at::nonzero(a.t(0))),
    OP(oneHot, at::one_hot(a.t(0), a.i(1))),
    OP(sort, at::sort(a.t(0), a.b(3), a.i(1), a.b(2))),
    OP(argsort, std::get<1>(at::sort(a.t(0), a.b(3), a.i(1), a.b(2)))),
    OP(topk, at::topk(a.t(0), a.i(1), a.i(2), a.b(3), a.b(4))),

    // ---- linear algebra and neural-network primitives ----
    OP(matmul, at::matmul(a.t(0), a.t(1))),
    OP(mm, at::mm(a.t(0), a.t(1))),
    OP(bmm, at::bmm(a.t(0), a.t(1))),
    OP(linear, at::linear(a.t(0), a.t(1), a.optT(2))),
    OP(conv2d, conv2d(a.t(0), a.t(1), a.optT(2), a.il(3), a.il(4), a.il(5), a.i(6))),
    OP(conv2dWinograd, winogradConv2d(a.t(0), a.t(1), a.optT(2), a.i(3))),
    OP(winogradAvailable, winogradAvailable()),
    OP(setWinogradScratchBudget, setWinogradScratchBudget(a.i(0))),
    OP(conv2dWinogradGemm, winogradGemmConv2d(a.t(0), a.t(1), a.optT(2), a.i(3))),
    OP(setWinogradGemmBudget, setWinogradGemmBudget(a.i(0))),
    OP(cpuIsa, cpuIsaReport()),
    OP(parallelForThreads, parallelForThreads(a.i(0))),
    OP(cpuCacheInstalled, installCpuCache()),
    OP(cpuCacheStats, at::IntArrayRef(cacheStatsList())),
    OPV(emptyCpuCache, emptyCpuCache()),
    OPV(startOpProfile, startOpProfile(a.str(0))),
    OP(stopOpProfile, stopOpProfile()),
    OP(maxPool2d, maxPool2d(a.t(0), a.il(1), a.il(2), a.il(3), a.il(4), a.b(5))),
    OP(avgPool2d, at::avg_pool2d(a.t(0), a.il(1), a.il(2), a.il(3), a.b(4), a.b(5))),
    OP(adaptiveAvgPool2d, at::adaptive_avg_pool2d(a.t(0), a.il(1))),
    OP(batchNorm, at::batch_norm(a.t(0), a.optT(1), a.optT(2), a.optT(3), a.optT(4), a.b(5), a.d(6), a.d(7), true)),
    OP(dropout, at::dropout(a.t(0), a.d(1), a.b(2))),
    OP(huberLoss, at::huber_loss(a.t(0), a.t(1), a.i(2), a.d(3))),
    OP(nllLoss, at::nll_loss(a.t(0), a.t(1), a.optT(2), a.i(3), a.i(4))),

    // ---- autograd ----
    OPV(requiresGrad_, a.t(0).requires_grad_(a.b(1))),
    OP(requiresGrad, a.t(0).requires_grad()),
    OP(isLeaf, a.t(0).is_leaf()),
    OP(grad, a.t(0).grad()),
    OPV(clearGrad, a.t(0).mutable_grad().reset()),
    OPV(setGrad, a.t(0).mutable_grad() = a.t(1)),
    OPV(retainGrad, a.t(0).retain_grad()),
    OPV(backward, a.t(0).backward(a.isNull(1) ? at::Tensor() : a.t(1), a.b(2), false)),
    OP(detach, a.t(0).detach()),
    OPV(detach_, a.t(0).detach_()),

    // ---- mixed precision: libtorch's autocast per device type (compat.h bridges the 1.13 and 2.x APIs) ----
    OP(autocastEnabled, compat::autocastEnabled(a.device(0).type())),
    OPV(setAutocastEnabled, compat::setAutocastEnabled(a.device(0).type(), a.b(1))),
    OP(autocastDtype, static_cast<int64_t>(compat::autocastDtype(a.device(0).type()))),
    OPV(setAutocastDtype, compat::setAutocastDtype(a.device(0).type(), a.dtype(1))),
    OPV(autocastEnter, compat::autocastEnter()),
    OPV(autocastExit, compat::autocastExit()),

    // ---- devices ----
    OP(torchVersion, std::string(compat::torchVersion())),
    OP(cudaDevices, cudaDevicesJson()),
    OP(cudaMemoryUsed, cudaMemoryUsed()),
    OPV(synchronize, synchronize(a.device(0))),
    OP(pinMemory, a.t(0).pin_memory()),
    OP(isPinned, a.t(0).is_pinned()),
    OP(toDeviceNonBlocking, a.t(0).to(a.t(0).options().device(a.device(1)), true)),
    OPV(setAllowTF32, (at::globalContext().setAllowTF32CuDNN(a.b(0)), at::globalContext().setAllowTF32CuBLAS(a.b(0)))),
    OPV(setCudnnBenchmark, at::globalContext().setBenchmarkCuDNN(a.b(0))),
};

const size_t kNumOps = sizeof(kOps) / sizeof(kOps[0]);

}  // namespace ssdkit
