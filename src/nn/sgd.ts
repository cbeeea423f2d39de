// SGD exactly as MXNet 1.9.1's `sgd_mom_update` / `sgd_update` kernels (`src/operator/optimizer_op-inl.h`;
// spec §7.2). With g = clip(rescale_grad * grad) (clipping only when clipGradient is set; wd is never clipped),
// lr = lr * lrMult and wd = wd * wdMult:
//   momentum > 0:  mom = momentum * mom - lr * wd * w - lr * g;   w = w + mom
//   momentum = 0:  w = (1 - lr * wd) * w - lr * g
// i.e. the docstring's state = momentum * state + lr * (g + wd * w); w -= state, with mom = -state.
import { type Tensor, zerosLike } from '../tensor/index.js';
import { Optimizer, type OptimizerOptions, type ParamMults } from './optimizer.js';

export interface SGDOptions extends OptimizerOptions {
  momentum?: number;
}

export class SGD extends Optimizer {
  readonly kind = 'sgd';
  readonly momentum: number;
  get stateNames(): readonly string[] {
    return this.momentum > 0 ? ['mom'] : [];
  }

  /** MXNet's defaults: learningRate 0.01, momentum 0, wd 0. */
  constructor(options: SGDOptions = {}) {
    super(options, 0.01);
    this.momentum = options.momentum ?? 0;
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new RangeError(`SGD: momentum must be in [0, 1), got ${this.momentum}`);
  }

  createState(_index: number, weight: Tensor): Tensor[] {
    return this.momentum > 0 ? [zerosLike(weight)] : [];
  }

  update(index: number, weight: Tensor, grad: Tensor, state: Tensor[], mults: ParamMults): void {
    this.countUpdate(index);
    const lr = this.lrFor(mults);
    const wd = this.wdFor(mults);
    const c = this.clipValue;
    // rescale 1 without clipping (train_ssd.py's trainer.step(1)) uses the gradient as it is: no new tensor
    let g = this.rescaleGrad === 1 && c === null ? grad : grad.mul(this.rescaleGrad);
    if (c !== null) g = g.clamp(-c, c);
    if (this.momentum > 0) {
      const mom = state[0]!;
      mom.mul_(this.momentum).sub_(weight, lr * wd).sub_(g, lr);
      weight.add_(mom);
    } else {
      weight.mul_(1 - lr * wd).sub_(g, lr);
    }
  }

  protected hyper(): Record<string, number | null> {
    return { momentum: this.momentum };
  }
}
