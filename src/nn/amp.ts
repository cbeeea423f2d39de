// `--amp` for a training loop: GluonCV's train_ssd.py --amp (amp.init(), amp.init_trainer, amp.scale_loss) as
// PyTorch users write it: the forward pass and loss under autocast, the backward on a scaled loss, the step
// through a GradScaler. float16 (the default on GPUs) scales the loss; bfloat16 (the CPU's autocast dtype in
// libtorch 1.13, and an option on GPUs) has float32's range and needs no scaling.
//
//   const amp = createAmp({ device, enabled: flags.amp, dtype: flags.ampDtype });
//   const loss = amp.autocast(() => lossOf(net.forwardTrain(x)));   // fp16/bf16 convs, fp32 loss
//   amp.backward(loss);                                             // (loss x scale).backward()
//   const { applied } = amp.step(trainer, batchSize);               // skipped on inf/NaN; the scale adapts
import { type Tensor, tidy, withAutocast, type AutocastDtype, torchVersion } from '../tensor/index.js';
import { GradScaler, type GradScalerOptions, type ScaledStep } from './gradScaler.js';
import { type Trainer } from './trainer.js';

export interface AmpOptions {
  /** 'cpu' or 'cuda:K' (parseDevice's result). */
  device: string;
  /** false: everything in float32, the scaler passes through. */
  enabled: boolean;
  /** Default: defaultAmpDtype(device). */
  dtype?: AutocastDtype;
  scaler?: GradScalerOptions;
}

export interface Amp {
  readonly enabled: boolean;
  readonly device: string;
  readonly dtype: AutocastDtype;
  /** Enabled only for float16. */
  readonly scaler: GradScaler;
  /** Runs fn (forward pass + loss) under autocast, or plainly when disabled. */
  autocast<T>(fn: () => T): T;
  /** Backward of loss x scale. */
  backward(loss: Tensor): void;
  /** scaler.step + scaler.update. */
  step(trainer: Trainer, batchSize: number, options?: { ignoreStaleGrad?: boolean }): ScaledStep;
}

/** float16 on a GPU (GluonCV's --amp), bfloat16 on the CPU (the only CPU autocast dtype before libtorch 2). */
export function defaultAmpDtype(device: string): AutocastDtype {
  return device.startsWith('cuda') ? 'float16' : 'bfloat16';
}

/** Throws when libtorch cannot autocast to dtype on the device (CPU float16 needs libtorch >= 2). */
export function checkAmpDtype(device: string, dtype: AutocastDtype, flag = '--amp-dtype'): void {
  if (device === 'cpu' && dtype === 'float16' && Number(torchVersion().split('.')[0]) < 2) {
    throw new RangeError(`${flag} float16 on the CPU needs libtorch >= 2 (this build: ${torchVersion()}); use bfloat16 or a cuda device`);
  }
}

export function createAmp(o: AmpOptions): Amp {
  const dtype = o.dtype ?? defaultAmpDtype(o.device);
  if (o.enabled) checkAmpDtype(o.device, dtype);
  const scaler = new GradScaler({ ...o.scaler, enabled: o.enabled && dtype === 'float16' });
  return {
    enabled: o.enabled,
    device: o.device,
    dtype,
    scaler,
    autocast: <T>(fn: () => T): T => (o.enabled ? withAutocast(o.device, dtype, fn) : fn()),
    backward: (loss: Tensor) => tidy(() => scaler.scale(loss).backward()),
    step(trainer, batchSize, options = {}) {
      const r = scaler.step(trainer, batchSize, options);
      scaler.update();
      return r;
    },
  };
}
