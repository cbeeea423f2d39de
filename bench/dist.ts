// Data-parallel training speed (issue 14): `npm run bench:dist`.
//  1. allreduce: SSD300's 26,285,486 float32 gradients summed between 2 processes over 127.0.0.1 with ssdkit's
//     c10d Gloo group (bench/distWorker.ts) and with torch.distributed's Gloo in Python (bench/dist_torch.py), in
//     alternating rounds of the same run; median ms per allreduce.
//  2. training: `ssdkit train` images/s of the demo SSD and of SSD300 (VGG16-atrous) as 1 process × 2 threads,
//     2 processes × 1 thread (gradient buckets summed during backward) and 2 × 1 with --no-overlap; the second
//     epoch of each run is timed, and for 2 processes the log's mean wait for the gradient sums after backward.
//
//   node dist/bench/dist.js [--rounds 3] [--steps 4] [--cases allreduce,demo,ssd300]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeSyntheticVOC } from '../src/data/index.js';
import { fmt, loadAverage, median } from './timing.js';

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench
const MAIN = join(HERE, '..', 'src', 'cli', 'main.js');
const TORCH = join(HERE, '..', '..', 'bench', 'dist_torch.py');
const NUMEL = 26285486;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function runOut(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`))));
  });
}

/** Median ms per allreduce over both ranks of one pair of processes. */
async function allreducePair(side: 'ssdkit' | 'torch', reps: number): Promise<number> {
  const port = await freePort();
  const env = (rank: number) => ({ RANK: String(rank), WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), SSDKIT_THREADS: '1', OMP_NUM_THREADS: '1' });
  const outs = await Promise.all(
    [0, 1].map((r) =>
      side === 'ssdkit'
        ? runOut(process.execPath, [join(HERE, 'distWorker.js'), String(NUMEL), String(reps)], env(r))
        : runOut('/usr/bin/python3', [TORCH, String(NUMEL), String(reps)], env(r)),
    ),
  );
  const parsed = outs.map((o) => JSON.parse(o.trim().split('\n').at(-1)!) as { ms: number[]; ok: boolean });
  if (!parsed.every((p) => p.ok)) throw new Error(`${side}: wrong allreduce result`);
  return median(parsed.flatMap((p) => p.ms));
}

async function benchAllreduce(rounds: number): Promise<void> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? (['ssdkit', 'torch'] as const) : (['torch', 'ssdkit'] as const);
    for (const side of order) (side === 'ssdkit' ? a : b).push(await allreducePair(side, 5));
  }
  const [ms, torchMs] = [median(a), median(b)];
  console.log(`allreduce ${NUMEL} float32, 2 processes: ssdkit ${fmt(ms)} ms, torch.distributed ${fmt(torchMs)} ms, speed ratio ${(torchMs / ms).toFixed(3)}`);
}

interface EpochLog {
  images: number;
  seconds: number;
  gradReduceWaitMs?: number;
  gradBuckets?: number;
  overlappedBuckets?: number;
}

/** The second epoch's record of one `ssdkit train` run. */
async function trainRun(root: string, network: string, batch: number, steps: number, procs: number, extra: string[], out: string): Promise<EpochLog> {
  const prefix = join(out, `${network}-${procs}-${extra.join('')}`);
  const args = [MAIN, 'train', '--dataset', 'synth', '--dataset-root', root, '--network', network, '--epochs', '2', '--max-batches', String(steps), '--batch-size', String(batch),
    '--num-workers', '1', '--val-limit', '1', '--save-interval', '1000', '--save-prefix', prefix, ...extra];
  if (procs > 1) args.push('--nproc-per-node', String(procs), '--master-port', String(await freePort()));
  await runOut(process.execPath, args, procs > 1 ? {} : { SSDKIT_THREADS: String(cpus().length) });
  const epochs = readFileSync(`${prefix}_train.jsonl`, 'utf8').split('\n').filter((l) => l.includes('"event":"epoch"')).map((l) => JSON.parse(l) as EpochLog);
  return epochs.at(-1)!;
}

async function benchTraining(network: string, batch: number, steps: number, root: string, out: string): Promise<void> {
  const one = await trainRun(root, network, batch, steps, 1, [], out);
  const two = await trainRun(root, network, batch, steps, 2, [], out);
  const noOverlap = await trainRun(root, network, batch, steps, 2, ['--no-overlap'], out);
  const rate = (e: EpochLog) => e.images / e.seconds;
  const line = (name: string, e: EpochLog) =>
    `  ${name.padEnd(34)} ${rate(e).toFixed(2)} img/s (×${(rate(e) / rate(one)).toFixed(2)})` +
    (e.gradReduceWaitMs !== undefined ? `, wait for gradient sums ${fmt(e.gradReduceWaitMs)} ms/step, ${e.overlappedBuckets}/${e.gradBuckets} buckets started during backward` : '');
  console.log(`train ${network} global batch ${batch}, ${steps} steps:`);
  console.log(line(`1 process × ${cpus().length} threads`, one));
  console.log(line('2 processes × 1 thread', two));
  console.log(line('2 processes × 1 thread, --no-overlap', noOverlap));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, steps: { type: 'string' }, cases: { type: 'string' } } });
  const cases = (values.cases ?? 'allreduce,demo,ssd300').split(',');
  const steps = Number(values.steps ?? 4);
  console.log(`bench:dist on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), load ${loadAverage()}`);
  if (cases.includes('allreduce')) await benchAllreduce(Number(values.rounds ?? 3));
  const out = mkdtempSync(join(tmpdir(), 'ssdkit-bench-dist-'));
  try {
    if (cases.includes('demo') || cases.includes('ssd300')) await makeSyntheticVOC({ out: join(out, 'synth'), images: 96, seed: 1 });
    if (cases.includes('demo')) await benchTraining('demo', 16, steps, join(out, 'synth'), out);
    if (cases.includes('ssd300')) await benchTraining('vgg16_atrous', 4, steps, join(out, 'synth'), out);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  console.log(`load after: ${loadAverage()}`);
}

await main();
