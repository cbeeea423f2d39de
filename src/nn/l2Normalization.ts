// L2 normalization (MXNet 1.9.1 `src/operator/l2_normalization-inl.h`) and GluonCV's `Normalize` block on VGG's
// conv4_3 (spec §2.1, `gluoncv/model_zoo/ssd/vgg_atrous.py`):
//   out = x / sqrt(sum_c x^2 + eps) * scale,   scale (1, C, 1, 1) trainable, init Constant(20), eps 1e-5.
// eps is inside the square root (torchvision's F.normalize instead divides by max(||x||, 1e-12)).
import { type Tensor } from '../tensor/index.js';
import { Block, type BlockOptions } from './block.js';
import { positiveInt } from './conv.js';
import { Constant } from './initializer.js';
import { type Parameter } from './parameter.js';

/** 'channel': over axis 1 per position; 'instance': over all axes but 0; 'spatial': over axes 2.. per channel. */
export type L2NormMode = 'channel' | 'instance' | 'spatial';

/** `F.L2Normalization(x, eps, mode)`: x / sqrt(sum x^2 + eps) (MXNet's default eps is 1e-10, mode 'instance'). */
export function l2Normalization(x: Tensor, options: { eps?: number; mode?: L2NormMode } = {}): Tensor {
  const eps = options.eps ?? 1e-10;
  const mode = options.mode ?? 'instance';
  const n = x.ndim;
  let dims: number[];
  switch (mode) {
    case 'channel': dims = [1]; break;
    case 'instance': dims = Array.from({ length: n - 1 }, (_, i) => i + 1); break;
    case 'spatial': dims = Array.from({ length: n - 2 }, (_, i) => i + 2); break;
    default: throw new RangeError(`l2Normalization: unknown mode '${String(mode)}'`);
  }
  if (n < 2 || (mode === 'spatial' && n < 3)) throw new RangeError(`l2Normalization: input of shape [${x.shape.join(', ')}] is too small for mode '${mode}'`);
  return x.div(x.square().sum(dims, true).add(eps).sqrt());
}

export interface L2NormalizationOptions extends BlockOptions {
  /** Number of channels (axis 1). */
  channels: number;
  /** Initial value of the per-channel scale; GluonCV uses 20. */
  initial?: number;
  eps?: number;
}

/**
 * GluonCV's `Normalize(n_channel, initial, eps)`: channel-mode L2 normalization times a trainable per-channel
 * scale. Named like GluonCV (alias 'normalize', parameter `normalize_scale` → `..._normalize0_normalize_scale`);
 * structural name `scale`.
 */
export class L2Normalization extends Block {
  static override alias = 'normalize';
  readonly scale: Parameter;
  readonly eps: number;

  constructor(options: L2NormalizationOptions) {
    super(options);
    const c = positiveInt(options.channels, 'channels', 'L2Normalization');
    this.eps = options.eps ?? 1e-5;
    this.scale = this.param('scale', { name: 'normalize_scale', shape: [1, c, 1, 1], init: Constant(options.initial ?? 20) });
  }

  forward(x: Tensor): Tensor {
    return l2Normalization(x, { eps: this.eps, mode: 'channel' }).mul(this.scale.data());
  }

  protected override extraRepr(): string {
    return `channels=${this.scale.shape[1]}, eps=${this.eps}`;
  }
}

/** GluonCV's name for the block. */
export { L2Normalization as Normalize };
