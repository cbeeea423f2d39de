// Gluon's nn.Dense (MXNet 1.9.1 `gluon/nn/basic_layers.py`), alias 'dense': y = x W^T + b with weight
// (units, inUnits) and bias (units, Zero by default). With flatten (the default) inputs are reshaped to (B, -1).
import { type Tensor, linear } from '../tensor/index.js';
import { Block, type BlockOptions } from './block.js';
import { positiveInt } from './conv.js';
import { Zero, type Initializer } from './initializer.js';
import { type Parameter } from './parameter.js';

export interface DenseOptions extends BlockOptions {
  units: number;
  inUnits: number;
  useBias?: boolean;
  flatten?: boolean;
  activation?: 'relu' | null;
  weightInitializer?: Initializer | null;
  biasInitializer?: Initializer;
}

export class Dense extends Block {
  static override alias = 'dense';
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly units: number;
  readonly inUnits: number;
  readonly flatten: boolean;
  readonly activation: 'relu' | null;

  constructor(options: DenseOptions) {
    super(options);
    this.units = positiveInt(options.units, 'units', 'Dense');
    this.inUnits = positiveInt(options.inUnits, 'inUnits', 'Dense');
    this.flatten = options.flatten ?? true;
    this.activation = options.activation ?? null;
    this.weight = this.param('weight', { shape: [this.units, this.inUnits], init: options.weightInitializer ?? null });
    this.bias = options.useBias ?? true ? this.param('bias', { shape: [this.units], init: options.biasInitializer ?? Zero() }) : null;
  }

  forward(x: Tensor): Tensor {
    const input = this.flatten && x.ndim !== 2 ? x.reshape(x.shape[0]!, -1) : x;
    const y = linear(input, this.weight.data(), this.bias?.data() ?? null);
    return this.activation === 'relu' ? y.relu() : y;
  }

  protected override extraRepr(): string {
    return `${this.inUnits} -> ${this.units}${this.activation ? `, ${this.activation}` : ''}`;
  }
}
