// `npm run bench:ops`: ssdkit's op speed side by side with PyTorch (python3-torch, the same libtorch build) in
// the same run and thread count. A /usr/bin/python3 bench/ops_torch.py child answers timing requests, and the
// two sides run alternating rounds (ABBA) so both see the same machine conditions; each line reports medians.
//
//   node dist/bench/ops.js [--rounds 5] [--verbose] [--isa avx2] [--tiny-only]
// --isa avx2 (or SSDKIT_BENCH_ISA=avx2): both sides capped at AVX2 kernels (bench/isa.ts).
//   → conv2d 3x3 512->512 38x38 b1 fwd: ssdkit 29.88 ms, torch 29.76 ms, ratio 1.004
// The plain conv lines use libtorch's algorithm on both sides (the engine's overhead over the same kernels);
// the '(winograd)' lines are ssdkit's default for this layer where oneDNN has Winograd (AVX-512), the
// '(winograd-gemm)' lines its default where oneDNN has none (native/src/winogradGemm.cc; src/tensor/convAlgorithm.ts).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { conv2d, getNumThreads, keep, manualSeed, ones, randn, tidy, winogradAvailable, withConvAlgorithm, type ConvAlgorithm, type Tensor } from '../src/tensor/index.js';
import { isaLines, reexecForIsa, requestedIsa, type BenchIsa } from './isa.js';
import { PythonChild } from './pythonChild.js';
import { fmt, interleave, loadAverage, median, summarize, timePerCall, timeReps, type RepOptions } from './timing.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'ops_torch.py');
const RATIO_GOAL = 1.05;
const TINY_GOAL_US = 3;

// ---- the ssdkit cases (same shapes, same steps as ops_torch.py) ----

interface Case {
  name: string;
  /** The key in ops_torch.py. */
  torch: string;
  reps: RepOptions;
  step: () => void;
}

function convTensors(grad: boolean): { x: Tensor; w: Tensor; b: Tensor; g: Tensor } {
  const [x, w, b, g] = keep(tidy(() => [randn([1, 512, 38, 38]), randn([512, 512, 3, 3]).mul(0.01), randn([512]), ones([1, 512, 38, 38])]));
  if (grad) for (const t of [x, w, b]) t.requiresGrad_();
  return { x, w, b, g };
}

function makeCases(): Case[] {
  const f = convTensors(false);
  const t = convTensors(true);
  const [ma, mb] = keep(tidy(() => [randn([1024, 1024]), randn([1024, 1024])]));
  // The engine's overhead over the same kernels: ssdkit's conv2d with libtorch's (direct) algorithm; then the
  // same convolution through ssdkit's default, oneDNN's Winograd algorithm, against the same torch figures.
  const convCases = (algorithm: ConvAlgorithm, suffix: string): Case[] => [
    {
      name: `conv2d 3x3 512->512 38x38 b1 fwd${suffix}`,
      torch: 'conv_fwd',
      reps: { warmup: 2, reps: 10 },
      step: () => withConvAlgorithm(algorithm, () => tidy(() => void conv2d(f.x, f.w, f.b, { stride: 1, padding: 1 }))),
    },
    {
      name: `conv2d 3x3 512->512 38x38 b1 fwd+bwd${suffix}`,
      torch: 'conv_fwd_bwd',
      reps: { warmup: 1, reps: 6 },
      step: () => {
        for (const p of [t.x, t.w, t.b]) p.zeroGrad();
        withConvAlgorithm(algorithm, () => tidy(() => conv2d(t.x, t.w, t.b, { stride: 1, padding: 1 }).backward(t.g)));
      },
    },
  ];
  return [
    ...convCases('direct', ''),
    ...(winogradAvailable() ? convCases('winograd', ' (winograd)') : []),
    ...convCases('winograd-gemm', ' (winograd-gemm)'),
    {
      name: 'matmul 1024x1024 @ 1024x1024',
      torch: 'matmul',
      reps: { warmup: 2, reps: 10 },
      step: () => tidy(() => void ma.matmul(mb)),
    },
  ];
}

/** Per-call µs of a one-element add whose result a tidy() scope frees. */
function tinyAdd(o: RepOptions & { batch: number }): number[] {
  const [a, b] = keep([ones([1]), ones([1])]);
  try {
    return timePerCall(
      (n) =>
        tidy(() => {
          for (let i = 0; i < n; i++) a.add(b);
        }),
      o,
    );
  } finally {
    a.dispose();
    b.dispose();
  }
}

// ---- main ----

function parseArgs(argv: string[]): { rounds: number; verbose: boolean; isa: BenchIsa; tinyOnly: boolean } {
  const i = argv.indexOf('--rounds');
  const rounds = i >= 0 ? Number(argv[i + 1]) : 5;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds needs a positive integer');
  return { rounds, verbose: argv.includes('--verbose'), isa: requestedIsa(argv), tinyOnly: argv.includes('--tiny-only') };
}

function spread(label: string, s: number[], unit: string): string {
  const q = summarize(s);
  return `${label} min ${fmt(q.min)} p25 ${fmt(q.p25)} p75 ${fmt(q.p75)} max ${fmt(q.max)} ${unit} (n=${q.n})`;
}

async function main(): Promise<number> {
  const { rounds, verbose, isa, tinyOnly } = parseArgs(process.argv.slice(2));
  const forced = reexecForIsa(isa);
  if (forced !== null) return forced;
  const threads = getNumThreads();
  const torch = new PythonChild(SCRIPT, threads, 'python3 and python3-torch');
  let info;
  try {
    info = await torch.ready();
  } catch (e) {
    console.error(`bench:ops: PyTorch reference unavailable: ${(e as Error).message}`);
    console.error('It needs /usr/bin/python3 with torch (Debian: apt-get install python3-torch).');
    torch.close();
    return 2;
  }
  manualSeed(0);
  console.log(`threads: ssdkit ${threads}, torch ${info.threads} (torch ${info.torch}, mkldnn ${info.mkldnn ? 'on' : 'off'}); rounds ${rounds}`);
  for (const line of isaLines(info.isa)) console.log(line);
  console.log(`load before: ${loadAverage()}`);
  const failures: string[] = [];
  try {
    for (const c of tinyOnly ? [] : makeCases()) {
      const r = await interleave(rounds, () => timeReps(c.step, c.reps), () => torch.samples({ case: c.torch, ...c.reps }));
      const [a, b] = [median(r.a), median(r.b)];
      const ratio = a / b;
      console.log(`${c.name}: ssdkit ${fmt(a)} ms, torch ${fmt(b)} ms, ratio ${ratio.toFixed(3)}`);
      if (verbose) console.log(`  ${spread('ssdkit', r.a, 'ms')}; ${spread('torch', r.b, 'ms')}`);
      if (ratio > RATIO_GOAL) failures.push(`${c.name} ratio ${ratio.toFixed(3)} > ${RATIO_GOAL}`);
    }
    const tinyOpts = { warmup: 3, reps: 10, batch: 2000 };
    const r = await interleave(rounds, () => tinyAdd(tinyOpts), () => torch.samples({ case: 'tiny_add', ...tinyOpts }));
    const us = median(r.a);
    console.log(`tiny-op: ${fmt(us)} us`);
    console.log(`torch tiny-op: ${fmt(median(r.b))} us (context)`);
    if (verbose) console.log(`  ${spread('ssdkit', r.a, 'us')}; ${spread('torch', r.b, 'us')}`);
    if (us > TINY_GOAL_US) failures.push(`tiny-op ${fmt(us)} us > ${TINY_GOAL_US} us`);
  } finally {
    torch.close();
  }
  console.log(`load after: ${loadAverage()}`);
  console.log(failures.length === 0 ? `goal (ratios <= ${RATIO_GOAL}, tiny-op <= ${TINY_GOAL_US} us): met` : `goal not met: ${failures.join('; ')}`);
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    console.error(`bench:ops failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
