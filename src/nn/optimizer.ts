// The optimizer base in MXNet 1.9.1's form (`python/mxnet/optimizer/optimizer.py`; spec §7.2): learning rate
// (or an lr schedule read at num_update), weight decay, rescale_grad, clip_gradient, per-parameter lr/wd
// multipliers and per-index update counts. num_update is incremented *before* the learning rate is read, so
// the first update reads the schedule at 1. Concrete rules: SGD (sgd.ts), Adam (adam.ts); Trainer applies them.
import { type Tensor } from '../tensor/index.js';

/** Anything that maps an update count to a learning rate (lrScheduler.ts). */
export interface LRSchedule {
  at(numUpdate: number): number;
}

export interface OptimizerOptions {
  learningRate?: number;
  wd?: number;
  /** Gradients are multiplied by this first (Trainer.step(batchSize) sets it to 1 / batchSize times this). */
  rescaleGrad?: number;
  /** Clip rescaled gradients to [-c, c]; null/0 disables (MXNet's `if self.clip_gradient:`). */
  clipGradient?: number | null;
  lrScheduler?: LRSchedule | null;
  beginNumUpdate?: number;
}

/** What an update needs to know about a parameter (Gluon's param_dict lookups). */
export interface ParamMults {
  lrMult: number;
  wdMult: number;
}

/** The JSON part of an optimizer's state, for checkpoints. */
export interface OptimizerStateDict {
  kind: string;
  learningRate: number;
  hyper: Record<string, number | null>;
  numUpdate: number;
  indexUpdateCount: [number, number][];
}

export abstract class Optimizer {
  abstract readonly kind: string;
  /** Names of the per-parameter state tensors, in createState() order. */
  abstract readonly stateNames: readonly string[];
  lr: number;
  wd: number;
  rescaleGrad: number;
  clipGradient: number | null;
  lrScheduler: LRSchedule | null;
  numUpdate: number;
  readonly beginNumUpdate: number;
  readonly #indexUpdateCount = new Map<number, number>();

  constructor(options: OptimizerOptions, defaultLr: number) {
    this.lr = options.learningRate ?? defaultLr;
    this.wd = options.wd ?? 0;
    this.rescaleGrad = options.rescaleGrad ?? 1;
    this.clipGradient = options.clipGradient ?? null;
    this.lrScheduler = options.lrScheduler ?? null;
    this.beginNumUpdate = options.beginNumUpdate ?? 0;
    this.numUpdate = this.beginNumUpdate;
    for (const [k, v] of Object.entries({ learningRate: this.lr, wd: this.wd, rescaleGrad: this.rescaleGrad })) {
      if (!Number.isFinite(v)) throw new TypeError(`${this.constructor.name}: ${k} must be a finite number, got ${v}`);
    }
  }

  /** The current learning rate (the schedule's value at numUpdate when there is one). */
  get learningRate(): number {
    return this.lrScheduler ? this.lrScheduler.at(this.numUpdate) : this.lr;
  }

  /** Sets the learning rate; like MXNet, refuses when a schedule drives it. */
  setLearningRate(lr: number): void {
    if (this.lrScheduler) {
      throw new Error('setLearningRate: the optimizer has an lrScheduler; the learning rate can only be set when there is none.');
    }
    if (!Number.isFinite(lr)) throw new TypeError(`setLearningRate: expected a finite number, got ${lr}`);
    this.lr = lr;
  }

  /** New zeroed state tensors for the weight at `index` (the caller keeps and disposes them). */
  abstract createState(index: number, weight: Tensor): Tensor[];

  /** Updates `weight` (and `state`) in place from `grad`; call with gradient recording off. */
  abstract update(index: number, weight: Tensor, grad: Tensor, state: Tensor[], mults: ParamMults): void;

  /** Hyper-parameters besides lr/wd, for checkpoints and messages. */
  protected abstract hyper(): Record<string, number | null>;

  /** How many updates the weight at `index` has had. */
  updateCount(index: number): number {
    return this.#indexUpdateCount.get(index) ?? 0;
  }

  /** `_update_count(index)`: bumps the per-index count and num_update. */
  protected countUpdate(index: number): number {
    const n = (this.#indexUpdateCount.get(index) ?? this.beginNumUpdate) + 1;
    this.#indexUpdateCount.set(index, n);
    this.numUpdate = Math.max(n, this.numUpdate);
    return n;
  }

  /** `_get_lr(index)`: (schedule(num_update) or lr) * lrMult. */
  protected lrFor(mults: ParamMults): number {
    return this.learningRate * mults.lrMult;
  }

  /** `_get_wd(index)`: wd * wdMult. */
  protected wdFor(mults: ParamMults): number {
    return this.wd * mults.wdMult;
  }

  /** MXNet clips only when clip_gradient is truthy and then to [-c, c]. */
  protected get clipValue(): number | null {
    return this.clipGradient ? Math.abs(this.clipGradient) : null;
  }

  stateDict(): OptimizerStateDict {
    return {
      kind: this.kind,
      learningRate: this.lr,
      hyper: { wd: this.wd, clipGradient: this.clipGradient, ...this.hyper() },
      numUpdate: this.numUpdate,
      indexUpdateCount: [...this.#indexUpdateCount],
    };
  }

  /** Restores counts and the base learning rate (other hyper-parameters stay as constructed). */
  loadStateDict(s: OptimizerStateDict): void {
    if (s.kind !== this.kind) throw new Error(`optimizer state is for '${s.kind}', this optimizer is '${this.kind}'`);
    this.lr = s.learningRate;
    this.numUpdate = s.numUpdate;
    this.#indexUpdateCount.clear();
    for (const [i, n] of s.indexUpdateCount) this.#indexUpdateCount.set(i, n);
  }
}
