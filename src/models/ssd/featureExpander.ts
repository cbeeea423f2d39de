// GluonCV's FeatureExpander (`gluoncv/nn/feature.py`, spec §2.6): takes named internal outputs of an ImageNet
// network (e.g. ResNet50-v1 `stage3_activation5`, `stage4_activation2`; MobileNet `relu22_fwd`, `relu26_fwd`) and
// appends, for each f in numFilters:
//   1x1 conv (max(minDepth, round(f * reduceRatio)) channels) + BN + ReLU     (useOneByOneTransition)
//   3x3 conv (f, stride 2, pad 1) + BN + ReLU                               -> one more output
// with no conv bias when useBn (the default). GluonCV builds these as MXNet symbols inside a SymbolBlock, which
// has two consequences reproduced here:
//   * names: the new layers have no prefix: `expand_trans_conv{i}_weight`, `expand_trans_bn{i}_*`,
//     `expand_conv{i}_weight`, `expand_bn{i}_*` (the backbone keeps its own, e.g. `ssd0_resnetv10_...`). MXNet
//     calls the batch-norm statistics `moving_mean/var`; here they are `running_mean/var` (the importer maps).
//   * initialization: the symbols' Xavier `__init__` attribute is ignored by Gluon, so these parameters have no
//     initializer of their own and take the default of `initialize()` — Uniform(0.07) for GluonCV's
//     `net.initialize()` — including BN beta and the moving statistics (spec §5).
//   * `mx.sym.BatchNorm` defaults: eps 1e-3, momentum 0.9, fix_gamma=True (gamma is held at 1).
import { type Tensor, noGrad } from '../../tensor/index.js';
import { Block, BatchNorm, Conv2D, ReLU, Sequential, type BlockOptions, type BatchNormOptions } from '../../nn/index.js';
import { BlockScope, withNameScope } from '../../nn/naming.js';
import { type MultiFeatureExtractor, type PretrainedBase } from './features.js';

/** A backbone that can return its internal outputs by GluonCV symbol name (without the network prefix). */
export interface NamedOutputNetwork extends Block {
  /** The outputs called `names` (e.g. 'stage3_activation5', 'relu22_fwd'; a '_output' suffix is accepted). */
  forwardOutputs(x: Tensor, names: readonly string[]): Tensor[];
  /** Channels of the output called `name`. */
  channelsOf(name: string): number;
}

/** `mx.sym.BatchNorm` as the FeatureExpander uses it: fix_gamma (gamma held at 1, no gradient), eps 1e-3. */
export class SymbolBatchNorm extends BatchNorm {
  constructor(options: BatchNormOptions) {
    super({ epsilon: 1e-3, momentum: 0.9, scale: false, ...options });
    // No own initializer: the default of initialize() applies (see the file header). gamma stays One: it is
    // forced to 1 in forward anyway, as MXNet's fix_gamma does.
    this.beta.init = null;
    this.runningMean.init = null;
    this.runningVar.init = null;
  }

  override forward(x: Tensor): Tensor {
    noGrad(() => void this.gamma.data().fill_(1));
    return super.forward(x);
  }
}

export interface FeatureExpanderOptions extends BlockOptions {
  /** The backbone (created by the caller, in the SSD's name scope, so it is named `ssdK_<network>0_`). */
  network: NamedOutputNetwork;
  /** GluonCV model-store name of the backbone, for pretrainedBase ('resnet50_v1', 'mobilenet1.0', ...). */
  networkName: string;
  outputs: string[];
  numFilters: number[];
  useOneByOneTransition?: boolean;
  useBn?: boolean;
  reduceRatio?: number;
  minDepth?: number;
}

/** Blocks created here get exactly their explicit prefix (a SymbolBlock's parameters keep their symbol names). */
const SYMBOL_SCOPE = new BlockScope({ prefix: '' });

export class FeatureExpander extends Block implements MultiFeatureExtractor {
  readonly network: NamedOutputNetwork;
  /** One Sequential per appended output. */
  readonly expand: Sequential;
  readonly outputs: readonly string[];
  readonly outChannels: readonly number[];
  readonly pretrainedBase: PretrainedBase;

  constructor(options: FeatureExpanderOptions) {
    super(options);
    const { network, outputs, numFilters } = options;
    if (outputs.length === 0) throw new RangeError('FeatureExpander: at least one output must be specified');
    const use1x1 = options.useOneByOneTransition ?? true;
    const useBn = options.useBn ?? true;
    const reduce = options.reduceRatio ?? 1;
    const minDepth = options.minDepth ?? 128;
    this.network = this.registerChild('network', network);
    this.outputs = [...outputs];
    const outChannels = outputs.map((o) => network.channelsOf(o));
    let inC = outChannels[outChannels.length - 1]!;
    const stages = withNameScope(SYMBOL_SCOPE, () => {
      const all = new Sequential({ prefix: 'expand_' });
      numFilters.forEach((f, i) => {
        const s = withNameScope(SYMBOL_SCOPE, () => new Sequential({ prefix: `expand${i}_` }));
        const add = (name: string, channels: number, kernel: number, stride: number, pad: number, bn: string): void => {
          const conv = new Conv2D({ prefix: `${name}_`, channels, inChannels: inC, kernelSize: kernel, strides: stride, padding: pad, useBias: !useBn });
          if (conv.bias) conv.bias.init = null; // a symbol's bias has no initializer either
          s.add(conv);
          if (useBn) s.add(new SymbolBatchNorm({ prefix: `${bn}_`, inChannels: channels }));
          s.add(new ReLU({ prefix: `${name}_relu_`, inplace: true })); // after a BatchNorm or a convolution: neither's backward reads its output
          inC = channels;
        };
        if (use1x1) add(`expand_trans_conv${i}`, Math.max(minDepth, Math.round(f * reduce)), 1, 1, 0, `expand_trans_bn${i}`);
        add(`expand_conv${i}`, f, 3, 2, 1, `expand_bn${i}`);
        all.add(s);
        outChannels.push(f);
      });
      return all;
    });
    this.expand = this.registerChild('expand', stages);
    this.outChannels = outChannels;
    this.pretrainedBase = { name: options.networkName, block: network, allowMissing: false, ignoreExtra: true };
  }

  forward(x: Tensor): Tensor[] {
    const outs = this.network.forwardOutputs(x, this.outputs);
    let y = outs[outs.length - 1]!;
    for (const stage of this.expand) {
      y = stage.forward(y);
      outs.push(y);
    }
    return outs;
  }
}
