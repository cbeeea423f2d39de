// Learning-rate schedules (spec §7.2):
//   * MultiStepEpochDecay — train_ssd.py's per-epoch rule: at the start of each epoch,
//     `while lr_steps and epoch >= lr_steps[0]: lr *= lr_decay` (1e-3, then 1e-4 from epoch 160, 1e-5 from 200).
//   * LRScheduler / LRSequential — GluonCV's `gluoncv/utils/lr_scheduler.py` (modes constant, step, linear,
//     poly, cosine; a linear warm-up is `new LRScheduler('linear', { baseLr: 0, targetLr: lr, nepochs: w, ... })`
//     followed by the main schedule in an LRSequential). They map the optimizer's num_update to a learning rate;
//     pass one as `lrScheduler` to SGD/Adam/Trainer.
import { type LRSchedule } from './optimizer.js';

export interface MultiStepEpochDecayOptions {
  baseLr: number;
  /** Epochs at which the rate is multiplied by `factor` (train_ssd.py: 160, 200). */
  steps: number[];
  factor?: number;
}

export interface MultiStepEpochDecayState {
  baseLr: number;
  steps: number[];
  factor: number;
  epoch: number | null;
}

export class MultiStepEpochDecay {
  baseLr: number;
  steps: number[];
  factor: number;
  /** The last epoch passed to lrAt() (the schedule position saved in checkpoints). */
  epoch: number | null = null;

  constructor(options: MultiStepEpochDecayOptions) {
    this.baseLr = options.baseLr;
    this.steps = [...options.steps].sort((a, b) => a - b);
    this.factor = options.factor ?? 0.1;
  }

  /** The learning rate for `epoch` (decays applied one multiplication at a time, as the script does). */
  lrAt(epoch: number): number {
    this.epoch = epoch;
    let lr = this.baseLr;
    for (const s of this.steps) if (epoch >= s) lr *= this.factor;
    return lr;
  }

  stateDict(): MultiStepEpochDecayState {
    return { baseLr: this.baseLr, steps: [...this.steps], factor: this.factor, epoch: this.epoch };
  }

  loadStateDict(s: MultiStepEpochDecayState): void {
    this.baseLr = s.baseLr;
    this.steps = [...s.steps];
    this.factor = s.factor;
    this.epoch = s.epoch;
  }
}

export type LRMode = 'constant' | 'step' | 'linear' | 'poly' | 'cosine';

export interface LRSchedulerOptions {
  baseLr?: number;
  targetLr?: number;
  niters?: number;
  nepochs?: number;
  itersPerEpoch?: number;
  offset?: number;
  power?: number;
  stepIter?: number[] | null;
  stepEpoch?: number[] | null;
  stepFactor?: number;
}

export interface LRSchedulerState {
  mode: LRMode;
  baseLr: number;
  targetLr: number;
  niters: number;
  offset: number;
  power: number;
  step: number[] | null;
  stepFactor: number;
}

/**
 * GluonCV's LRScheduler: with N = niters - 1 and T = clamp(numUpdate - offset, 0, N),
 * step: base * factor^#{s in steps : s <= T}; otherwise target + (base - target) * f with f = 0 (constant, and
 * target = base), 1 - T/N (linear), (1 - T/N)^power (poly), (1 + cos(pi T/N)) / 2 (cosine). nepochs *
 * itersPerEpoch, when positive, sets niters, and stepEpoch then gives steps in iterations.
 */
export class LRScheduler implements LRSchedule {
  readonly mode: LRMode;
  baseLr: number;
  targetLr: number;
  niters: number;
  offset: number;
  power: number;
  step: number[] | null;
  stepFactor: number;
  learningRate = 0;

  constructor(mode: LRMode, options: LRSchedulerOptions = {}) {
    if (!['constant', 'step', 'linear', 'poly', 'cosine'].includes(mode)) throw new RangeError(`LRScheduler: unknown mode '${String(mode)}'`);
    if (mode === 'step' && options.stepIter == null && options.stepEpoch == null) {
      throw new RangeError("LRScheduler: mode 'step' needs stepIter or stepEpoch");
    }
    this.mode = mode;
    this.baseLr = options.baseLr ?? 0.1;
    this.targetLr = mode === 'constant' ? this.baseLr : options.targetLr ?? 0;
    this.niters = options.niters ?? 0;
    this.step = options.stepIter ?? null;
    const epochIters = (options.nepochs ?? 0) * (options.itersPerEpoch ?? 0);
    if (epochIters > 0) {
      this.niters = epochIters;
      if (options.stepEpoch != null) this.step = options.stepEpoch.map((s) => s * options.itersPerEpoch!);
    }
    this.offset = options.offset ?? 0;
    this.power = options.power ?? 2;
    this.stepFactor = options.stepFactor ?? 0.1;
  }

  /** Sets learningRate for `numUpdate`. */
  update(numUpdate: number): void {
    const N = this.niters - 1;
    const T = Math.min(Math.max(0, numUpdate - this.offset), N);
    // GluonCV divides by N; a one-iteration schedule (N = 0) is read as finished.
    const frac = N > 0 ? T / N : 1;
    let factor: number;
    switch (this.mode) {
      case 'constant': factor = 0; break;
      case 'linear': factor = 1 - frac; break;
      case 'poly': factor = Math.pow(1 - frac, this.power); break;
      case 'cosine': factor = (1 + Math.cos(Math.PI * frac)) / 2; break;
      case 'step': factor = this.step ? Math.pow(this.stepFactor, this.step.filter((s) => s <= T).length) : 1; break;
    }
    this.learningRate = this.mode === 'step' ? this.baseLr * factor : this.targetLr + (this.baseLr - this.targetLr) * factor;
  }

  at(numUpdate: number): number {
    this.update(numUpdate);
    return this.learningRate;
  }

  stateDict(): LRSchedulerState {
    const { mode, baseLr, targetLr, niters, offset, power, step, stepFactor } = this;
    return { mode, baseLr, targetLr, niters, offset, power, step: step ? [...step] : null, stepFactor };
  }

  loadStateDict(s: LRSchedulerState): void {
    if (s.mode !== this.mode) throw new Error(`LRScheduler state is for mode '${s.mode}', this scheduler is '${this.mode}'`);
    Object.assign(this, { ...s, step: s.step ? [...s.step] : null });
  }
}

/**
 * GluonCV's LRSequential: schedulers one after another; each gets offset = the iterations before it, and the
 * update count is capped at the total - 1.
 */
export class LRSequential implements LRSchedule {
  readonly schedulers: LRScheduler[] = [];
  readonly updateSep: number[] = [];
  count = 0;
  learningRate = 0;

  constructor(schedulers: LRScheduler[]) {
    if (schedulers.length === 0) throw new RangeError('LRSequential: needs at least one scheduler');
    for (const s of schedulers) this.add(s);
  }

  add(scheduler: LRScheduler): void {
    scheduler.offset = this.count;
    this.count += scheduler.niters;
    this.updateSep.push(this.count);
    this.schedulers.push(scheduler);
  }

  update(numUpdate: number): void {
    const n = Math.min(numUpdate, this.count - 1);
    let ind = this.schedulers.length - 1;
    for (let i = 0; i < this.updateSep.length; i++) {
      if (this.updateSep[i]! > n) {
        ind = i;
        break;
      }
    }
    const s = this.schedulers[ind]!;
    s.update(n);
    this.learningRate = s.learningRate;
  }

  at(numUpdate: number): number {
    this.update(numUpdate);
    return this.learningRate;
  }

  stateDict(): { schedulers: LRSchedulerState[] } {
    return { schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  loadStateDict(s: { schedulers: LRSchedulerState[] }): void {
    if (s.schedulers.length !== this.schedulers.length) {
      throw new Error(`LRSequential state has ${s.schedulers.length} schedulers, this one has ${this.schedulers.length}`);
    }
    s.schedulers.forEach((st, i) => this.schedulers[i]!.loadStateDict(st));
  }
}
