// Which instruction set the benchmarks' two sides run, and forcing both to AVX2 on an AVX-512 machine
// (bench/ssd.ts, bench/ops.ts): `--isa avx2` or SSDKIT_BENCH_ISA=avx2 re-runs the benchmark as a child whose
// environment caps oneDNN (DNNL_MAX_CPU_ISA=AVX2), ATen (ATEN_CPU_CAPABILITY=avx2) and OpenBLAS
// (OPENBLAS_CORETYPE=Haswell); the PyTorch reference process inherits it. The libraries read these variables
// once, at their first kernel, so they must be in the environment before the process starts.
//
//   const code = reexecForIsa(requestedIsa(argv));  // null: this process already runs the ISA asked for
//   console.log(isaLines(torchFacts.isa));          // the effective ISAs and the oneDNN kernels each side runs
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpuIsa } from '../src/tensor/index.js';
import { PYTHON } from './pythonChild.js';

export type BenchIsa = 'native' | 'avx2';

/** The environment that caps every CPU kernel library libtorch uses at AVX2. */
export const AVX2_ENV: Readonly<Record<string, string>> = { DNNL_MAX_CPU_ISA: 'AVX2', ATEN_CPU_CAPABILITY: 'avx2', OPENBLAS_CORETYPE: 'Haswell' };

/** `--isa avx2|native` (flag first, then SSDKIT_BENCH_ISA; default native). */
export function requestedIsa(argv: string[]): BenchIsa {
  const i = argv.indexOf('--isa');
  const v = i >= 0 ? argv[i + 1] : process.env.SSDKIT_BENCH_ISA || 'native';
  if (v !== 'native' && v !== 'avx2') throw new Error(`--isa (or SSDKIT_BENCH_ISA) must be avx2 or native, got '${String(v)}'`);
  return v;
}

/**
 * When `isa` is avx2 and this process's environment does not already force it, runs this same script again as a
 * child with AVX2_ENV (output passed through) and returns its exit code; null when this process is already right.
 */
export function reexecForIsa(isa: BenchIsa): number | null {
  if (isa === 'native' || Object.entries(AVX2_ENV).every(([k, v]) => process.env[k] === v)) return null;
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, ...AVX2_ENV } });
  return r.status ?? 1;
}

// The same 3x3 convolution (64 -> 64 channels, 19x19, padding 1), forward and backward, on each side.
const TENSOR_INDEX = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'tensor', 'index.js')).href;
const SSDKIT_PROBE = `
import { conv2d, randn, tidy, withConvAlgorithm } from '${TENSOR_INDEX}';
for (const algorithm of ['direct', 'auto']) withConvAlgorithm(algorithm, () => tidy(() => {
  const [x, w] = [randn([1, 64, 19, 19]).requiresGrad_(), randn([64, 64, 3, 3]).requiresGrad_()];
  conv2d(x, w, null, { padding: 1 }).sum().backward();
}));`;
const TORCH_PROBE = `
import torch
x, w = torch.randn(1, 64, 19, 19, requires_grad=True), torch.randn(64, 64, 3, 3, requires_grad=True)
torch.nn.functional.conv2d(x, w, padding=1).sum().backward()`;

/** The distinct oneDNN convolution kernels (implementation and direction) a probe ran, from DNNL_VERBOSE=1. */
function convKernels(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, DNNL_VERBOSE: '1' }, timeout: 120_000 });
  if (r.status !== 0) return `probe failed: ${(r.stderr || String(r.error)).trim().split('\n').pop()}`;
  const kernels = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    const f = line.split(',');
    if (/^(dnnl|onednn)_verbose$/.test(f[0] ?? '') && f[1] === 'exec' && f[3] === 'convolution') kernels.add(`${f[4]} ${f[5]}`);
  }
  return kernels.size ? [...kernels].join(', ') : 'no oneDNN convolution ran';
}

/**
 * Two lines per side: the effective ISAs (oneDNN, ATen, OpenBLAS) and the oneDNN convolution kernels a small
 * probe convolution actually runs (DNNL_VERBOSE=1), so a forcing that did not take effect shows. `torchIsa`:
 * the Python reference's own report (bench/cpu_isa.py).
 */
export function isaLines(torchIsa: unknown): string[] {
  const ours = convKernels(process.execPath, ['--input-type=module', '-e', SSDKIT_PROBE]);
  const theirs = convKernels(PYTHON, ['-c', TORCH_PROBE]);
  const forced = Object.entries(AVX2_ENV).every(([k, v]) => process.env[k] === v);
  const leaked = forced && /avx512/.test(ours + theirs);
  return [
    `isa: ssdkit ${cpuIsa()}; torch ${String(torchIsa)}${forced ? ' (forced to AVX2)' : ''}`,
    `oneDNN conv kernels (DNNL_VERBOSE, 64->64 3x3 fwd+bwd): ssdkit ${ours}; torch ${theirs}`,
    ...(leaked ? ['WARNING: AVX2 was forced but an AVX-512 kernel ran; these numbers are not AVX2 numbers'] : []),
  ];
}
