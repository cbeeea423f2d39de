// GluonCV's VGG16-atrous feature extractor for SSD (`gluoncv/model_zoo/ssd/vgg_atrous.py`, spec §2.1–2.2, §5):
//   x * init_scale (constant (1,3,1,1) = [0.229, 0.224, 0.225] * 255, float32)
//   stage0..2: 3x3 convs + ReLU, then 2x2/2 max-pool in ceil mode ('full'; 75 -> 38)
//   stage3: 3 convs -> output 0 = L2Normalization(scale 20, eps 1e-5) of conv4_3; then 2x2/2 ceil pool
//   stage4: 3 convs; 3x3/1 pad-1 ceil pool; 'dilated_': fc6 3x3 (1024, pad 6, dilation 6) + ReLU, fc7 1x1 (1024)
//           + ReLU -> output 1
//   extras (300: 4, 512: 5), each (1x1 conv + ReLU, kxk conv + ReLU) -> outputs 2...
// Every conv: bias, weight Xavier(gaussian, out, 2), bias zeros. Names as GluonCV: the stages are
// `HybridSequential(prefix='')`, so the 13 base convs are `vggatrousextractor0_conv0..12_`, fc6/fc7
// `..._dilated_conv0/1_`, the scale `..._normalize0_normalize_scale`, the extras `..._extra{j}_conv{0,1}_`;
// structural names `stages.{s}.{2k}.weight` (ReLUs take the odd slots), `norm4.scale`, `extras.{j}.{0,2}.weight`.
import { type Tensor } from '../../tensor/index.js';
import { Block, Conv2D, L2Normalization, MaxPool2D, ReLU, Sequential, consume, init, type BlockOptions, type Parameter } from '../../nn/index.js';
import { type MultiFeatureExtractor, type PretrainedBase } from './features.js';

/** Convs per stage and their channels (`vgg_spec`). */
export const VGG_SPEC: Readonly<Record<11 | 13 | 16 | 19, [number[], number[]]>> = {
  11: [[1, 1, 2, 2, 2], [64, 128, 256, 512, 512]],
  13: [[2, 2, 2, 2, 2], [64, 128, 256, 512, 512]],
  16: [[2, 2, 3, 3, 3], [64, 128, 256, 512, 512]],
  19: [[2, 2, 4, 4, 4], [64, 128, 256, 512, 512]],
};

/** One extra conv: (channels, kernel, stride, padding). */
export type ExtraConv = [number, number, number, number];

/** The extra layers per input size (`extra_spec`). */
export const EXTRA_SPEC: Readonly<Record<300 | 512, [ExtraConv, ExtraConv][]>> = {
  300: [
    [[256, 1, 1, 0], [512, 3, 2, 1]],
    [[128, 1, 1, 0], [256, 3, 2, 1]],
    [[128, 1, 1, 0], [256, 3, 1, 0]],
    [[128, 1, 1, 0], [256, 3, 1, 0]],
  ],
  512: [
    [[256, 1, 1, 0], [512, 3, 2, 1]],
    [[128, 1, 1, 0], [256, 3, 2, 1]],
    [[128, 1, 1, 0], [256, 3, 2, 1]],
    [[128, 1, 1, 0], [256, 3, 2, 1]],
    [[128, 1, 1, 0], [256, 4, 1, 1]],
  ],
};

/** [0.229, 0.224, 0.225] * 255 in float32 arithmetic, as `mx.nd.array(...) * 255`. */
const INIT_SCALE = [0.229, 0.224, 0.225].map((s) => Math.fround(Math.fround(s) * 255));

export interface VGGAtrousExtractorOptions extends BlockOptions {
  layers: number[];
  filters: number[];
  extras: ExtraConv[][];
}

function baseInit(): { weightInitializer: ReturnType<typeof init.Xavier>; biasInitializer: ReturnType<typeof init.Zero> } {
  return { weightInitializer: init.Xavier({ rndType: 'gaussian', factorType: 'out', magnitude: 2 }), biasInitializer: init.Zero() };
}

export class VGGAtrousExtractor extends Block implements MultiFeatureExtractor {
  readonly initScale: Parameter;
  readonly stages: Sequential;
  readonly norm4: L2Normalization;
  readonly extras: Sequential;
  readonly outChannels: readonly number[];
  readonly pretrainedBase: PretrainedBase;
  /** The parameter-free pools of forward (read by the ONNX exporter): 2x2/2 ceil, and 3x3/1 pad 1 ceil after stage 4. */
  readonly pool2: MaxPool2D;
  readonly pool3: MaxPool2D;

  constructor(options: VGGAtrousExtractorOptions) {
    super(options);
    const { layers, filters, extras } = options;
    if (layers.length !== 5 || filters.length !== 5) throw new RangeError('VGGAtrousExtractor: layers and filters must have 5 entries');
    const built = this.nameScope(() => {
      const initScale = this.constant('initScale', [[[[INIT_SCALE[0]!]], [[INIT_SCALE[1]!]], [[INIT_SCALE[2]!]]]], { name: 'init_scale' });
      const stages = new Sequential();
      let inC = 3;
      for (let s = 0; s < layers.length; s++) {
        const stage = new Sequential({ prefix: '' });
        stage.nameScope(() => {
          for (let j = 0; j < layers[s]!; j++) {
            stage.add(new Conv2D({ channels: filters[s]!, inChannels: inC, kernelSize: 3, padding: 1, ...baseInit() }), new ReLU({ inplace: true }));
            inC = filters[s]!;
          }
        });
        stages.add(stage);
      }
      const dilated = new Sequential({ prefix: 'dilated_' });
      dilated.nameScope(() =>
        dilated.add(
          new Conv2D({ channels: 1024, inChannels: inC, kernelSize: 3, padding: 6, dilation: 6, ...baseInit() }),
          new ReLU({ inplace: true }),
          new Conv2D({ channels: 1024, inChannels: 1024, kernelSize: 1, ...baseInit() }),
          new ReLU({ inplace: true }),
        ),
      );
      stages.add(dilated);
      const norm4 = new L2Normalization({ channels: filters[3]!, initial: 20, eps: 1e-5 });
      const extrasSeq = new Sequential();
      const outChannels = [filters[3]!, 1024];
      inC = 1024;
      extras.forEach((config, i) => {
        const extra = new Sequential({ prefix: `extra${i}_` });
        extra.nameScope(() => {
          for (const [c, k, st, p] of config) {
            extra.add(new Conv2D({ channels: c, inChannels: inC, kernelSize: k, strides: st, padding: p, ...baseInit() }), new ReLU({ inplace: true }));
            inC = c;
          }
        });
        extrasSeq.add(extra);
        outChannels.push(inC);
      });
      // Parameter-free pools (F.Pooling in GluonCV's forward), created last so they name nothing else.
      const pool2 = new MaxPool2D({ poolSize: 2, strides: 2, ceilMode: true });
      const pool3 = new MaxPool2D({ poolSize: 3, strides: 1, padding: 1, ceilMode: true });
      return { initScale, stages, norm4, extrasSeq, outChannels, pool2, pool3 };
    });
    this.initScale = built.initScale;
    this.stages = this.registerChild('stages', built.stages);
    this.norm4 = this.registerChild('norm4', built.norm4);
    this.extras = this.registerChild('extras', built.extrasSeq);
    this.outChannels = built.outChannels;
    this.pool2 = built.pool2;
    this.pool3 = built.pool3;
    this.pretrainedBase = { name: 'vgg16_atrous', block: this, allowMissing: true, ignoreExtra: false };
  }

  forward(x: Tensor): Tensor[] {
    const outputs: Tensor[] = [];
    let y = x.mul(this.initScale.data());
    // each intermediate is disposed once consumed (Sequential's consume): only the outputs outlive this call
    const stageThenPool = (s: number, pool: MaxPool2D): void => {
      const z = consume(y, this.stages.at(s).forward(y), x);
      y = consume(z, pool.forward(z), x);
    };
    for (let s = 0; s < 3; s++) stageThenPool(s, this.pool2);
    y = consume(y, this.stages.at(3).forward(y), x);
    outputs.push(this.norm4.forward(y));
    y = consume(y, this.pool2.forward(y), x);
    stageThenPool(4, this.pool3);
    y = consume(y, this.stages.at(5).forward(y), x);
    outputs.push(y);
    for (const extra of this.extras) {
      y = extra.forward(y);
      outputs.push(y);
    }
    return outputs;
  }
}

/** GluonCV's get_vgg_atrous_extractor(num_layers, im_size) without weights (see zoo.ts for pretrainedBase). */
export function getVggAtrousExtractor(numLayers: 11 | 13 | 16 | 19, imSize: 300 | 512, options: BlockOptions = {}): VGGAtrousExtractor {
  const spec = VGG_SPEC[numLayers];
  const extras = EXTRA_SPEC[imSize];
  if (!spec) throw new RangeError(`getVggAtrousExtractor: VGG depth must be 11, 13, 16 or 19, got ${numLayers}`);
  if (!extras) throw new RangeError(`getVggAtrousExtractor: input size must be 300 or 512, got ${imSize}`);
  return new VGGAtrousExtractor({ layers: spec[0], filters: spec[1], extras, ...options });
}

/** The SSD300 extractor (`vgg16_atrous_300`). */
export function vgg16Atrous300(options: BlockOptions = {}): VGGAtrousExtractor {
  return getVggAtrousExtractor(16, 300, options);
}

/** The SSD512 extractor (`vgg16_atrous_512`). */
export function vgg16Atrous512(options: BlockOptions = {}): VGGAtrousExtractor {
  return getVggAtrousExtractor(16, 512, options);
}
