// A terminal progress bar with rate and ETA for long work (training epochs, evaluation, data generation).
// On a TTY it redraws one line; otherwise (CI, logs) it prints a plain line at most every `logEverySec` seconds.
//
//   const bar = new ProgressBar({ total: 500, label: 'epoch 1', unit: 'img' });
//   bar.tick(32, { CE: 3.1, SmoothL1: 1.2 });  ...  bar.done();
export interface ProgressOptions {
  total: number;
  label?: string;
  /** What is counted ('img', 'batch'); shown in the rate. */
  unit?: string;
  stream?: NodeJS.WriteStream;
  /** Seconds between lines when the stream is not a TTY. */
  logEverySec?: number;
  /** Bar width in characters. */
  width?: number;
}

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '--:--';
  const s = Math.max(0, Math.round(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(r).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function formatField(v: number | string): string {
  if (typeof v === 'string') return v;
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toFixed(a < 10 ? 3 : 1);
}

export class ProgressBar {
  readonly #o: Required<Omit<ProgressOptions, 'stream'>> & { stream: NodeJS.WriteStream };
  readonly #start = performance.now();
  #count = 0;
  #lastLog = 0;
  #fields: Record<string, number | string> = {};

  constructor(options: ProgressOptions) {
    if (!Number.isFinite(options.total) || options.total < 0) throw new RangeError(`ProgressBar: total must be >= 0, got ${options.total}`);
    this.#o = { label: '', unit: 'it', logEverySec: 10, width: 24, stream: process.stderr, ...options };
  }

  get count(): number {
    return this.#count;
  }

  /** Items per second so far. */
  get rate(): number {
    const sec = (performance.now() - this.#start) / 1000;
    return sec > 0 ? this.#count / sec : 0;
  }

  /** Adds `n` done items and updates the shown fields (loss terms, ...). */
  tick(n = 1, fields: Record<string, number | string> = {}): void {
    this.#count += n;
    Object.assign(this.#fields, fields);
    const now = performance.now();
    if (this.#o.stream.isTTY) {
      this.#o.stream.write(`\r${this.line()}\x1b[K`);
    } else if (now - this.#lastLog >= this.#o.logEverySec * 1000 || this.#count >= this.#o.total) {
      this.#lastLog = now;
      this.#o.stream.write(`${this.line()}\n`);
    }
  }

  /** The current status line: label, bar, count, rate, elapsed/ETA and fields. */
  line(): string {
    const { total, width, unit, label } = this.#o;
    const frac = total > 0 ? Math.min(1, this.#count / total) : 1;
    const filled = Math.round(frac * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const elapsed = (performance.now() - this.#start) / 1000;
    const rate = this.rate;
    const eta = rate > 0 ? (total - this.#count) / rate : Infinity;
    const fields = Object.entries(this.#fields).map(([k, v]) => `${k}=${formatField(v)}`).join(' ');
    return `${label ? label + ' ' : ''}[${bar}] ${this.#count}/${total} ${rate.toFixed(1)} ${unit}/s ` +
      `${formatDuration(elapsed)}<${formatDuration(eta)}${fields ? ' ' + fields : ''}`;
  }

  /** Finishes the line (TTY) or prints the final state. */
  done(): void {
    if (this.#o.stream.isTTY) this.#o.stream.write(`\r${this.line()}\x1b[K\n`);
    else if (performance.now() - this.#lastLog > 0 && this.#count < this.#o.total) this.#o.stream.write(`${this.line()}\n`);
  }
}
