// Process groups and collectives over libtorch's c10d (PyTorch's torch.distributed: init_process_group,
// all_reduce, broadcast, all_gather, all_gather_object, barrier). The engine is c10d's own (TCPStore rendezvous,
// ProcessGroupGloo for CPU tensors, ProcessGroupNCCL for CUDA tensors where libtorch has it: native/src/dist.cc);
// this file only gives it PyTorch's names and types. Collectives block until done; a failure (a peer that died,
// a timeout, a port in use) throws an Error naming this rank, the world size and the collective.
//
//   const pg = initProcessGroup({ masterAddr: '127.0.0.1', masterPort: 29500, rank, worldSize: 2 });
//   pg.allReduce([grad], 'sum');            // in place
//   const all = pg.allGatherObject({ rank }); // one value per rank, in rank order
//   pg.destroy();
import { N } from './native.js';
import { Tensor } from './tensor.js';
import { fromTypedArray } from './creation.js';
import { dispose, tidy } from './scope.js';

export type Backend = 'gloo' | 'nccl';
export type ReduceOp = 'sum' | 'avg' | 'max' | 'min' | 'product';

export interface ProcessGroupOptions {
  /** 'gloo' (CPU tensors, default) or 'nccl' (CUDA tensors; CUDA builds of libtorch only). */
  backend?: Backend;
  /** Address of rank 0, which serves the rendezvous store (torchrun's MASTER_ADDR). */
  masterAddr: string;
  /** Port of the rendezvous store (torchrun's MASTER_PORT). */
  masterPort: number;
  rank: number;
  worldSize: number;
  /** How long a rendezvous or collective may wait for the other ranks (default 120 s, DDP's is 30 min). */
  timeoutMs?: number;
}

type GroupHandle = { readonly __group: unique symbol };
type WorkHandle = { readonly __work: unique symbol };
type ReducerHandle = { readonly __reducer: unique symbol };

interface DistAddon {
  backends: string;
  init(backend: string, host: string, port: number, rank: number, size: number, timeoutMs: number): GroupHandle;
  allreduce(g: GroupHandle, ts: unknown[], op: string): void;
  allreduceStart(g: GroupHandle, ts: unknown[], op: string): WorkHandle;
  wait(w: WorkHandle): void;
  broadcast(g: GroupHandle, ts: unknown[], root: number): void;
  allgather(g: GroupHandle, t: unknown): unknown[];
  barrier(g: GroupHandle): void;
  destroy(g: GroupHandle): void;
  reducerCreate(g: GroupHandle, params: unknown[], capBytes: number): ReducerHandle;
  reducerPrepare(g: GroupHandle, r: ReducerHandle): void;
  reducerFinish(g: GroupHandle, r: ReducerHandle): number;
  reducerBuckets(g: GroupHandle, r: ReducerHandle): number;
}

const D = (N as unknown as { dist: DistAddon }).dist;

/** The process-group backends this build of the addon has ('gloo', and 'nccl' on CUDA builds). */
export function distributedBackends(): Backend[] {
  return (D.backends ? D.backends.split(',') : []) as Backend[];
}

/** An allreduce in flight (allReduceStart); wait() makes its tensors hold the result. */
export class Work {
  #h: WorkHandle | null;
  readonly #finish: () => void;
  constructor(h: WorkHandle, finish: () => void) {
    this.#h = h;
    this.#finish = finish;
  }
  wait(): void {
    if (this.#h === null) return;
    const h = this.#h;
    this.#h = null;
    D.wait(h);
    this.#finish();
  }
}

export class ProcessGroup {
  readonly rank: number;
  readonly worldSize: number;
  readonly backend: Backend;
  #h: GroupHandle | null;

  constructor(o: ProcessGroupOptions) {
    const backend = o.backend ?? 'gloo';
    if (!distributedBackends().includes(backend)) {
      throw new Error(
        `initProcessGroup: this build of ssdkit has no '${backend}' process group ` +
          `(built with: ${distributedBackends().join(', ') || 'none; install libgloo-dev and rebuild'})`,
      );
    }
    this.#h = D.init(backend, o.masterAddr, o.masterPort, o.rank, o.worldSize, o.timeoutMs ?? 120_000);
    this.rank = o.rank;
    this.worldSize = o.worldSize;
    this.backend = backend;
  }

  get #handle(): GroupHandle {
    if (this.#h === null) throw new Error(`rank ${this.rank} of ${this.worldSize}: the process group was destroyed`);
    return this.#h;
  }

  /** Reduces every tensor in place across ranks, one collective each ('avg' = sum / worldSize: Gloo has no average). */
  allReduce(tensors: Tensor[], op: ReduceOp = 'sum'): void {
    for (const t of tensors) D.allreduce(this.#handle, [t.handle], op === 'avg' ? 'sum' : op);
    if (op === 'avg') for (const t of tensors) t.div_(this.worldSize);
  }

  /** Starts an allreduce of one tensor and returns at once; the tensor must stay untouched until work.wait(). */
  allReduceStart(tensor: Tensor, op: ReduceOp = 'sum'): Work {
    const h = D.allreduceStart(this.#handle, [tensor.handle], op === 'avg' ? 'sum' : op);
    return new Work(h, () => {
      if (op === 'avg') tensor.div_(this.worldSize);
    });
  }

  /** Copies rank `src`'s values into every rank's tensors, in place, one collective each. */
  broadcast(tensors: Tensor[], src = 0): void {
    for (const t of tensors) D.broadcast(this.#handle, [t.handle], src);
  }

  /** One tensor per rank, in rank order; every rank must pass a tensor of the same shape and dtype. */
  allGather(t: Tensor): Tensor[] {
    return (D.allgather(this.#handle, t.handle) as never[]).map((h) => new Tensor(h));
  }

  /** torch.distributed.all_gather_object for JSON values: one value per rank, in rank order. */
  allGatherObject<T>(value: T): T[] {
    const bytes = new TextEncoder().encode(JSON.stringify(value));
    const lengths = tidy(() => this.allGather(fromTypedArray(new Float64Array([bytes.length]), [1])).map((t) => t.item()));
    const longest = Math.max(...lengths);
    const padded = new Uint8Array(longest);
    padded.set(bytes);
    const parts = this.allGather(fromTypedArray(padded, [longest]));
    try {
      const decoder = new TextDecoder();
      return parts.map((p, r) => JSON.parse(decoder.decode((p.toTypedArray() as Uint8Array).subarray(0, lengths[r]))) as T);
    } finally {
      dispose(parts);
    }
  }

  /** Waits until every rank reaches the barrier. */
  barrier(): void {
    D.barrier(this.#handle);
  }

  /**
   * DistributedDataParallel's gradient reduction for these parameters (leaf tensors that require gradients):
   * buckets of at most capBytes, summed across ranks. See GradReducer.
   */
  gradReducer(params: Tensor[], capBytes = 25 * 2 ** 20): GradReducer {
    const h = this.#handle;
    return new GradReducer(h, D.reducerCreate(h, params.map((p) => p.handle), capBytes));
  }

  /** Releases the group (its sockets and threads); later calls throw. */
  destroy(): void {
    if (this.#h === null) return;
    D.destroy(this.#h);
    this.#h = null;
  }
}

/** torch.distributed.init_process_group with an explicit TCPStore rendezvous. */
export function initProcessGroup(o: ProcessGroupOptions): ProcessGroup {
  return new ProcessGroup(o);
}

/**
 * Sums gradients across ranks in buckets (torch.nn.parallel.DistributedDataParallel's Reducer): call prepare()
 * before backward to overlap — each bucket's allreduce starts as soon as backward has made all its gradients —
 * and finish() after it, which starts what is left, waits, and leaves the sums in every parameter's .grad.
 * Without prepare(), finish() reduces the accumulated gradients in one go after backward (no overlap).
 */
export class GradReducer {
  readonly #g: GroupHandle;
  readonly #r: ReducerHandle;
  /** Buckets whose allreduce started during the last backward (overlapped with it). */
  overlappedBuckets = 0;
  constructor(g: GroupHandle, r: ReducerHandle) {
    this.#g = g;
    this.#r = r;
  }
  get buckets(): number {
    return D.reducerBuckets(this.#g, this.#r);
  }
  prepare(): void {
    D.reducerPrepare(this.#g, this.#r);
  }
  finish(): void {
    this.overlappedBuckets = D.reducerFinish(this.#g, this.#r);
  }
}
