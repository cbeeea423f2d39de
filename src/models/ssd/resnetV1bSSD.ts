// GluonCV's ResNetV1bSSD (`gluoncv/model_zoo/ssd/resnet_v1b_ssd.py`, spec §2.6), the feature extractor of
// ssd_300_resnet34_v1b_*: ResNet34-v1b with layer3's stride set to 1, cut into
//   stage1 = conv1, bn1, relu, maxpool, layer1, layer2     -> output 0 (38x38x128 at 300)
//   stage2 = layer3 (stride 1), layer4                      -> output 1 (19x19x512)
// then `more_stages`: per filter f in [256, 256, 128, 128] a 1x1 conv (max(minDepth, round(f*reduceRatio)), bias)
// + ReLU and a 3x3/2 conv (f, pad 1, the last pad 0, bias) + ReLU (19 -> 10 -> 5 -> 3 -> 1); those convs use
// Xavier(gaussian, out, 2), bias zeros. The backbone is created in the SSD's scope (`ssdK_resnetv1b0_...`); the
// extra convs are created in this block's scope (`ssdK_resnetv1bssd0_conv0..7_`); structural names
// `stage1.{i}...`, `stage2.{0,1}...`, `moreStages.{i}.{0,2}.weight`. The ResNetV1b object itself is kept (not
// registered) so a `resnet34_v1b` ImageNet file can be loaded into it by its own names.
import { type Tensor } from '../../tensor/index.js';
import { Block, Conv2D, ReLU, Sequential, init, type BlockOptions } from '../../nn/index.js';
import { type MultiFeatureExtractor, type PretrainedBase } from './features.js';
import { type ResNetV1b } from './resnetV1b.js';

export interface ResNetV1bSSDOptions extends BlockOptions {
  /** The backbone, built with layer3 stride 1 (created by the caller in the SSD's name scope). */
  network: ResNetV1b;
  /** GluonCV model-store name of the backbone ('resnet34_v1b'). */
  networkName: string;
  addFilters: number[];
  reduceRatio?: number;
  minDepth?: number;
}

export class ResNetV1bSSD extends Block implements MultiFeatureExtractor {
  readonly stage1: Sequential;
  readonly stage2: Sequential;
  readonly moreStages: Sequential;
  readonly base: ResNetV1b;
  readonly outChannels: readonly number[];
  readonly pretrainedBase: PretrainedBase;

  constructor(options: ResNetV1bSSDOptions) {
    super(options);
    const res = options.network;
    this.base = res;
    const reduce = options.reduceRatio ?? 1;
    const minDepth = options.minDepth ?? 128;
    const weightInit = init.Xavier({ rndType: 'gaussian', factorType: 'out', magnitude: 2 });
    const built = this.nameScope(() => {
      const stage1 = new Sequential({ prefix: 'stage1' });
      stage1.add(res.conv1, res.bn1, res.relu, res.maxpool, res.layer1, res.layer2);
      const stage2 = new Sequential({ prefix: 'stage2' });
      stage2.add(res.layer3, res.layer4);
      const more = new Sequential({ prefix: 'more_stages' });
      let inC = res.layerChannels[3]!;
      const outChannels = [res.layerChannels[1]!, inC];
      options.addFilters.forEach((f, i) => {
        const stage = new Sequential({ prefix: `more_stages_${i}` });
        const trans = Math.max(minDepth, Math.round(f * reduce));
        const padding = i === options.addFilters.length - 1 ? 0 : 1;
        stage.add(
          new Conv2D({ channels: trans, inChannels: inC, kernelSize: 1, weightInitializer: weightInit, biasInitializer: init.Zero() }),
          new ReLU(),
          new Conv2D({ channels: f, inChannels: trans, kernelSize: 3, strides: 2, padding, weightInitializer: weightInit, biasInitializer: init.Zero() }),
          new ReLU(),
        );
        more.add(stage);
        inC = f;
        outChannels.push(f);
      });
      return { stage1, stage2, more, outChannels };
    });
    this.stage1 = this.registerChild('stage1', built.stage1);
    this.stage2 = this.registerChild('stage2', built.stage2);
    this.moreStages = this.registerChild('moreStages', built.more);
    this.outChannels = built.outChannels;
    this.pretrainedBase = { name: options.networkName, block: res, allowMissing: false, ignoreExtra: true };
  }

  forward(x: Tensor): Tensor[] {
    const y1 = this.stage1.forward(x);
    let out = this.stage2.forward(y1);
    const outs = [y1, out];
    for (const stage of this.moreStages) {
      out = stage.forward(out);
      outs.push(out);
    }
    return outs;
  }
}
