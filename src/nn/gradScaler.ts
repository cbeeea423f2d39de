// Dynamic loss scaling for float16 training: PyTorch's torch.cuda.amp.GradScaler (torch/amp/grad_scaler.py),
// the role of GluonCV's amp.init_trainer + amp.scale_loss (MXNet contrib/amp/loss_scaler.py).
//
//   const scaler = new GradScaler();                               // scale 2^16, x2 every 2000 good steps, x0.5 on overflow
//   const loss = withAutocast(device, 'float16', () => lossOf(net, batch));
//   scaler.scale(loss).backward();                                 // gradients carry the scale
//   scaler.step(trainer, batchSize);                               // unscaled update, or skipped on inf/NaN
//   scaler.update();                                               // halve after an overflow, grow after N good steps
//
// step() checks every gradient for inf/NaN with one host synchronization (firstNonFinite). Overflow: the update
// is skipped and the gradients dropped (Gluon's 'write' parameters; 'add' ones are kept, as PyTorch keeps .grad
// until zero_grad). Otherwise the trainer steps with batchSize x scale, so the optimizer's rescale_grad
// (1/batchSize, MXNet's) also undoes the loss scale: no extra pass over the gradients. Call unscale(trainer)
// first when something must see the true gradients before the step (clipGlobalNorm); step() then uses batchSize.
// A disabled scaler (bfloat16, fp32) passes everything through: scale() returns the loss, step() just steps.
import { type Tensor, noGrad, tidy } from '../tensor/index.js';
import { type Trainer } from './trainer.js';
import { firstNonFinite } from './nonFinite.js';

export interface GradScalerOptions {
  /** Starting scale (default 2^16). */
  initScale?: number;
  /** Scale multiplier after growthInterval good steps in a row (default 2). */
  growthFactor?: number;
  /** Scale multiplier after a step with inf/NaN gradients (default 0.5). */
  backoffFactor?: number;
  /** Good steps in a row before the scale grows (default 2000). */
  growthInterval?: number;
  /** false: a pass-through scaler (default true). */
  enabled?: boolean;
}

/** What a checkpoint keeps of a scaler (PyTorch's state_dict keys, in camelCase). */
export interface GradScalerState {
  scale: number;
  growthTracker: number;
}

/** The outcome of one step(). */
export interface ScaledStep {
  /** Whether the optimizer updated the parameters. */
  applied: boolean;
  /** The first parameter whose gradient had inf/NaN, when skipped. */
  nonFinite: string | null;
}

function checkFactor(name: string, v: number, ok: (v: number) => boolean, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new RangeError(`GradScaler: ${name} must be ${what}, got ${String(v)}`);
  return v;
}

export class GradScaler {
  readonly enabled: boolean;
  readonly growthFactor: number;
  readonly backoffFactor: number;
  readonly growthInterval: number;
  #scale: number;
  #growthTracker = 0;
  /** Per step: null before the check, else whether an overflow was found. */
  #found: string | null | undefined = undefined;
  #unscaled = false;

  constructor(o: GradScalerOptions = {}) {
    this.enabled = o.enabled ?? true;
    this.#scale = checkFactor('initScale', o.initScale ?? 2 ** 16, (v) => v > 0, 'a positive number');
    this.growthFactor = checkFactor('growthFactor', o.growthFactor ?? 2, (v) => v > 1, 'a number > 1');
    this.backoffFactor = checkFactor('backoffFactor', o.backoffFactor ?? 0.5, (v) => v > 0 && v < 1, 'a number in (0, 1)');
    this.growthInterval = checkFactor('growthInterval', o.growthInterval ?? 2000, (v) => Number.isInteger(v) && v > 0, 'a positive integer');
  }

  /** The current scale (1 when disabled). */
  getScale(): number {
    return this.enabled ? this.#scale : 1;
  }

  /** loss x scale (the same tensor when disabled). */
  scale(loss: Tensor): Tensor {
    return this.enabled ? loss.mul(this.#scale) : loss;
  }

  #check(trainer: Trainer): string | null {
    if (this.#found === undefined) {
      this.#found = noGrad(() => tidy(() => firstNonFinite(trainer.params.map((p) => [p.name, p.isInitialized ? p.grad() : null] as const))));
    }
    return this.#found;
  }

  /** Divides the gradients by the scale in place (once per step) and checks them for inf/NaN. */
  unscale(trainer: Trainer): void {
    if (!this.enabled) return;
    if (this.#unscaled) throw new Error('GradScaler.unscale: already called since the last update()');
    const inv = 1 / this.#scale;
    noGrad(() => tidy(() => {
      for (const p of trainer.params) {
        const g = p.isInitialized ? p.grad() : null;
        if (g !== null) g.mul_(inv);
      }
    }));
    this.#unscaled = true;
    this.#check(trainer);
  }

  /** The optimizer step on the unscaled gradients, or none when any gradient has inf/NaN. Then call update(). */
  step(trainer: Trainer, batchSize: number, options: { ignoreStaleGrad?: boolean } = {}): ScaledStep {
    if (!this.enabled) {
      trainer.step(batchSize, options);
      return { applied: true, nonFinite: null };
    }
    const bad = this.#check(trainer);
    if (bad !== null) {
      for (const p of trainer.params) if (p.isInitialized && p.gradReq === 'write') p.zeroGrad();
      return { applied: false, nonFinite: bad };
    }
    trainer.step(this.#unscaled ? batchSize : batchSize * this.#scale, options);
    return { applied: true, nonFinite: null };
  }

  /** Adjusts the scale after a step: x backoffFactor after an overflow, x growthFactor after growthInterval good steps. */
  update(): void {
    if (!this.enabled) return;
    if (this.#found === undefined) throw new Error('GradScaler.update: call step() (or unscale()) first');
    if (this.#found !== null) {
      this.#scale *= this.backoffFactor;
      this.#growthTracker = 0;
    } else if (++this.#growthTracker === this.growthInterval) {
      this.#scale *= this.growthFactor;
      this.#growthTracker = 0;
    }
    this.#found = undefined;
    this.#unscaled = false;
  }

  stateDict(): GradScalerState {
    return { scale: this.#scale, growthTracker: this.#growthTracker };
  }

  loadStateDict(s: GradScalerState): void {
    this.#scale = checkFactor('scale', s.scale, (v) => v > 0, 'a positive number');
    this.#growthTracker = checkFactor('growthTracker', s.growthTracker, (v) => Number.isInteger(v) && v >= 0 && v < this.growthInterval, `an integer in [0, ${this.growthInterval})`);
  }
}
