// Gluon's nn.BatchNorm (MXNet 1.9.1 `gluon/nn/basic_layers.py`, `src/operator/nn/batch_norm.cc`), alias
// 'batchnorm', over channel axis 1. Parameters gamma (One), beta (Zero), running_mean (Zero) and running_var
// (One); the running ones have gradReq 'null'. In training mode the output uses the batch mean and the biased
// batch variance, and the running statistics move as MXNet does:
//   running = momentum * running + (1 - momentum) * batch      (momentum 0.9; the variance is the biased one)
// (PyTorch instead uses momentum 0.1 with the other convention and the unbiased variance.) In inference mode,
// or with useGlobalStats, the running statistics are used.
import { type Tensor, batchNorm, noGrad, zerosLike } from '../tensor/index.js';
import { Block, type BlockOptions } from './block.js';
import { positiveInt } from './conv.js';
import { One, Zero, type Initializer } from './initializer.js';
import { type Parameter } from './parameter.js';

export interface BatchNormOptions extends BlockOptions {
  inChannels: number;
  momentum?: number;
  epsilon?: number;
  /** Learn beta (otherwise it stays 0 with gradReq 'null'). */
  center?: boolean;
  /** Learn gamma (otherwise it stays 1 with gradReq 'null'). */
  scale?: boolean;
  useGlobalStats?: boolean;
  betaInitializer?: Initializer;
  gammaInitializer?: Initializer;
  runningMeanInitializer?: Initializer;
  runningVarianceInitializer?: Initializer;
}

export class BatchNorm extends Block {
  static override alias = 'batchnorm';
  readonly gamma: Parameter;
  readonly beta: Parameter;
  readonly runningMean: Parameter;
  readonly runningVar: Parameter;
  readonly momentum: number;
  readonly epsilon: number;
  readonly useGlobalStats: boolean;

  constructor(options: BatchNormOptions) {
    super(options);
    const c = positiveInt(options.inChannels, 'inChannels', 'BatchNorm');
    this.momentum = options.momentum ?? 0.9;
    this.epsilon = options.epsilon ?? 1e-5;
    this.useGlobalStats = options.useGlobalStats ?? false;
    this.gamma = this.param('gamma', { shape: [c], init: options.gammaInitializer ?? One(), gradReq: options.scale ?? true ? 'write' : 'null' });
    this.beta = this.param('beta', { shape: [c], init: options.betaInitializer ?? Zero(), gradReq: options.center ?? true ? 'write' : 'null' });
    this.runningMean = this.param('runningMean', { name: 'running_mean', shape: [c], init: options.runningMeanInitializer ?? Zero(), gradReq: 'null' });
    this.runningVar = this.param('runningVar', { name: 'running_var', shape: [c], init: options.runningVarianceInitializer ?? One(), gradReq: 'null' });
  }

  forward(x: Tensor): Tensor {
    const weight = this.gamma.data();
    const bias = this.beta.data();
    if (!this.training || this.useGlobalStats) {
      return batchNorm(x, this.runningMean.data(), this.runningVar.data(), { weight, bias, training: false, eps: this.epsilon });
    }
    const n = x.numel() / x.shape[1]!;
    if (n < 2) return this.#trainForwardTwoPass(x, weight, bias);
    // One pass: libtorch's training batch_norm computes the batch mean and variance as it normalizes, and moves
    // running buffers by its own rule (momentum on the batch side, unbiased variance). Buffers of zeros with
    // momentum 1 come back holding exactly the batch mean and the unbiased variance; MXNet's update is applied
    // from them (a separate mean/var pass cost about a sixth of the demo's step).
    const batchMean = zerosLike(this.runningMean.data());
    const batchVar = zerosLike(this.runningVar.data());
    const y = batchNorm(x, batchMean, batchVar, { weight, bias, training: true, momentum: 1, eps: this.epsilon });
    noGrad(() => {
      const m = this.momentum;
      this.runningMean.data().mul_(m).add_(batchMean, 1 - m);
      this.runningVar.data().mul_(m).add_(batchVar, ((1 - m) * (n - 1)) / n);
    });
    batchMean.dispose();
    batchVar.dispose();
    return y;
  }

  /** Training forward for a batch of one value per channel (an unbiased variance would divide by 0). */
  #trainForwardTwoPass(x: Tensor, weight: Tensor, bias: Tensor): Tensor {
    const dims = [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2)];
    noGrad(() => {
      const xd = x.detach();
      const mean = xd.mean(dims);
      const variance = xd.var(dims, false);
      const m = this.momentum;
      this.runningMean.data().mul_(m).add_(mean, 1 - m);
      this.runningVar.data().mul_(m).add_(variance, 1 - m);
      mean.dispose();
      variance.dispose();
      xd.dispose();
    });
    return batchNorm(x, null, null, { weight, bias, training: true, eps: this.epsilon });
  }

  protected override extraRepr(): string {
    return `axis=1, eps=${this.epsilon}, momentum=${this.momentum}, in_channels=${this.gamma.shape[0]}`;
  }
}
