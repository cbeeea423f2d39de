// Shared timing helpers for the benchmarks in bench/: a high-resolution clock, warm-up + timed repetitions,
// per-call cost of very cheap calls, robust summaries (median, quartiles), interleaved A/B rounds (so two
// implementations see the same machine conditions) and the machine's load.
//
//   const ms = timeReps(() => step(), { warmup: 2, reps: 10 });
//   const { a, b } = await interleave(5, () => timeReps(f, o), () => other.round('case'));
//   console.log(fmt(median(a)), fmt(median(b)));
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** Milliseconds from an arbitrary origin, sub-microsecond resolution. */
/**
 * SSDKIT_BENCH_CLOCK=cpu: time by this process's CPU time (user + system, all threads) instead of the wall
 * clock; the Python references read the same variable (bench/ssd_torch.py). With one thread per side
 * (SSDKIT_THREADS=1) that is each side's work, unaffected by other processes on a busy machine; with more
 * threads it also counts OpenMP's spinning.
 */
export const CPU_CLOCK = process.env.SSDKIT_BENCH_CLOCK === 'cpu';

export function nowMs(): number {
  if (CPU_CLOCK) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  return Number(process.hrtime.bigint()) / 1e6;
}

/** The q-quantile (0..1) of the samples, linear interpolation; NaN for none. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((x, y) => x - y);
  const pos = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

export interface Summary {
  n: number;
  min: number;
  p25: number;
  median: number;
  p75: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    n: samples.length,
    min: quantile(samples, 0),
    p25: quantile(samples, 0.25),
    median: quantile(samples, 0.5),
    p75: quantile(samples, 0.75),
    max: quantile(samples, 1),
  };
}

export interface RepOptions {
  /** Untimed calls first (caches, allocator, thread pool, JIT). */
  warmup?: number;
  /** Timed calls. */
  reps?: number;
}

/** Calls fn `warmup` times untimed, then `reps` times timed; returns each timed call's milliseconds. */
export function timeReps(fn: () => void, o: RepOptions = {}): number[] {
  const { warmup = 1, reps = 5 } = o;
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = nowMs();
    fn();
    out.push(nowMs() - t0);
  }
  return out;
}

/**
 * Per-call cost in microseconds of a call too cheap to time alone: `body(batch)` must make `batch` calls;
 * each sample is one batch's time divided by `batch` (warm-up batches untimed).
 */
export function timePerCall(body: (batch: number) => void, o: RepOptions & { batch?: number } = {}): number[] {
  const { batch = 1000 } = o;
  return timeReps(() => body(batch), o).map((ms) => (ms * 1000) / batch);
}

/**
 * Runs `rounds` rounds of A and B alternately in ABBA order (A B, B A, A B, ...), so that slow drifts in
 * machine load hit both sides alike; returns every sample of each side, pooled.
 */
export async function interleave(
  rounds: number,
  a: () => number[] | Promise<number[]>,
  b: () => number[] | Promise<number[]>,
): Promise<{ a: number[]; b: number[] }> {
  const out = { a: [] as number[], b: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const);
    for (const side of order) out[side].push(...(await (side === 'a' ? a() : b())));
  }
  return out;
}

/** The 1/5/15-minute load averages and running/total tasks (/proc/loadavg where available). */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/).slice(0, 4).join(' ');
  } catch {
    return loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  }
}

/** A number with `digits` significant decimals for tables (2 below 100, else 1). */
export function fmt(x: number, digits?: number): string {
  if (!Number.isFinite(x)) return String(x);
  return x.toFixed(digits ?? (Math.abs(x) >= 100 ? 1 : 2));
}
