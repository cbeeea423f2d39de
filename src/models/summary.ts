// A model's vital statistics (what `ssdkit info NAME` prints): feature-map sizes and anchor count at a data
// shape, every parameter with its GluonCV (MXNet), Gluon structural and ssdkit structural names and shape, the
// parameter totals, and the convolution cost. FLOPs count 2 per multiply-add of every convolution (weights
// C_in/groups × k_h × k_w per output element) plus 1 per output element for a bias; pooling, batch norm,
// normalization and the activations are left out. They are measured by running one forward on zeros at the data
// shape with each Conv2D's output shape recorded.
import { type Tensor, noGrad, tidy, zeros } from '../tensor/index.js';
import { type Block, Conv2D } from '../nn/index.js';
import { describeParameters } from './parameterNames.js';
import { type SSD } from './ssd/ssd.js';

export interface ParameterSummary {
  /** MXNet name as GluonCV's collect_params() (`ssd0_convpredictor0_conv0_weight`). */
  mxnet: string;
  /** Gluon save_parameters name (`class_predictors.0.predictor.weight`). */
  gluon: string;
  /** ssdkit structural name (`classPredictors.0.predictor.weight`). */
  structural: string;
  shape: number[];
  numel: number;
  /** False for constants and batch-norm statistics (gradReq 'null'). */
  trainable: boolean;
}

export interface ModelSummary {
  /** Input (B, 3, H, W) used for the measurements. */
  dataShape: number[];
  classes: number;
  /** (H, W) of each feature map. */
  featureSizes: [number, number][];
  anchorsPerLocation: number[];
  anchors: number;
  parameters: ParameterSummary[];
  totalParameters: number;
  trainableParameters: number;
  /** Convolution multiply-adds for one image, in billions. */
  gmacs: number;
  /** 2 × multiply-adds + bias additions, for one image, in billions. */
  gflops: number;
}

function* blocks(b: Block): Generator<Block> {
  yield b;
  for (const c of b.children.values()) yield* blocks(c);
}

/** Measures `net` at a square data shape (default the preset's base size); net must be initialized. */
export function summarizeModel(net: SSD, dataSize: number = net.baseSize): ModelSummary {
  const parameters = describeParameters(net).map((n) => ({
    mxnet: n.mxnet,
    gluon: n.gluon,
    structural: n.structural,
    shape: [...n.parameter.shape],
    numel: n.parameter.shape.reduce((a, b) => a * b, 1),
    trainable: n.parameter.gradReq !== 'null',
  }));
  const convs = new Set<Conv2D>();
  for (const b of blocks(net)) if (b instanceof Conv2D) convs.add(b);
  let macs = 0;
  let biasAdds = 0;
  const patched: Conv2D[] = [];
  for (const conv of convs) {
    const orig = Conv2D.prototype.forward;
    conv.forward = (x: Tensor): Tensor => {
      const y = orig.call(conv, x);
      const outElems = y.shape.slice(1).reduce((a, b) => a * b, 1); // per image
      macs += outElems * (conv.inChannels / conv.groups) * conv.kernelSize[0] * conv.kernelSize[1];
      if (conv.bias) biasAdds += outElems;
      return y;
    };
    patched.push(conv);
  }
  const wasTraining = net.training;
  let featureSizes: [number, number][];
  let anchors: number;
  try {
    net.eval();
    ({ featureSizes, anchors } = noGrad(() =>
      tidy(() => {
        const x = zeros([1, 3, dataSize, dataSize]);
        const feats = net.features.forward(x);
        const [, , a] = net.predict(feats);
        return { featureSizes: feats.map((f) => [f.shape[2]!, f.shape[3]!] as [number, number]), anchors: a.shape[1]! };
      }),
    ));
  } finally {
    for (const c of patched) delete (c as { forward?: unknown }).forward;
    net.train(wasTraining);
  }
  return {
    dataShape: [1, 3, dataSize, dataSize],
    classes: net.numClasses,
    featureSizes,
    anchorsPerLocation: net.anchorsPerLocation,
    anchors,
    parameters,
    totalParameters: parameters.reduce((a, p) => a + p.numel, 0),
    trainableParameters: parameters.filter((p) => p.trainable).reduce((a, p) => a + p.numel, 0),
    gmacs: macs / 1e9,
    gflops: (2 * macs + biasAdds) / 1e9,
  };
}
