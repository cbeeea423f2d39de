// Gluon's nn.Conv2D (MXNet 1.9.1 `gluon/nn/conv_layers.py`), alias 'conv': weight (channels, inChannels/groups,
// kh, kw) with the layer's weightInitializer (none by default: the block's initialize() default applies), bias
// (channels) with biasInitializer (Zero by default). inChannels is required so parameters exist at once.
//
//   new Conv2D({ channels: 1024, inChannels: 512, kernelSize: 3, padding: 6, dilation: 6,
//                weightInitializer: init.Xavier({ rndType: 'gaussian', factorType: 'out', magnitude: 2 }) });
import { type Tensor, conv2d } from '../tensor/index.js';
import { Block, type BlockOptions } from './block.js';
import { Zero, type Initializer } from './initializer.js';
import { type Parameter } from './parameter.js';

export type Pair = number | [number, number];

export interface Conv2DOptions extends BlockOptions {
  channels: number;
  inChannels: number;
  kernelSize: Pair;
  strides?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  useBias?: boolean;
  /** 'relu' applies a ReLU after the convolution (Gluon's activation argument). */
  activation?: 'relu' | null;
  weightInitializer?: Initializer | null;
  biasInitializer?: Initializer;
}

export function toPair(v: Pair, what: string, layer: string): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= 0)) {
    throw new TypeError(`${layer}: ${what} must be a non-negative integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [p[0]!, p[1]!];
}

export function positiveInt(v: number, what: string, layer: string): number {
  if (!Number.isInteger(v) || v <= 0) throw new TypeError(`${layer}: ${what} must be a positive integer, got ${String(v)}`);
  return v;
}

export class Conv2D extends Block {
  static override alias = 'conv';
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly channels: number;
  readonly inChannels: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  readonly activation: 'relu' | null;

  constructor(options: Conv2DOptions) {
    super(options);
    this.channels = positiveInt(options.channels, 'channels', 'Conv2D');
    this.inChannels = positiveInt(options.inChannels, 'inChannels', 'Conv2D');
    this.kernelSize = toPair(options.kernelSize, 'kernelSize', 'Conv2D');
    this.strides = toPair(options.strides ?? 1, 'strides', 'Conv2D');
    this.padding = toPair(options.padding ?? 0, 'padding', 'Conv2D');
    this.dilation = toPair(options.dilation ?? 1, 'dilation', 'Conv2D');
    this.groups = positiveInt(options.groups ?? 1, 'groups', 'Conv2D');
    this.activation = options.activation ?? null;
    if (this.activation !== null && this.activation !== 'relu') throw new RangeError(`Conv2D: unsupported activation '${String(this.activation)}'`);
    if (this.inChannels % this.groups !== 0 || this.channels % this.groups !== 0) {
      throw new RangeError(`Conv2D: channels (${this.channels}) and inChannels (${this.inChannels}) must be divisible by groups (${this.groups})`);
    }
    this.weight = this.param('weight', {
      shape: [this.channels, this.inChannels / this.groups, ...this.kernelSize],
      init: options.weightInitializer ?? null,
    });
    this.bias = options.useBias ?? true ? this.param('bias', { shape: [this.channels], init: options.biasInitializer ?? Zero() }) : null;
  }

  forward(x: Tensor): Tensor {
    const y = conv2d(x, this.weight.data(), this.bias?.data() ?? null, {
      stride: this.strides,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
    return this.activation === 'relu' ? y.relu() : y;
  }

  protected override extraRepr(): string {
    const k = this.kernelSize.join('x');
    const extras = [
      this.strides.some((s) => s !== 1) ? `stride=(${this.strides.join(', ')})` : '',
      this.padding.some((s) => s !== 0) ? `padding=(${this.padding.join(', ')})` : '',
      this.dilation.some((s) => s !== 1) ? `dilation=(${this.dilation.join(', ')})` : '',
      this.groups !== 1 ? `groups=${this.groups}` : '',
      this.bias === null ? 'bias=False' : '',
      this.activation ? `activation=${this.activation}` : '',
    ].filter(Boolean);
    return [`${this.inChannels} -> ${this.channels}`, `kernel_size=${k}`, ...extras].join(', ');
  }
}
