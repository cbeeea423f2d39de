// GluonCV's ResNet V1 (`gluoncv/model_zoo/resnet.py`: ResNetV1, BasicBlockV1, BottleneckV1) as the backbone of
// the FeatureExpander SSDs (spec §2.6): stem conv 7x7/2 (no bias) + BN + ReLU + max-pool 3x3/2 pad 1, then four
// stages of residual blocks. BottleneckV1 is the original v1: the stride sits on its first 1x1 conv, and both of
// its 1x1 convs have a bias. The classifier (global pool + Dense) is omitted: SSD only reads internal outputs.
//
// Names as GluonCV: the blocks use prefix '' and create their layers in the stage's scope, so a stage's convs and
// batch norms count across its blocks (`resnetv10_stage1_conv0..`, `..._batchnorm0..`); structural names
// `features.{i}...` (`features.4.0.body.0.weight`, `features.4.0.downsample.0.weight`). The internal output
// `stage{s}_activation{k}` (FeatureExpander's `outputs`) is the result of block k of stage s.
import { type Tensor } from '../../tensor/index.js';
import { Block, BatchNorm, Conv2D, MaxPool2D, ReLU, Sequential, type BlockOptions, type Layer } from '../../nn/index.js';
import { type NamedOutputNetwork } from './featureExpander.js';

export type ResNetBlockKind = 'basic' | 'bottleneck';

interface ResidualOptions extends BlockOptions {
  channels: number;
  stride: number;
  downsample: boolean;
  inChannels: number;
}

/** 3x3 conv without bias (`_conv3x3`). */
function conv3x3(channels: number, stride: number, inChannels: number): Conv2D {
  return new Conv2D({ channels, inChannels, kernelSize: 3, strides: stride, padding: 1, useBias: false });
}

function makeDownsample(o: ResidualOptions): Sequential | null {
  if (!o.downsample) return null;
  const d = new Sequential({ prefix: '' });
  d.add(new Conv2D({ channels: o.channels, inChannels: o.inChannels, kernelSize: 1, strides: o.stride, useBias: false }), new BatchNorm({ inChannels: o.channels }));
  return d;
}

/** conv3x3(stride) BN ReLU conv3x3 BN, + shortcut, ReLU (ResNet-18/34). */
export class BasicBlockV1 extends Block implements Layer {
  readonly body: Sequential;
  readonly downsample: Sequential | null;

  constructor(options: ResidualOptions) {
    super(options);
    const body = new Sequential({ prefix: '' });
    body.add(conv3x3(options.channels, options.stride, options.inChannels), new BatchNorm({ inChannels: options.channels }), new ReLU());
    body.add(conv3x3(options.channels, 1, options.channels), new BatchNorm({ inChannels: options.channels }));
    this.body = this.registerChild('body', body);
    const ds = makeDownsample(options);
    this.downsample = ds ? this.registerChild('downsample', ds) : null;
  }

  forward(x: Tensor): Tensor {
    const y = this.body.forward(x);
    const residual = this.downsample ? this.downsample.forward(x) : x;
    return residual.add(y).relu();
  }
}

/** conv1x1(channels/4, stride, bias) BN ReLU conv3x3 BN ReLU conv1x1(channels, bias) BN, + shortcut, ReLU. */
export class BottleneckV1 extends Block implements Layer {
  readonly body: Sequential;
  readonly downsample: Sequential | null;

  constructor(options: ResidualOptions) {
    super(options);
    const c = options.channels;
    const body = new Sequential({ prefix: '' });
    body.add(new Conv2D({ channels: c / 4, inChannels: options.inChannels, kernelSize: 1, strides: options.stride }), new BatchNorm({ inChannels: c / 4 }), new ReLU());
    body.add(conv3x3(c / 4, 1, c / 4), new BatchNorm({ inChannels: c / 4 }), new ReLU());
    body.add(new Conv2D({ channels: c, inChannels: c / 4, kernelSize: 1 }), new BatchNorm({ inChannels: c }));
    this.body = this.registerChild('body', body);
    const ds = makeDownsample(options);
    this.downsample = ds ? this.registerChild('downsample', ds) : null;
  }

  forward(x: Tensor): Tensor {
    const y = this.body.forward(x);
    const residual = this.downsample ? this.downsample.forward(x) : x;
    return y.add(residual).relu();
  }
}

/** Depth -> (block kind, blocks per stage, channels [stem, stage1..4]) (`resnet_spec`). */
export const RESNET_SPEC: Readonly<Record<18 | 34 | 50 | 101 | 152, [ResNetBlockKind, number[], number[]]>> = {
  18: ['basic', [2, 2, 2, 2], [64, 64, 128, 256, 512]],
  34: ['basic', [3, 4, 6, 3], [64, 64, 128, 256, 512]],
  50: ['bottleneck', [3, 4, 6, 3], [64, 256, 512, 1024, 2048]],
  101: ['bottleneck', [3, 4, 23, 3], [64, 256, 512, 1024, 2048]],
  152: ['bottleneck', [3, 8, 36, 3], [64, 256, 512, 1024, 2048]],
};

export interface ResNetV1Options extends BlockOptions {
  block: ResNetBlockKind;
  layers: number[];
  channels: number[];
}

export class ResNetV1 extends Block implements NamedOutputNetwork {
  /** [conv, bn, relu, pool, stage1, stage2, stage3, stage4]. */
  readonly features: Sequential;
  readonly stageChannels: readonly number[];
  readonly layers: readonly number[];

  constructor(options: ResNetV1Options) {
    super(options);
    const { layers, channels } = options;
    if (layers.length !== channels.length - 1) throw new RangeError('ResNetV1: channels must have one more entry than layers');
    const Residual = options.block === 'basic' ? BasicBlockV1 : BottleneckV1;
    this.layers = [...layers];
    this.stageChannels = channels.slice(1);
    this.features = this.registerChild(
      'features',
      this.nameScope(() => {
        const f = new Sequential({ prefix: '' });
        f.add(
          new Conv2D({ channels: channels[0]!, inChannels: 3, kernelSize: 7, strides: 2, padding: 3, useBias: false }),
          new BatchNorm({ inChannels: channels[0]! }),
          new ReLU(),
          new MaxPool2D({ poolSize: 3, strides: 2, padding: 1 }),
        );
        layers.forEach((n, i) => {
          const stride = i === 0 ? 1 : 2;
          const stage = new Sequential({ prefix: `stage${i + 1}_` });
          stage.nameScope(() => {
            const [inC, c] = [channels[i]!, channels[i + 1]!];
            stage.add(new Residual({ channels: c, stride, downsample: c !== inC, inChannels: inC, prefix: '' }));
            for (let k = 1; k < n; k++) stage.add(new Residual({ channels: c, stride: 1, downsample: false, inChannels: c, prefix: '' }));
          });
          f.add(stage);
        });
        return f;
      }),
    );
  }

  #parse(name: string): [number, number] {
    const m = /^stage(\d+)_activation(\d+)(?:_output)?$/.exec(name);
    const s = m ? Number(m[1]) : NaN;
    const k = m ? Number(m[2]) : NaN;
    if (!m || s < 1 || s > this.layers.length || k >= this.layers[s - 1]!) {
      throw new RangeError(`ResNetV1: unknown output '${name}' (expected stage{1..${this.layers.length}}_activation{k}, k < blocks of that stage: ${this.layers.join(', ')})`);
    }
    return [s, k];
  }

  channelsOf(name: string): number {
    return this.stageChannels[this.#parse(name)[0] - 1]!;
  }

  forwardOutputs(x: Tensor, names: readonly string[]): Tensor[] {
    const wanted = names.map((n) => this.#parse(n));
    const lastStage = Math.max(...wanted.map(([s]) => s));
    const found = new Map<string, Tensor>();
    let y = x;
    for (let i = 0; i < 4; i++) y = this.features.at(i).forward(y);
    for (let s = 1; s <= lastStage; s++) {
      const stage = this.features.at(3 + s) as Sequential;
      let k = 0;
      for (const b of stage) {
        y = b.forward(y);
        found.set(`${s}_${k++}`, y);
      }
    }
    return wanted.map(([s, k]) => found.get(`${s}_${k}`)!);
  }
}

/** GluonCV's resnet{depth}_v1 without weights or classifier. */
export function getResNetV1(depth: 18 | 34 | 50 | 101 | 152, options: BlockOptions = {}): ResNetV1 {
  const spec = RESNET_SPEC[depth];
  if (!spec) throw new RangeError(`getResNetV1: depth must be 18, 34, 50, 101 or 152, got ${depth}`);
  return new ResNetV1({ block: spec[0], layers: spec[1], channels: spec[2], ...options });
}
