// Gluon's pooling layers (MXNet 1.9.1 `gluon/nn/conv_layers.py`), alias 'pool'. ceilMode is MXNet's
// pooling_convention='full': out = ceil((in + 2p - k) / s) + 1 (VGG's 75 -> 38). libtorch additionally drops a
// last window that would start in the right padding; MaxPool2D pads with -inf to keep MXNet's size in that
// case. AvgPool2D uses libtorch's ceil mode as is (the two differ only in that corner case).
import { type Tensor, maxPool2d, avgPool2d, adaptiveAvgPool2d, pad } from '../tensor/index.js';
import { Block, type BlockOptions } from './block.js';
import { type Pair, toPair } from './conv.js';

export interface Pool2DOptions extends BlockOptions {
  /** Window size; default 2. */
  poolSize?: Pair;
  /** Defaults to poolSize. */
  strides?: Pair;
  padding?: Pair;
  /** MXNet's pooling_convention='full'. */
  ceilMode?: boolean;
}

/** Output length along one axis under MXNet's 'full' (ceil) or 'valid' (floor) convention. */
export function pooledSize(input: number, kernel: number, stride: number, padding: number, ceilMode: boolean): number {
  const span = input + 2 * padding - kernel;
  return (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
}

abstract class Pool2D extends Block {
  static override alias = 'pool';
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;

  constructor(options: Pool2DOptions, layer: string) {
    super(options);
    this.poolSize = toPair(options.poolSize ?? 2, 'poolSize', layer);
    this.strides = toPair(options.strides ?? this.poolSize, 'strides', layer);
    this.padding = toPair(options.padding ?? 0, 'padding', layer);
    this.ceilMode = options.ceilMode ?? false;
  }

  protected override extraRepr(): string {
    return `size=(${this.poolSize.join(', ')}), stride=(${this.strides.join(', ')}), padding=(${this.padding.join(', ')}), ceil_mode=${this.ceilMode}`;
  }
}

export class MaxPool2D extends Pool2D {
  constructor(options: Pool2DOptions = {}) {
    super(options, 'MaxPool2D');
  }

  forward(x: Tensor): Tensor {
    const o = { kernelSize: this.poolSize, stride: this.strides, padding: this.padding };
    if (!this.ceilMode) return maxPool2d(x, o);
    const [h, w] = [x.shape[2]!, x.shape[3]!];
    const extra = [0, 1].map((d) => {
      const input = d === 0 ? h : w;
      const out = pooledSize(input, this.poolSize[d]!, this.strides[d]!, this.padding[d]!, true);
      return Math.max(0, (out - 1) * this.strides[d]! + this.poolSize[d]! - (input + 2 * this.padding[d]!));
    });
    if (extra[0] === 0 && extra[1] === 0) return maxPool2d(x, o);
    const [ph, pw] = this.padding;
    const padded = pad(x, [pw, pw + extra[1]!, ph, ph + extra[0]!], -Infinity);
    return maxPool2d(padded, { kernelSize: this.poolSize, stride: this.strides });
  }
}

export interface AvgPool2DOptions extends Pool2DOptions {
  /** Count padded zeros in the average (Gluon's default true). */
  countIncludePad?: boolean;
}

export class AvgPool2D extends Pool2D {
  readonly countIncludePad: boolean;
  constructor(options: AvgPool2DOptions = {}) {
    super(options, 'AvgPool2D');
    this.countIncludePad = options.countIncludePad ?? true;
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, {
      kernelSize: this.poolSize,
      stride: this.strides,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
    });
  }
}

/** Mean over the spatial axes, keeping them as 1x1: (B, C, H, W) -> (B, C, 1, 1). */
export class GlobalAvgPool2D extends Block {
  static override alias = 'pool';
  constructor(options: BlockOptions = {}) {
    super(options);
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, 1);
  }
}
