// Prints the compiler/linker settings for the libtorch the addon is built against (binding.gyp calls it).
// LIBTORCH=/path/to/libtorch selects an unpacked libtorch distribution (for example a CUDA build:
// <dir>/include, <dir>/lib); unset, Debian's libtorch-dev layout under /usr is used.
'use strict';
const fs = require('fs');
const path = require('path');

function debian() {
  const multiarch = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib'].find((d) =>
    fs.existsSync(path.join(d, 'libtorch_cpu.so')));
  return {
    include: ['/usr/include', '/usr/include/torch/csrc/api/include'],
    lib: multiarch,
    headerProbe: '/usr/include/ATen/ATen.h',
  };
}

function custom(root) {
  return {
    include: [path.join(root, 'include'), path.join(root, 'include/torch/csrc/api/include')],
    lib: path.join(root, 'lib'),
    headerProbe: path.join(root, 'include/ATen/ATen.h'),
  };
}

const root = process.env.LIBTORCH;
const cfg = root ? custom(path.resolve(root)) : debian();
if (!cfg.lib || !fs.existsSync(cfg.headerProbe)) {
  process.stderr.write(
    root
      ? `ssdkit: LIBTORCH=${root} has no include/ATen/ATen.h or lib/libtorch_cpu.so\n`
      : 'ssdkit: libtorch not found. Install Debian packages: apt-get install libtorch-dev libopenblas0-pthread libdnnl-dev\n' +
        '        (or set LIBTORCH to an unpacked libtorch directory)\n');
  process.exit(1);
}
// oneDNN's own headers and library (Debian: libdnnl-dev, the libdnnl.so.2 Debian's libtorch links) enable the
// Winograd convolution op (native/src/winograd.cc). SSDKIT_DNNL=0 builds without it.
function dnnl() {
  if (process.env.SSDKIT_DNNL === '0') return null;
  const lib = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib'].find((d) => fs.existsSync(path.join(d, 'libdnnl.so')));
  return lib && fs.existsSync('/usr/include/oneapi/dnnl/dnnl.hpp') ? { lib } : null;
}

const what = process.argv[2];
// c10d's Gloo process group needs Gloo's headers (Debian: libgloo-dev; libtorch_cpu.so already links libgloo) and
// USE_C10D_GLOO (ProcessGroupGloo.hpp is empty without it); a CUDA libtorch adds NCCL. SSDKIT_C10D=0 builds without.
function c10d() {
  if (process.env.SSDKIT_C10D === '0') return [];
  const dirs = [...cfg.include, '/usr/include'];
  const has = (f) => dirs.some((d) => fs.existsSync(path.join(d, f)));
  if (!has('torch/csrc/distributed/c10d/ProcessGroupGloo.hpp') || !has('gloo/config.h')) return [];
  const out = ['SSDKIT_WITH_C10D=1', 'USE_C10D_GLOO=1'];
  if (fs.existsSync(path.join(cfg.lib, 'libtorch_cuda.so')) && has('torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp')) out.push('USE_C10D_NCCL=1');
  return out;
}

if (what === 'defines') {
  console.log([`SSDKIT_WITH_DNNL=${dnnl() ? 1 : 0}`, ...c10d()].join(' '));
} else if (what === 'include') {
  console.log(cfg.include.join(' '));
} else if (what === 'libs') {
  const libs = ['-L' + cfg.lib, '-Wl,-rpath,' + cfg.lib, '-Wl,--no-as-needed', '-ltorch', '-ltorch_cpu', '-lc10'];
  // A CUDA build of libtorch registers its kernels from these libraries; link them when present.
  for (const extra of ['torch_cuda', 'c10_cuda']) {
    if (fs.existsSync(path.join(cfg.lib, `lib${extra}.so`))) libs.push('-l' + extra);
  }
  const d = dnnl();
  if (d) libs.push('-L' + d.lib, '-ldnnl');
  libs.push('-Wl,--as-needed');
  console.log(libs.join(' '));
} else {
  console.log(JSON.stringify(cfg));
}
