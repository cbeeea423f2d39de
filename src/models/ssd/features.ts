// The contract between SSD (ssd.ts) and its feature extractors (spec §2.1, §2.6): a block that maps the image
// batch to the list of feature maps the predictors read, says how many channels each has, and names the
// ImageNet backbone inside it that a `pretrainedBase` file is loaded into.
import { type Tensor } from '../../tensor/index.js';
import { type Block } from '../../nn/index.js';

/** Where a pretrained base-network file goes and how strictly it must match (GluonCV's load_parameters flags). */
export interface PretrainedBase {
  /** GluonCV model-store name of the file: 'vgg16_atrous', 'resnet50_v1', 'mobilenet1.0', 'resnet34_v1b', ... */
  name: string;
  /** The block whose parameters the file holds. */
  block: Block;
  /** Parameters of `block` the file may lack (VGG: the extras and L2Norm scale). */
  allowMissing: boolean;
  /** File entries the block may lack (the classifier of an ImageNet network). */
  ignoreExtra: boolean;
}

export interface MultiFeatureExtractor extends Block {
  /** Channels of each output feature map, in order. */
  readonly outChannels: readonly number[];
  /** (B, 3, H, W) -> one (B, C_i, H_i, W_i) map per predictor layer. */
  forward(x: Tensor): Tensor[];
  readonly pretrainedBase: PretrainedBase;
}
