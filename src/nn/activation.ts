// Gluon's nn.Activation (MXNet 1.9.1 `gluon/nn/activations.py`): a parameter-free block named after its type
// (alias = the activation name, e.g. 'relu0_'). ReLU is Activation('relu'); `new ReLU({ inplace: true })`
// overwrites its input, as PyTorch's nn.ReLU(inplace=True): for an input nothing else reads (a convolution's
// output), it saves an activation-sized allocation per layer.
import { type Tensor } from '../tensor/index.js';
import { Block, type BlockOptions } from './block.js';

export type ActivationType = 'relu' | 'sigmoid' | 'tanh';

export interface ActivationOptions extends BlockOptions {
  /** Overwrite the input instead of allocating the output (relu only). */
  inplace?: boolean;
}

export class Activation extends Block {
  readonly actType: ActivationType;
  readonly inplace: boolean;
  constructor(actType: ActivationType, options: ActivationOptions = {}) {
    if (!['relu', 'sigmoid', 'tanh'].includes(actType)) throw new RangeError(`Activation: unsupported type '${String(actType)}'`);
    if (options.inplace && actType !== 'relu') throw new RangeError(`Activation: inplace is supported for relu only, not '${actType}'`);
    super(options, actType);
    this.actType = actType;
    this.inplace = options.inplace ?? false;
  }

  forward(x: Tensor): Tensor {
    switch (this.actType) {
      case 'relu': return this.inplace ? x.relu_() : x.relu();
      case 'sigmoid': return x.sigmoid();
      case 'tanh': return x.tanh();
    }
  }

  protected override extraRepr(): string {
    return this.inplace ? `${this.actType}, inplace` : this.actType;
  }
}

export class ReLU extends Activation {
  constructor(options: ActivationOptions = {}) {
    super('relu', options);
  }
}
