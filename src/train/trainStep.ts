// One step of train_ssd.py's loop (GluonCV scripts/detection/ssd/train_ssd.py, the body of `for i, batch in
// enumerate(train_data)`): forward, SSDMultiBoxLoss, backward, the gradients summed across ranks, trainer.step(1).
// Every decision is the same on every rank: the positives and the loss values are summed across ranks before
// anything is decided, and the gradients are checked after they are summed. A NaN/Inf loss or gradient leaves no
// trace (BatchNorm statistics restored); an update that makes a parameter non-finite is fatal.
//
//   const step = new TrainStep(net, trainer, lossFn, proc, { overlap: true });
//   const r = step.run(batch);   // { cls, box, bad: null } or { bad: 'why', fatal? }
import { type GradReducer, type Tensor, dispose, keep, noGrad, tidy } from '../tensor/index.js';
import { firstNonFinite, type Amp, type Trainer, type Parameter } from '../nn/index.js';
import type { SSDMultiBoxLoss } from '../detection/index.js';
import type { SSD } from '../models/index.js';
import type { TrainProcess } from './processGroup.js';
import type { TrainingBatch } from './trainData.js';
import { culpritSentence, nonFiniteLossMessage, type LossTerm } from './nonFinite.js';

export interface StepResult {
  /** CrossEntropy and SmoothL1 of the global batch (summed over ranks). */
  cls: number;
  box: number;
  /** Why the step was not applied; null when it was. */
  bad: string | null;
  /** The update was applied and made a parameter non-finite: training cannot go on. */
  fatal?: boolean;
  /** --amp float16: the scaled gradients overflowed, so the step was skipped and the loss scale halved. */
  overflow?: boolean;
}

export interface TrainStepOptions {
  /** Start each gradient bucket's allreduce during backward (default true). */
  overlap?: boolean;
  /** Gradient bucket size in MiB (default 25, DDP's). */
  bucketCapMb?: number;
  /** Mixed precision: forward and loss under autocast, backward of the scaled loss, the step through its scaler. */
  amp?: Amp;
  /** Feed the network channels-last (NHWC-strided) images, timm's --channels-last (TrainOptions.channelsLast). */
  channelsLast?: boolean;
}

export class TrainStep {
  readonly #net: SSD;
  readonly #trainer: Trainer;
  readonly #loss: SSDMultiBoxLoss;
  readonly #proc: TrainProcess;
  readonly #overlap: boolean;
  readonly #reducer: GradReducer | null;
  readonly #amp: Amp | null;
  readonly #channelsLast: boolean;
  /** Parameters no optimizer updates (BatchNorm's running statistics, constants): restored when a batch is skipped. */
  readonly #untrained: Parameter[];
  /** Gradient buckets started during backward in the last step (overlapped with it). */
  overlappedBuckets = 0;
  /** Milliseconds the last step spent in the gradient reduction after backward returned (waiting for the sums). */
  reduceWaitMs = 0;

  constructor(net: SSD, trainer: Trainer, lossFn: SSDMultiBoxLoss, proc: TrainProcess, o: TrainStepOptions = {}) {
    this.#net = net;
    this.#trainer = trainer;
    this.#loss = lossFn;
    this.#proc = proc;
    this.#overlap = o.overlap ?? true;
    this.#amp = o.amp?.enabled ? o.amp : null;
    this.#channelsLast = o.channelsLast ?? false;
    this.#untrained = [...net.collectParams().values()].filter((p) => p.gradReq === 'null' && p.isInitialized);
    const trainable = net.collectParams().trainable();
    this.#reducer = proc.group ? proc.group.gradReducer(trainable.map((p) => p.data()), (o.bucketCapMb ?? 25) * 2 ** 20) : null;
  }

  get gradientBuckets(): number {
    return this.#reducer?.buckets ?? 0;
  }

  run(batch: TrainingBatch): StepResult {
    const statsBefore = noGrad(() => tidy(() => keep(this.#untrained.map((p) => p.data().clone()))));
    try {
      const r = tidy(() => this.#forwardBackwardUpdate(batch));
      if (r.bad !== null) {
        this.#net.zeroGrad();
        noGrad(() => this.#untrained.forEach((p, i) => p.data().copy_(statsBefore[i]!)));
      }
      return r;
    } finally {
      dispose(statsBefore);
    }
  }

  #forwardBackwardUpdate(b: TrainingBatch): StepResult {
    this.reduceWaitMs = 0;
    const localPositives = b.clsTargets.gt(0).sum().item();
    const [batchPositives] = this.#proc.sum([localPositives]);
    const losses = this.#lossOf(b, batchPositives!);
    const [cls, box] = this.#proc.sum([losses.cls.sum().item(), losses.box.sum().item()]) as [number, number];
    const lossBad = nonFiniteLossMessage(cls, box);
    if (lossBad) return { cls, box, bad: lossBad };
    if (this.#overlap) this.#reducer?.prepare();
    if (this.#amp) this.#amp.backward(losses.sum.sum());
    else losses.sum.sum().backward();
    const t0 = performance.now();
    this.#reducer?.finish();
    this.reduceWaitMs = performance.now() - t0;
    this.overlappedBuckets = this.#reducer?.overlappedBuckets ?? 0;
    const params = this.#net.collectParams().trainable();
    if (this.#amp?.scaler.enabled) return this.#scaledUpdate(cls, box, params);
    const badGrad = firstNonFinite(params.map((p) => [p.name, p.grad()]));
    if (badGrad) return { cls, box, bad: `the gradient of ${badGrad} is not finite (CrossEntropy ${cls}, SmoothL1 ${box}; ${this.#blame(b, batchPositives!)})` };
    if (this.#amp) this.#amp.step(this.#trainer, 1);
    else this.#trainer.step(1);
    const badParam = firstNonFinite(params.map((p) => [p.name, p.data()]));
    if (badParam) return { cls, box, bad: `the update made ${badParam} non-finite (CrossEntropy ${cls}, SmoothL1 ${box})`, fatal: true };
    return { cls, box, bad: null };
  }

  /** float16 --amp: the scaler checks the (summed, scaled) gradients; an overflow skips the step, not an error. */
  #scaledUpdate(cls: number, box: number, params: Parameter[]): StepResult {
    const { applied } = this.#amp!.step(this.#trainer, 1);
    if (!applied) return { cls, box, bad: null, overflow: true };
    const badParam = firstNonFinite(params.map((p) => [p.name, p.data()]));
    if (badParam) return { cls, box, bad: `the update made ${badParam} non-finite (CrossEntropy ${cls}, SmoothL1 ${box})`, fatal: true };
    return { cls, box, bad: null };
  }

  /** The forward pass (under autocast with --amp: float16/bfloat16 convolutions), then the loss in float32. */
  #lossOf(b: TrainingBatch, batchPositives: number): { sum: Tensor; cls: Tensor; box: Tensor } {
    const x = this.#channelsLast ? b.images.contiguous('channelsLast') : b.images;
    if (!this.#amp) {
      const [clsPreds, boxPreds] = this.#net.forwardTrain(x);
      return this.#loss.compute(clsPreds, boxPreds, b.clsTargets, b.boxTargets, { batchPositives });
    }
    const [clsPreds, boxPreds] = this.#amp.autocast(() => this.#net.forwardTrain(x));
    return this.#loss.compute(clsPreds.float(), boxPreds.float(), b.clsTargets, b.boxTargets, { batchPositives });
  }

  /**
   * Rare path: back-propagates each loss term alone, on this rank's part of the batch, to name the one
   * responsible (no collectives: the reducer is not armed). The forward pass uses no randomness and BatchNorm's
   * running statistics are restored afterwards, so this changes nothing.
   */
  #blame(b: TrainingBatch, batchPositives: number): string {
    const culprits = (['cls', 'box'] as LossTerm[]).filter((term) =>
      tidy(() => {
        this.#net.zeroGrad();
        this.#lossOf(b, batchPositives)[term].sum().backward();
        return firstNonFinite(this.#net.collectParams().trainable().map((p) => [p.name, p.grad()])) !== null;
      }),
    );
    return culpritSentence(culprits);
  }
}
