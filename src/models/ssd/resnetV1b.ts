// GluonCV's ResNetV1b (`gluoncv/model_zoo/resnetv1b.py`: ResNetV1b, BasicBlockV1b, BottleneckV1b), the base of
// the ResNet34-v1b SSD (spec §2.6): conv1 7x7/2 (no bias), bn1, relu, maxpool 3x3/2 pad 1, layer1..4; unlike
// ResNet V1 the stride sits on the 3x3 conv and no conv has a bias. The classifier (avgpool, fc) is omitted.
// Names as GluonCV: the blocks do not open their own name scope, so their convs count in the layer's scope
// (`resnetv1b0_layers1_conv0_`, `..._batchnorm0_`); the shortcut is `resnetv1b0_down{s}_conv0_`; structural
// names follow the attributes (`conv1.weight`, `layer1.0.conv1.weight`, `layer2.0.downsample.0.weight`).
import { type Tensor } from '../../tensor/index.js';
import { Block, BatchNorm, Conv2D, MaxPool2D, ReLU, Sequential, type BlockOptions, type Layer } from '../../nn/index.js';

interface V1bBlockOptions extends BlockOptions {
  planes: number;
  inChannels: number;
  strides: number;
  downsample: Sequential | null;
}

/** conv3x3(stride) bn relu conv3x3 bn, + shortcut, relu. */
export class BasicBlockV1b extends Block implements Layer {
  static readonly expansion = 1;
  readonly conv1: Conv2D;
  readonly bn1: BatchNorm;
  readonly relu: ReLU;
  readonly conv2: Conv2D;
  readonly bn2: BatchNorm;
  readonly downsample: Sequential | null;

  constructor(o: V1bBlockOptions) {
    super(o);
    this.conv1 = this.registerChild('conv1', new Conv2D({ channels: o.planes, inChannels: o.inChannels, kernelSize: 3, strides: o.strides, padding: 1, useBias: false }));
    this.bn1 = this.registerChild('bn1', new BatchNorm({ inChannels: o.planes }));
    this.relu = this.registerChild('relu', new ReLU());
    this.conv2 = this.registerChild('conv2', new Conv2D({ channels: o.planes, inChannels: o.planes, kernelSize: 3, padding: 1, useBias: false }));
    this.bn2 = this.registerChild('bn2', new BatchNorm({ inChannels: o.planes }));
    this.downsample = o.downsample ? this.registerChild('downsample', o.downsample) : null;
  }

  forward(x: Tensor): Tensor {
    const out = this.bn2.forward(this.conv2.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x)))));
    const residual = this.downsample ? this.downsample.forward(x) : x;
    return this.relu.forward(out.add(residual));
  }
}

/** conv1x1 bn relu conv3x3(stride) bn relu conv1x1(4x) bn, + shortcut, relu. */
export class BottleneckV1b extends Block implements Layer {
  static readonly expansion = 4;
  readonly conv1: Conv2D;
  readonly bn1: BatchNorm;
  readonly conv2: Conv2D;
  readonly bn2: BatchNorm;
  readonly conv3: Conv2D;
  readonly bn3: BatchNorm;
  readonly relu: ReLU;
  readonly downsample: Sequential | null;

  constructor(o: V1bBlockOptions) {
    super(o);
    const p = o.planes;
    this.conv1 = this.registerChild('conv1', new Conv2D({ channels: p, inChannels: o.inChannels, kernelSize: 1, useBias: false }));
    this.bn1 = this.registerChild('bn1', new BatchNorm({ inChannels: p }));
    this.conv2 = this.registerChild('conv2', new Conv2D({ channels: p, inChannels: p, kernelSize: 3, strides: o.strides, padding: 1, useBias: false }));
    this.bn2 = this.registerChild('bn2', new BatchNorm({ inChannels: p }));
    this.conv3 = this.registerChild('conv3', new Conv2D({ channels: p * 4, inChannels: p, kernelSize: 1, useBias: false }));
    this.bn3 = this.registerChild('bn3', new BatchNorm({ inChannels: p * 4 }));
    this.relu = this.registerChild('relu', new ReLU());
    this.downsample = o.downsample ? this.registerChild('downsample', o.downsample) : null;
  }

  forward(x: Tensor): Tensor {
    let out = this.relu.forward(this.bn1.forward(this.conv1.forward(x)));
    out = this.relu.forward(this.bn2.forward(this.conv2.forward(out)));
    out = this.bn3.forward(this.conv3.forward(out));
    const residual = this.downsample ? this.downsample.forward(x) : x;
    return this.relu.forward(out.add(residual));
  }
}

export interface ResNetV1bOptions extends BlockOptions {
  block: 'basic' | 'bottleneck';
  layers: number[];
  /** Stride of layer1..4 (GluonCV: 1, 2, 2, 2; the SSD base sets layer3's to 1). */
  strides?: [number, number, number, number];
}

export class ResNetV1b extends Block implements Layer {
  readonly conv1: Conv2D;
  readonly bn1: BatchNorm;
  readonly relu: ReLU;
  readonly maxpool: MaxPool2D;
  readonly layer1: Sequential;
  readonly layer2: Sequential;
  readonly layer3: Sequential;
  readonly layer4: Sequential;
  /** Output channels of layer1..4. */
  readonly layerChannels: readonly number[];

  constructor(options: ResNetV1bOptions) {
    super(options);
    const Residual = options.block === 'basic' ? BasicBlockV1b : BottleneckV1b;
    const strides = options.strides ?? [1, 2, 2, 2];
    if (options.layers.length !== 4) throw new RangeError('ResNetV1b: layers must have 4 entries');
    const built = this.nameScope(() => {
      const conv1 = new Conv2D({ channels: 64, inChannels: 3, kernelSize: 7, strides: 2, padding: 3, useBias: false });
      const bn1 = new BatchNorm({ inChannels: 64 });
      const relu = new ReLU();
      const maxpool = new MaxPool2D({ poolSize: 3, strides: 2, padding: 1 });
      let inplanes = 64;
      const makeLayer = (stageIndex: number, planes: number, blocks: number, stride: number): Sequential => {
        const out = planes * Residual.expansion;
        let downsample: Sequential | null = null;
        if (stride !== 1 || inplanes !== out) {
          const ds = new Sequential({ prefix: `down${stageIndex}_` });
          const inC = inplanes;
          ds.nameScope(() => ds.add(new Conv2D({ channels: out, inChannels: inC, kernelSize: 1, strides: stride, useBias: false }), new BatchNorm({ inChannels: out })));
          downsample = ds;
        }
        const layer = new Sequential({ prefix: `layers${stageIndex}_` });
        layer.nameScope(() => {
          layer.add(new Residual({ planes, inChannels: inplanes, strides: stride, downsample }));
          inplanes = out;
          for (let i = 1; i < blocks; i++) layer.add(new Residual({ planes, inChannels: inplanes, strides: 1, downsample: null }));
        });
        return layer;
      };
      const [l1, l2, l3, l4] = [64, 128, 256, 512].map((planes, i) => makeLayer(i + 1, planes, options.layers[i]!, strides[i]!));
      return { conv1, bn1, relu, maxpool, l1: l1!, l2: l2!, l3: l3!, l4: l4! };
    });
    this.conv1 = this.registerChild('conv1', built.conv1);
    this.bn1 = this.registerChild('bn1', built.bn1);
    this.relu = this.registerChild('relu', built.relu);
    this.maxpool = this.registerChild('maxpool', built.maxpool);
    this.layer1 = this.registerChild('layer1', built.l1);
    this.layer2 = this.registerChild('layer2', built.l2);
    this.layer3 = this.registerChild('layer3', built.l3);
    this.layer4 = this.registerChild('layer4', built.l4);
    this.layerChannels = [64, 128, 256, 512].map((p) => p * Residual.expansion);
  }

  /** The trunk up to layer4 (no pooling or classifier). */
  forward(x: Tensor): Tensor {
    let y = this.maxpool.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x))));
    for (const l of [this.layer1, this.layer2, this.layer3, this.layer4]) y = l.forward(y);
    return y;
  }
}

/** Depth -> (block kind, blocks per layer). */
export const RESNET_V1B_SPEC: Readonly<Record<18 | 34 | 50 | 101 | 152, ['basic' | 'bottleneck', number[]]>> = {
  18: ['basic', [2, 2, 2, 2]],
  34: ['basic', [3, 4, 6, 3]],
  50: ['bottleneck', [3, 4, 6, 3]],
  101: ['bottleneck', [3, 4, 23, 3]],
  152: ['bottleneck', [3, 8, 36, 3]],
};

/** GluonCV's resnet{depth}_v1b without weights or classifier. */
export function getResNetV1b(depth: 18 | 34 | 50 | 101 | 152, options: Omit<ResNetV1bOptions, 'block' | 'layers'> = {}): ResNetV1b {
  const spec = RESNET_V1B_SPEC[depth];
  if (!spec) throw new RangeError(`getResNetV1b: depth must be 18, 34, 50, 101 or 152, got ${depth}`);
  return new ResNetV1b({ block: spec[0], layers: spec[1], ...options });
}
