// GluonCV's ConvPredictor (`gluoncv/nn/predictor.py`, spec §2.3, §5): one convolution (3x3, stride 1, pad 1, with
// bias, no activation) with weight Xavier(uniform, avg, magnitude 2) and bias zeros. SSD creates one for the
// classes and one for the boxes of every feature map, alternately, so the class predictors are
// `ssdK_convpredictor0,2,4,..._conv0_*` and the box predictors `convpredictor1,3,5,...`.
import { type Tensor } from '../../tensor/index.js';
import { Block, Conv2D, init, type BlockOptions, type Pair } from '../../nn/index.js';

export interface ConvPredictorOptions extends BlockOptions {
  /** Output channels: anchors per location × (classes + 1), or × 4. */
  channels: number;
  inChannels: number;
  kernelSize?: Pair;
  padding?: Pair;
  strides?: Pair;
  useBias?: boolean;
}

export class ConvPredictor extends Block {
  /** The convolution (structural name `predictor`, MXNet `<prefix>conv0_`). */
  readonly predictor: Conv2D;

  constructor(options: ConvPredictorOptions) {
    super(options);
    this.predictor = this.registerChild(
      'predictor',
      this.nameScope(
        () =>
          new Conv2D({
            channels: options.channels,
            inChannels: options.inChannels,
            kernelSize: options.kernelSize ?? 3,
            strides: options.strides ?? 1,
            padding: options.padding ?? 1,
            useBias: options.useBias ?? true,
            weightInitializer: init.Xavier({ magnitude: 2 }),
            biasInitializer: init.Zero(),
          }),
      ),
    );
  }

  forward(x: Tensor): Tensor {
    return this.predictor.forward(x);
  }
}
