// native/libtorch-config.cjs on a pip-torch-shaped folder (LIBTORCH=<torch dir>): include and lib folders, the
// C++ ABI read from TorchConfig.cmake or from libc10's symbols, CUDA libraries and headers when present. The
// folder is built from Debian's libtorch (symlinks) plus small stand-in files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, symlinkSync, writeFileSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';

const SCRIPT = join(ROOT, 'native', 'libtorch-config.cjs');
const DEBIAN_LIB = '/usr/lib/x86_64-linux-gnu';

function config(libtorch: string, what: string, env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, [SCRIPT, what], { env: { ...process.env, LIBTORCH: libtorch, ...env }, encoding: 'utf8' }).trim();
}

/** site-packages/torch with include/ -> /usr/include and lib/ holding links to Debian's libraries. */
function pipLayout(): { site: string; torch: string } {
  const site = mkdtempSync(join(tmpdir(), 'ssdkit-pip-'));
  const torch = join(site, 'torch');
  mkdirSync(join(torch, 'lib'), { recursive: true });
  symlinkSync('/usr/include', join(torch, 'include'));
  for (const f of readdirSync(DEBIAN_LIB).filter((f) => /^lib(torch|torch_cpu|c10)\.so/.test(f))) symlinkSync(join(DEBIAN_LIB, f), join(torch, 'lib', f));
  return { site, torch };
}

test('libtorch-config: a pip torch folder gives its include/lib folders, rpath, and the ABI from libc10', () => {
  const { site, torch } = pipLayout();
  try {
    assert.equal(config(torch, 'include'), `${torch}/include ${torch}/include/torch/csrc/api/include`);
    const libs = config(torch, 'libs');
    assert.match(libs, new RegExp(`^-L${torch}/lib -Wl,-rpath,${torch}/lib -Wl,--no-as-needed -ltorch -ltorch_cpu -lc10 -fopenmp -Wl,--as-needed$`));
    // Debian's libc10 is built with the new ABI (std::__cxx11 in its symbols); no oneDNN link outside /usr; the
    // collectives when the folder's headers include Gloo's (here /usr/include, with libgloo-dev installed)
    const gloo = existsSync('/usr/include/gloo/config.h') ? ' SSDKIT_WITH_C10D=1 USE_C10D_GLOO=1' : '';
    assert.equal(config(torch, 'defines'), `SSDKIT_WITH_DNNL=0 _GLIBCXX_USE_CXX11_ABI=1 SSDKIT_CUDA_HEADERS=0${gloo}`);
  } finally {
    rmSync(site, { recursive: true, force: true });
  }
});

test('libtorch-config: TorchConfig.cmake decides the ABI; a libc10 without __cxx11 symbols means the old ABI', () => {
  const { site, torch } = pipLayout();
  try {
    mkdirSync(join(torch, 'share', 'cmake', 'Torch'), { recursive: true });
    writeFileSync(join(torch, 'share', 'cmake', 'Torch', 'TorchConfig.cmake'), '  set(TORCH_CXX_FLAGS "-D_GLIBCXX_USE_CXX11_ABI=0")\n');
    assert.match(config(torch, 'defines'), /_GLIBCXX_USE_CXX11_ABI=0/);
    rmSync(join(torch, 'share'), { recursive: true });
    rmSync(join(torch, 'lib', 'libc10.so'));
    writeFileSync(join(torch, 'lib', 'libc10.so'), 'ELF stand-in: _ZN3c105ErrorC1ESsSs (old-ABI std::string is Ss)');
    assert.match(config(torch, 'defines'), /_GLIBCXX_USE_CXX11_ABI=0/);
  } finally {
    rmSync(site, { recursive: true, force: true });
  }
});

test('libtorch-config: CUDA libraries are linked, and CUDA/NCCL headers from pip nvidia packages are added', () => {
  const { site, torch } = pipLayout();
  try {
    for (const l of ['libtorch_cuda.so', 'libc10_cuda.so']) writeFileSync(join(torch, 'lib', l), '');
    assert.match(config(torch, 'libs'), /-lc10 -ltorch_cuda -lc10_cuda -fopenmp -Wl,--as-needed$/);
    for (const [pkg, h] of [['cu13', 'cuda_runtime_api.h'], ['nccl', 'nccl.h']] as const) {
      mkdirSync(join(site, 'nvidia', pkg, 'include'), { recursive: true });
      writeFileSync(join(site, 'nvidia', pkg, 'include', h), '');
    }
    const inc = config(torch, 'include').split(' ');
    assert.deepEqual(inc.slice(2).sort(), [join(site, 'nvidia', 'cu13', 'include'), join(site, 'nvidia', 'nccl', 'include')].sort());
    assert.match(config(torch, 'defines'), /SSDKIT_CUDA_HEADERS=1/);
  } finally {
    rmSync(site, { recursive: true, force: true });
  }
});

test('libtorch-config: C++17, or C++20 when ATen.h demands it (torch >= 2.14)', () => {
  const { site, torch } = pipLayout();
  const fake = mkdtempSync(join(tmpdir(), 'ssdkit-torch214-'));
  try {
    assert.equal(config(torch, 'std'), '-std=c++17');
    mkdirSync(join(fake, 'include', 'ATen'), { recursive: true });
    mkdirSync(join(fake, 'lib'));
    writeFileSync(join(fake, 'include', 'ATen', 'ATen.h'), '#if !defined(_MSC_VER) && __cplusplus < 202002L\n#error C++20 or later compatible compiler is required to use ATen.\n#endif\n');
    for (const l of ['libtorch_cpu.so', 'libc10.so']) writeFileSync(join(fake, 'lib', l), '_ZN3c105ErrorC1ENSt7__cxx1112basic_stringE');
    assert.equal(config(fake, 'std'), '-std=c++20');
  } finally {
    rmSync(site, { recursive: true, force: true });
    rmSync(fake, { recursive: true, force: true });
  }
});

test('libtorch-config: a folder without libtorch is a clear error', () => {
  const empty = mkdtempSync(join(tmpdir(), 'ssdkit-empty-'));
  try {
    assert.throws(() => execFileSync(process.execPath, [SCRIPT, 'libs'], { env: { ...process.env, LIBTORCH: empty }, encoding: 'utf8', stdio: 'pipe' }), /has no include\/ATen\/ATen.h or lib\/libtorch_cpu.so/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('libtorch-config: OpenMP - compiled with -fopenmp, linked to the runtime a pip torch bundles, else the compiler\'s', () => {
  const { site, torch } = pipLayout();
  try {
    assert.equal(config(torch, 'openmp'), '-fopenmp');
    assert.match(config(torch, 'cflags'), /^-fopenmp -I/);
    assert.match(config(torch, 'libs'), / -fopenmp -Wl,--as-needed$/, 'no bundled runtime: the compiler driver links its libgomp');
    writeFileSync(join(torch, 'lib', 'libgomp-a34b3233.so.1'), '');
    assert.match(config(torch, 'libs'), / -l:libgomp-a34b3233\.so\.1 -lpthread -Wl,--as-needed$/, 'the bundled libgomp, so one OpenMP pool serves libtorch and the addon');
    assert.equal(config(torch, 'openmp', { SSDKIT_OPENMP: '0' }), '');
    assert.doesNotMatch(config(torch, 'libs', { SSDKIT_OPENMP: '0' }), /gomp|openmp/);
  } finally {
    rmSync(site, { recursive: true, force: true });
  }
});
