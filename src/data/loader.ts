// The detection DataLoader (spec §7.3; GluonCV DataLoader + BatchSampler): per-epoch shuffling, batching with a
// transform spec's batchify rules (stack / pad with -1), last-batch modes keep/discard/rollover, and worker
// threads that decode and augment (and, with a target generator, make targets) while batches are delivered in
// order. Every sample's randomness comes from mixSeed(seed, epoch, position), so an epoch is identical for any
// number of workers. A sample that fails (unreadable image, transform error, worker crash) is skipped with a
// warning naming the record; the batch is filled from the following samples, and the epoch's stats count it.
import { Worker } from 'node:worker_threads';
import './imageIO.js'; // loads sharp in the main thread before any worker does (sharp's worker-thread rule)
import { Random, mixSeed } from './random.js';
import { batchifyFields, type BatchifySpec } from './batchify.js';
import { makeSampleRunner, type SampleOutcome, type SampleRunner } from './sampleRunner.js';
import { consoleSink, DataWarnings, type WarningSink } from './warnings.js';
import type { TransformSpec } from './workerTransform.js';
import type { WorkerInit, WorkerReply } from './loaderWorker.js';
import type { DetectionDataset, DetectionRecord, Field } from './types.js';

export type LastBatch = 'keep' | 'discard' | 'rollover';

export interface DataLoaderOptions {
  batchSize: number;
  /** The per-sample transform (see workerTransform.ts), e.g. ssdTrainTransformSpec({ width: 300, height: 300 }). */
  transform: TransformSpec;
  shuffle?: boolean;
  /** Default 'keep'. 'rollover' carries the last partial batch's samples into the next epoch. */
  lastBatch?: LastBatch;
  /** Worker threads; 0 (default) runs samples in this thread. */
  numWorkers?: number;
  seed?: number;
  /** Overrides the transform spec's batchify rules. */
  batchify?: BatchifySpec[];
  /** Samples in flight at once (default max(2·batchSize, 4·numWorkers)). */
  prefetch?: number;
  /** Images whose header claims more pixels are refused. */
  maxPixels?: number;
  onWarning?: WarningSink;
  /** Worker crashes tolerated per epoch before the epoch fails (default 4). */
  maxWorkerRestarts?: number;
  /** Read only this rank's share of every epoch (torch's DistributedSampler; see shardOrder). */
  shard?: Shard;
}

/** One rank's share of a dataset in data-parallel training. */
export interface Shard {
  rank: number;
  worldSize: number;
  /** Pad the order to a multiple of worldSize by repeating its start, so every rank gets as many samples
   * (DistributedSampler's default, for training); false (validation) leaves the last ranks one sample short. */
  pad: boolean;
}

/**
 * torch.utils.data.DistributedSampler's split of one epoch's order: the same order on every rank, padded with its
 * first samples to a multiple of worldSize, and every worldSize-th sample from position `rank`. Returns the
 * samples with their positions in the padded global order (which seed their augmentation, so a sample is
 * augmented the same way whatever the number of ranks).
 */
export function shardOrder(order: number[], shard: Shard): { indices: number[]; positions: number[] } {
  const { rank, worldSize } = shard;
  if (!(Number.isInteger(worldSize) && worldSize >= 1 && Number.isInteger(rank) && rank >= 0 && rank < worldSize)) {
    throw new RangeError(`shard: rank must be in [0, worldSize), got rank ${rank} of ${worldSize}`);
  }
  const total = shard.pad && order.length > 0 ? Math.ceil(order.length / worldSize) * worldSize : order.length;
  const indices: number[] = [];
  const positions: number[] = [];
  for (let p = rank; p < total; p += worldSize) {
    indices.push(order[p % order.length]!);
    positions.push(p);
  }
  return { indices, positions };
}

export interface Batch {
  /**
   * One batched field per transform output, e.g. [images (B,3,H,W), labels (B,M,6)], made from `samples` by the
   * `batchify` rules when first read (batchTensors.ts batchToTensors makes tensors without this copy).
   */
  readonly fields: Field[];
  /** Each sample's fields as the transform made them: read-only, they may be the transform's kept memory. */
  samples: readonly (readonly Field[])[];
  /** How each field batches (the transform spec's rules, or the loader's override). */
  batchify: readonly BatchifySpec[];
  /** Dataset indices of the samples. */
  indices: number[];
  ids: string[];
  /** Decoded image sizes [width, height] before the transform (e.g. to map detections back). */
  sizes: [number, number][];
  epoch: number;
  /** Batch number within the epoch. */
  index: number;
}

export interface SkippedSample {
  index: number;
  id: string;
  imagePath: string;
  error: string;
}

export interface EpochStats {
  epoch: number;
  /** Samples delivered in batches. */
  samples: number;
  batches: number;
  skipped: SkippedSample[];
  /** Samples carried into the next epoch (rollover). */
  rolledOver: number;
  /** True when the epoch ran to its end (false when the consumer stopped early). */
  complete: boolean;
}

interface PoolWorker {
  worker: Worker;
  ready: Promise<void>;
  isReady: boolean;
  pending: Map<number, (o: Outcome) => void>;
  dead: boolean;
}

/** A sample outcome, or `fatal`: the transform cannot run at all (bad module, worker that cannot start). */
type Outcome = SampleOutcome | { ok: false; error: string; fatal: true };

/** Worker threads running makeSampleRunner on posted records. */
class WorkerPool {
  #workers: PoolWorker[] = [];
  #init: WorkerInit;
  #nextId = 0;
  #closing = false;
  #referenced = true;
  restarts = 0;

  constructor(n: number, init: WorkerInit) {
    this.#init = init;
    for (let i = 0; i < n; i++) this.#workers.push(this.#spawn());
  }

  #spawn(): PoolWorker {
    const worker = new Worker(new URL('./loaderWorker.js', import.meta.url), { workerData: this.#init });
    if (!this.#referenced) worker.unref();
    const pending = new Map<number, (o: Outcome) => void>();
    const pw: PoolWorker = { worker, pending, dead: false, isReady: false, ready: Promise.resolve() };
    pw.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: WorkerReply) => {
        if (m.type === 'ready') {
          pw.isReady = true;
          resolve();
        } else if (m.type === 'initError') {
          reject(new Error(`loader worker could not load its transform: ${m.message}`));
        } else {
          const done = pending.get(m.id);
          pending.delete(m.id);
          done?.(m.ok ? { ok: true, fields: m.fields, width: m.width, height: m.height } : { ok: false, error: m.error });
        }
      });
      const fail = (why: string): void => {
        if (pw.dead) return;
        pw.dead = true;
        const wasReady = pw.isReady;
        reject(new Error(`loader worker stopped before it was ready: ${why}`));
        for (const done of pending.values()) {
          done(wasReady ? { ok: false, error: `loader worker crashed while processing it: ${why}` } : { ok: false, error: `loader worker failed to start: ${why}`, fatal: true });
        }
        pending.clear();
        if (!this.#closing && wasReady) {
          this.restarts++;
          const i = this.#workers.indexOf(pw);
          if (i >= 0) this.#workers[i] = this.#spawn();
        }
      };
      worker.on('error', (err) => fail(err.message));
      worker.on('exit', (code) => fail(`exit code ${code}`));
    });
    pw.ready.catch(() => undefined);
    return pw;
  }

  run(record: DetectionRecord, seed: number): Promise<Outcome> {
    const live = this.#workers.filter((w) => !w.dead);
    if (live.length === 0) return Promise.resolve({ ok: false, error: 'no loader worker is running', fatal: true });
    const pw = live.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.#nextId++;
    return new Promise<Outcome>((resolve) => {
      pw.pending.set(id, resolve);
      pw.ready.then(
        () => {
          if (!pw.dead && pw.pending.has(id)) pw.worker.postMessage({ id, record, seed });
        },
        (err: Error) => {
          pw.pending.delete(id);
          resolve({ ok: false, error: err.message, fatal: true });
        },
      );
    });
  }

  ref(on: boolean): void {
    this.#referenced = on;
    for (const w of this.#workers) (on ? w.worker.ref() : w.worker.unref());
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
    this.#workers = [];
  }
}

export class DataLoader {
  readonly dataset: DetectionDataset;
  readonly batchSize: number;
  readonly lastBatch: LastBatch;
  readonly numWorkers: number;
  readonly seed: number;
  #opts: DataLoaderOptions;
  #pool: WorkerPool | undefined;
  #local: Promise<SampleRunner> | undefined;
  #localSlots: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
  #nextEpoch = 0;
  #rolled: number[] = [];
  #stats: EpochStats | undefined;
  #warn: WarningSink;
  #closed = false;

  constructor(dataset: DetectionDataset, opts: DataLoaderOptions) {
    if (!(Number.isInteger(opts.batchSize) && opts.batchSize > 0)) throw new RangeError(`batchSize must be a positive integer, got ${opts.batchSize}`);
    const lb = opts.lastBatch ?? 'keep';
    if (!['keep', 'discard', 'rollover'].includes(lb)) throw new RangeError(`lastBatch must be keep, discard or rollover, got '${lb}'`);
    this.dataset = dataset;
    this.batchSize = opts.batchSize;
    this.lastBatch = lb;
    this.numWorkers = opts.numWorkers ?? 0;
    this.seed = opts.seed ?? 0;
    this.#opts = opts;
    this.#warn = opts.onWarning ?? consoleSink;
  }

  /** Batches the next epoch will yield if no sample fails. */
  get length(): number {
    const n = this.epochOrder(this.#nextEpoch).length + this.#rolled.length;
    return this.lastBatch === 'keep' ? Math.ceil(n / this.batchSize) : Math.floor(n / this.batchSize);
  }

  /** Statistics of the most recent epoch (complete or stopped early). */
  get lastEpochStats(): EpochStats | undefined {
    return this.#stats;
  }

  /** The epoch the next `epoch()` call runs by default. */
  get nextEpoch(): number {
    return this.#nextEpoch;
  }

  /** The dataset order of an epoch (before rolled-over samples are put in front); this rank's share with a shard. */
  epochOrder(epoch: number): number[] {
    return this.#epochPlan(epoch).indices;
  }

  /** An epoch's samples and the positions that seed their augmentation (global positions with a shard). */
  #epochPlan(epoch: number): { indices: number[]; positions: number[] } {
    const n = this.dataset.length;
    const order = this.#opts.shuffle ? Random.derive(this.seed, epoch, 0x5eed).permutation(n) : Array.from({ length: n }, (_, i) => i);
    return this.#opts.shard ? shardOrder(order, this.#opts.shard) : { indices: order, positions: order.map((_, i) => i) };
  }

  #runner(): (record: DetectionRecord, seed: number) => Promise<Outcome> {
    if (this.numWorkers > 0) {
      this.#pool ??= new WorkerPool(this.numWorkers, { spec: this.#opts.transform, ...(this.#opts.maxPixels !== undefined ? { maxPixels: this.#opts.maxPixels } : {}) });
      const pool = this.#pool;
      return (r, s) => pool.run(r, s);
    }
    this.#local ??= makeSampleRunner(this.#opts.transform, this.#opts.maxPixels);
    const local = this.#local;
    // Two samples at a time, like a worker: one decodes (libvips threads) while the other is augmented.
    return (r, s) => {
      const slot = this.#localSlots.shift() ?? Promise.resolve();
      const p: Promise<Outcome> = slot
        .then(async () => (await local)(r, s))
        .catch((err: unknown) => ({ ok: false, error: err instanceof Error ? err.message : String(err), fatal: true }) as const);
      this.#localSlots.push(p);
      return p;
    };
  }

  [Symbol.asyncIterator](): AsyncGenerator<Batch> {
    return this.epoch();
  }

  /** Iterates one epoch (default: the next one); `epoch` fixes the shuffle and augmentation seeds. */
  async *epoch(epoch: number = this.#nextEpoch): AsyncGenerator<Batch> {
    if (this.#closed) throw new Error('DataLoader is closed');
    this.#nextEpoch = epoch + 1;
    // Rolled-over samples come first; without a shard every position counts from 0 as before, with one the
    // epoch's own samples keep their global positions and rolled-over ones take positions after the epoch's end.
    const plan = this.#epochPlan(epoch);
    const order = [...this.#rolled, ...plan.indices];
    const shardSize = this.#opts.shard?.worldSize ?? 1;
    const afterEnd = (plan.positions.at(-1) ?? -1) + 1;
    const positions = this.#opts.shard
      ? [...this.#rolled.map((_, k) => afterEnd + k * shardSize + (this.#opts.shard?.rank ?? 0)), ...plan.positions]
      : order.map((_, i) => i);
    this.#rolled = [];
    const stats: EpochStats = { epoch, samples: 0, batches: 0, skipped: [], rolledOver: 0, complete: false };
    this.#stats = stats;
    const run = this.#runner();
    const restartsBefore = this.#pool?.restarts ?? 0;
    this.#pool?.ref(true);
    const prefetch = Math.max(1, this.#opts.prefetch ?? Math.max(2 * this.batchSize, 4 * this.numWorkers));
    const inflight = new Map<number, Promise<Outcome>>();
    let next = 0;
    let buf: { index: number; record: DetectionRecord; out: Extract<SampleOutcome, { ok: true }> }[] = [];
    const specs = this.#opts.batchify ?? this.#opts.transform.batchify ?? [];
    const warnings = new DataWarnings(this.#warn);
    const makeBatch = (): Batch => {
      const b: Omit<Batch, 'fields'> = {
        samples: buf.map((s) => s.out.fields),
        batchify: specs,
        indices: buf.map((s) => s.index),
        ids: buf.map((s) => s.record.id),
        sizes: buf.map((s) => [s.out.width, s.out.height]),
        epoch,
        index: stats.batches,
      };
      stats.batches++;
      stats.samples += buf.length;
      let fields: Field[] | undefined;
      const batch = Object.defineProperty(b, 'fields', { enumerable: true, get: () => (fields ??= batchifyFields(b.samples, specs)) }) as Batch;
      buf = [];
      return batch;
    };
    try {
      for (let pos = 0; pos < order.length; pos++) {
        while (next < order.length && next - pos < prefetch) {
          const index = order[next]!;
          inflight.set(next, run(this.dataset.record(index), mixSeed(this.seed, epoch, positions[next]!, 1)));
          next++;
        }
        const out = await inflight.get(pos)!;
        inflight.delete(pos);
        const index = order[pos]!;
        const record = this.dataset.record(index);
        if (!out.ok) {
          if ('fatal' in out) throw new Error(out.error);
          stats.skipped.push({ index, id: record.id, imagePath: record.imagePath, error: out.error });
          warnings.warn(`epoch ${epoch}: skipping sample ${index}: ${out.error}`);
          const restarts = (this.#pool?.restarts ?? 0) - restartsBefore;
          if (restarts > (this.#opts.maxWorkerRestarts ?? 4)) throw new Error(`loader workers crashed ${restarts} times this epoch; last: ${out.error}`);
          continue;
        }
        buf.push({ index, record, out });
        if (buf.length === this.batchSize) yield makeBatch();
      }
      if (buf.length > 0) {
        if (this.lastBatch === 'keep') yield makeBatch();
        else if (this.lastBatch === 'rollover') {
          this.#rolled = buf.map((s) => s.index);
          stats.rolledOver = buf.length;
        }
        buf = [];
      }
      stats.complete = true;
      warnings.flush(`epoch ${epoch}`);
      if (stats.skipped.length > 0) this.#warn(`epoch ${epoch}: skipped ${stats.skipped.length} of ${order.length} samples (see lastEpochStats.skipped)`);
    } finally {
      this.#pool?.ref(false);
    }
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#pool?.close();
    this.#pool = undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
