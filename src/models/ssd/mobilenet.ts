// GluonCV's MobileNet v1 (`gluoncv/model_zoo/mobilenet.py`) as a FeatureExpander backbone (spec §2.6): a 3x3/2
// conv then 13 depthwise-separable pairs (3x3 depthwise conv + BN + ReLU, 1x1 conv + BN + ReLU), all convs
// without bias, channels scaled by the multiplier. The classifier (global pool, flatten, Dense) is omitted.
// Everything lives in one HybridSequential with prefix '', so the layers are `mobilenet0_conv0..26_`,
// `mobilenet0_batchnorm0..26_`, and the ReLUs `relu0..26`; the internal output `relu{k}_fwd` is the output of
// the k-th ReLU (SSD uses relu22_fwd, 32x32x512 at 512 input, and relu26_fwd, 16x16x1024). Structural names
// `features.{i}.weight` as GluonCV's save_parameters.
import { type Tensor } from '../../tensor/index.js';
import { Activation, Block, BatchNorm, Conv2D, ReLU, Sequential, type BlockOptions } from '../../nn/index.js';
import { type NamedOutputNetwork } from './featureExpander.js';

export interface MobileNetOptions extends BlockOptions {
  /** Width multiplier (1.0, 0.75, 0.5, 0.25). */
  multiplier?: number;
}

export class MobileNet extends Block implements NamedOutputNetwork {
  readonly features: Sequential;
  readonly multiplier: number;
  /** Output channels of ReLU k. */
  readonly reluChannels: readonly number[];

  constructor(options: MobileNetOptions = {}) {
    super(options);
    const m = options.multiplier ?? 1;
    if (!(m > 0)) throw new RangeError(`MobileNet: multiplier must be positive, got ${m}`);
    this.multiplier = m;
    const reluChannels: number[] = [];
    this.features = this.registerChild(
      'features',
      this.nameScope(() => {
        const f = new Sequential({ prefix: '' });
        let inC = 3;
        const addConv = (channels: number, kernel: number, stride: number, pad: number, groups = 1): void => {
          f.add(new Conv2D({ channels, inChannels: inC, kernelSize: kernel, strides: stride, padding: pad, groups, useBias: false }));
          f.add(new BatchNorm({ inChannels: channels }), new ReLU({ inplace: true })); // BatchNorm's backward does not read its output
          reluChannels.push(channels);
          inC = channels;
        };
        addConv(Math.trunc(32 * m), 3, 2, 1);
        const dw = [32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024].map((x) => Math.trunc(x * m));
        const pw = [64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024].map((x) => Math.trunc(x * m));
        const strides = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1];
        dw.forEach((dwc, i) => {
          addConv(dwc, 3, strides[i]!, 1, dwc);
          addConv(pw[i]!, 1, 1, 0);
        });
        return f;
      }),
    );
    this.reluChannels = reluChannels;
  }

  #parse(name: string): number {
    const m = /^relu(\d+)_fwd(?:_output)?$/.exec(name);
    const k = m ? Number(m[1]) : NaN;
    if (!m || k >= this.reluChannels.length) throw new RangeError(`MobileNet: unknown output '${name}' (expected relu{0..${this.reluChannels.length - 1}}_fwd)`);
    return k;
  }

  channelsOf(name: string): number {
    return this.reluChannels[this.#parse(name)]!;
  }

  forwardOutputs(x: Tensor, names: readonly string[]): Tensor[] {
    const wanted = names.map((n) => this.#parse(n));
    const last = Math.max(...wanted);
    const found = new Map<number, Tensor>();
    let y = x;
    let k = 0;
    for (const layer of this.features) {
      y = layer.forward(y);
      if (layer instanceof Activation) {
        found.set(k, y);
        if (k++ === last) break;
      }
    }
    return wanted.map((i) => found.get(i)!);
  }
}

/** GluonCV's get_mobilenet(multiplier) without weights or classifier ('mobilenet1.0', 'mobilenet0.25', ...). */
export function getMobileNet(multiplier: number, options: BlockOptions = {}): MobileNet {
  return new MobileNet({ multiplier, ...options });
}
