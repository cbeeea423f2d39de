// Prints the compiler/linker settings for the libtorch the addon is built against (binding.gyp and
// scripts/gpu-check.sh call it). Two layouts:
//   * unset LIBTORCH: Debian's libtorch-dev 1.13 under /usr (CPU);
//   * LIBTORCH=DIR: an unpacked libtorch or a pip torch folder (`python3 -c 'import torch,os;
//     print(os.path.dirname(torch.__file__))'`): DIR/include, DIR/include/torch/csrc/api/include, DIR/lib.
// The C++ ABI flag (_GLIBCXX_USE_CXX11_ABI) is read from the library itself, without importing Python:
// TorchConfig.cmake's TORCH_CXX_FLAGS when present, else whether libc10.so's symbols use std::__cxx11.
// A CUDA build also links libtorch_cuda/libc10_cuda, and when the CUDA runtime and NCCL headers are found
// (pip's nvidia-* packages next to torch, or /usr/local/cuda) their include folders are added and
// SSDKIT_CUDA_HEADERS=1 is defined (native/src/dist.cc's NCCL process group needs them).
//
// The addon is compiled with -fopenmp: ATen's at::parallel_for is a header template that runs its loop on
// libtorch's OpenMP threads only where the including file was compiled with OpenMP (otherwise it silently runs
// serially: the BLAS Winograd's blocks ran on one core at any thread count). It links the OpenMP runtime
// libtorch itself uses, so that one thread pool serves both: the copy a pip torch bundles in its lib folder
// (libgomp-<hash>.so.1), else the compiler's libgomp (Debian's libtorch links that one). SSDKIT_OPENMP=0
// builds without it.
//
// The C++ standard is C++17 unless the headers demand C++20 (torch >= 2.14's ATen.h has an #error for older modes).
//
//   node native/libtorch-config.cjs include|libs|defines|std|openmp|cflags|json
'use strict';
const fs = require('fs');
const path = require('path');

const MULTIARCH = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib'];

function debian() {
  const lib = MULTIARCH.find((d) => fs.existsSync(path.join(d, 'libtorch_cpu.so')));
  return {
    root: '/usr',
    include: ['/usr/include', '/usr/include/torch/csrc/api/include'],
    lib,
    headerProbe: '/usr/include/ATen/ATen.h',
    cmakeConfig: lib && path.join(lib, 'cmake/Torch/TorchConfig.cmake'),
  };
}

function custom(root) {
  return {
    root,
    include: [path.join(root, 'include'), path.join(root, 'include/torch/csrc/api/include')],
    lib: path.join(root, 'lib'),
    headerProbe: path.join(root, 'include/ATen/ATen.h'),
    cmakeConfig: path.join(root, 'share/cmake/Torch/TorchConfig.cmake'),
  };
}

/** The libc10 shared object in `lib` (libc10.so, or a versioned name when only that exists). */
function libc10(lib) {
  const plain = path.join(lib, 'libc10.so');
  if (fs.existsSync(plain)) return plain;
  const versioned = fs.readdirSync(lib).find((f) => /^libc10\.so\.\d/.test(f));
  return versioned ? path.join(lib, versioned) : null;
}

/**
 * 1 or 0: the _GLIBCXX_USE_CXX11_ABI the library was compiled with. TorchConfig.cmake states it; otherwise the
 * new ABI puts std::string in the inline namespace std::__cxx11, whose mangled name ("St7__cxx11" /
 * "B5cxx11") shows in libc10's dynamic symbols (c10::Error and friends take std::string); the old ABI never does.
 */
function cxx11Abi(cfg) {
  if (cfg.cmakeConfig && fs.existsSync(cfg.cmakeConfig)) {
    const m = /_GLIBCXX_USE_CXX11_ABI=([01])/.exec(fs.readFileSync(cfg.cmakeConfig, 'utf8'));
    if (m) return Number(m[1]);
  }
  const so = libc10(cfg.lib);
  if (!so) throw new Error(`ssdkit: no libc10.so in ${cfg.lib}`);
  const bytes = fs.readFileSync(so);
  return bytes.includes('St7__cxx11') || bytes.includes('B5cxx11') ? 1 : 0;
}

/** Include folders of the CUDA runtime and NCCL headers, when both are found. */
function cudaHeaders(cfg) {
  const nvidia = path.join(cfg.root, '..', 'nvidia');
  const candidates = [];
  if (fs.existsSync(nvidia)) {
    for (const pkg of fs.readdirSync(nvidia)) candidates.push(path.join(nvidia, pkg, 'include'));
  }
  candidates.push('/usr/local/cuda/include', '/usr/include');
  const find = (header) => candidates.find((d) => fs.existsSync(path.join(d, header)));
  const runtime = find('cuda_runtime_api.h');
  const nccl = find('nccl.h');
  return runtime && nccl ? [...new Set([runtime, nccl])] : null;
}

/** '-std=c++20' when ATen.h refuses older language modes (it tests __cplusplus < 202002L), else '-std=c++17'. */
function cxxStd(cfg) {
  return fs.readFileSync(cfg.headerProbe, 'utf8').includes('202002L') ? '-std=c++20' : '-std=c++17';
}

/** Compile flags for OpenMP ('-fopenmp'), or none with SSDKIT_OPENMP=0. */
function openmp() {
  return process.env.SSDKIT_OPENMP === '0' ? [] : ['-fopenmp'];
}

/** Link flags for the OpenMP runtime libtorch uses: the one in its lib folder when it bundles one. */
function openmpLibs(cfg) {
  if (openmp().length === 0) return [];
  const bundled = fs.readdirSync(cfg.lib).find((f) => /^lib(gomp|iomp5)[-.\w]*\.so(\.\d+)*$/.test(f));
  return bundled ? ['-l:' + bundled, '-lpthread'] : ['-fopenmp'];
}

function hasCudaLibs(cfg) {
  return fs.existsSync(path.join(cfg.lib, 'libtorch_cuda.so'));
}

// oneDNN's own headers and library (Debian: libdnnl-dev, the libdnnl.so.2 Debian's libtorch links) enable the
// Winograd convolution op (native/src/winograd.cc). Only with Debian's libtorch (a pip torch has its own oneDNN
// built in); SSDKIT_DNNL=0 builds without it.
function dnnl(cfg) {
  if (process.env.SSDKIT_DNNL === '0' || cfg.root !== '/usr') return null;
  const lib = MULTIARCH.find((d) => fs.existsSync(path.join(d, 'libdnnl.so')));
  return lib && fs.existsSync('/usr/include/oneapi/dnnl/dnnl.hpp') ? { lib } : null;
}

// c10d's Gloo process group needs Gloo's headers (Debian: libgloo-dev; libtorch_cpu.so already links libgloo) and
// USE_C10D_GLOO (ProcessGroupGloo.hpp is empty without it); a CUDA libtorch with NCCL's headers adds NCCL.
// SSDKIT_C10D=0 builds without the collectives (native/src/dist.cc).
function c10d(cfg) {
  if (process.env.SSDKIT_C10D === '0') return [];
  const dirs = includes(cfg);
  const has = (f) => dirs.some((d) => fs.existsSync(path.join(d, f)));
  if (!has('torch/csrc/distributed/c10d/ProcessGroupGloo.hpp') || !has('gloo/config.h')) return [];
  const out = ['SSDKIT_WITH_C10D=1', 'USE_C10D_GLOO=1'];
  if (hasCudaLibs(cfg) && has('torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp') && has('nccl.h')) out.push('USE_C10D_NCCL=1');
  return out;
}

function includes(cfg) {
  const cuda = hasCudaLibs(cfg) ? cudaHeaders(cfg) : null;
  return cuda ? [...cfg.include, ...cuda] : cfg.include;
}

function defines(cfg) {
  const cuda = hasCudaLibs(cfg) && cudaHeaders(cfg) !== null;
  return [`SSDKIT_WITH_DNNL=${dnnl(cfg) ? 1 : 0}`, `_GLIBCXX_USE_CXX11_ABI=${cxx11Abi(cfg)}`, `SSDKIT_CUDA_HEADERS=${cuda ? 1 : 0}`, ...c10d(cfg)];
}

function libs(cfg) {
  const out = ['-L' + cfg.lib, '-Wl,-rpath,' + cfg.lib, '-Wl,--no-as-needed', '-ltorch', '-ltorch_cpu', '-lc10'];
  // A CUDA build of libtorch registers its kernels from these libraries; link them when present.
  for (const extra of ['torch_cuda', 'c10_cuda']) {
    if (fs.existsSync(path.join(cfg.lib, `lib${extra}.so`))) out.push('-l' + extra);
  }
  const d = dnnl(cfg);
  if (d) out.push('-L' + d.lib, '-ldnnl');
  out.push(...openmpLibs(cfg), '-Wl,--as-needed');
  return out;
}

function main() {
  const root = process.env.LIBTORCH;
  const cfg = root ? custom(path.resolve(root)) : debian();
  if (!cfg.lib || !fs.existsSync(cfg.headerProbe) || !fs.existsSync(path.join(cfg.lib, 'libtorch_cpu.so'))) {
    process.stderr.write(
      root
        ? `ssdkit: LIBTORCH=${root} has no include/ATen/ATen.h or lib/libtorch_cpu.so\n`
        : 'ssdkit: libtorch not found. Install Debian packages: apt-get install libtorch-dev libopenblas0-pthread libdnnl-dev\n' +
          '        (or set LIBTORCH to an unpacked libtorch directory or a pip torch folder)\n');
    process.exit(1);
  }
  const what = process.argv[2];
  if (what === 'defines') console.log(defines(cfg).join(' '));
  else if (what === 'include') console.log(includes(cfg).join(' '));
  else if (what === 'libs') console.log(libs(cfg).join(' '));
  else if (what === 'std') console.log(cxxStd(cfg));
  else if (what === 'openmp') console.log(openmp().join(' '));
  else if (what === 'cflags') console.log([...openmp(), ...includes(cfg).map((d) => '-I' + d), ...defines(cfg).map((d) => '-D' + d)].join(' '));
  else console.log(JSON.stringify({ ...cfg, cxx11Abi: cxx11Abi(cfg), std: cxxStd(cfg), cuda: hasCudaLibs(cfg), cudaHeaders: cudaHeaders(cfg) }));
}

main();
