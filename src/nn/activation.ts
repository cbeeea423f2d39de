// Gluon's nn.Activation (MXNet 1.9.1 `gluon/nn/activations.py`): a parameter-free block named after its type
// (alias = the activation name, e.g. 'relu0_'). ReLU is Activation('relu').
import { type Tensor } from '../tensor/index.js';
import { Block, type BlockOptions } from './block.js';

export type ActivationType = 'relu' | 'sigmoid' | 'tanh';

export class Activation extends Block {
  readonly actType: ActivationType;
  constructor(actType: ActivationType, options: BlockOptions = {}) {
    if (!['relu', 'sigmoid', 'tanh'].includes(actType)) throw new RangeError(`Activation: unsupported type '${String(actType)}'`);
    super(options, actType);
    this.actType = actType;
  }

  forward(x: Tensor): Tensor {
    switch (this.actType) {
      case 'relu': return x.relu();
      case 'sigmoid': return x.sigmoid();
      case 'tanh': return x.tanh();
    }
  }

  protected override extraRepr(): string {
    return this.actType;
  }
}

export class ReLU extends Activation {
  constructor(options: BlockOptions = {}) {
    super('relu', options);
  }
}
