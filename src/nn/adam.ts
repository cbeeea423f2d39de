// Adam exactly as MXNet 1.9.1 (`optimizer.py` Adam.update + `adam_update` kernel): weight decay is added to the
// gradient (L2, not decoupled), then clipped, and the bias correction is folded into the learning rate:
//   t = update count of this weight;  lr_t = lr * lrMult * sqrt(1 - beta2^t) / (1 - beta1^t)
//   g = clip(rescale_grad * grad + wd * w);  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g²
//   w = w - lr_t * m / (sqrt(v) + epsilon)
import { type Tensor, zerosLike } from '../tensor/index.js';
import { Optimizer, type OptimizerOptions, type ParamMults } from './optimizer.js';

export interface AdamOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export class Adam extends Optimizer {
  readonly kind = 'adam';
  readonly stateNames: readonly string[] = ['mean', 'var'];
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  /** MXNet's defaults: learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-8. */
  constructor(options: AdamOptions = {}) {
    super(options, 0.001);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
  }

  createState(_index: number, weight: Tensor): Tensor[] {
    return [zerosLike(weight), zerosLike(weight)];
  }

  update(index: number, weight: Tensor, grad: Tensor, state: Tensor[], mults: ParamMults): void {
    const t = this.countUpdate(index);
    const lr = (this.lrFor(mults) * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    const wd = this.wdFor(mults);
    let g = this.rescaleGrad === 1 ? grad.add(weight, wd) : grad.mul(this.rescaleGrad).add(weight, wd);
    const c = this.clipValue;
    if (c !== null) g = g.clamp(-c, c);
    const [mean, variance] = [state[0]!, state[1]!];
    mean.mul_(this.beta1).add_(g, 1 - this.beta1);
    variance.mul_(this.beta2).addcmul_(g, g, 1 - this.beta2);
    weight.addcdiv_(mean, variance.sqrt().add_(this.epsilon), -lr);
  }

  protected hyper(): Record<string, number | null> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
