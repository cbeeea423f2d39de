// The ONNX ops of SSD's multi-output feature extractors (src/models/ssd), each mirroring its forward:
//   VGGAtrousExtractor (GluonCV vgg_atrous.py): x * init_scale, stages with ceil-mode pools, L2Normalization of
//     conv4_3 (output 0), fc6/fc7 (output 1), the extras;
//   FeatureExpander (GluonCV nn/feature.py) over ResNetV1 (`stage{s}_activation{k}`) or MobileNet
//     (`relu{k}_fwd`) internal outputs, then the expand stages;
//   ResNetV1bSSD (GluonCV resnet_v1b_ssd.py): stage1, stage2, more_stages.
import { type Block } from '../nn/index.js';
import { VGGAtrousExtractor } from '../models/ssd/vggAtrous.js';
import { FeatureExpander, type NamedOutputNetwork } from '../models/ssd/featureExpander.js';
import { ResNetV1 } from '../models/ssd/resnetV1.js';
import { MobileNet } from '../models/ssd/mobilenet.js';
import { ResNetV1bSSD } from '../models/ssd/resnetV1bSSD.js';
import { Activation, type Sequential } from '../nn/index.js';
import { emitLayer, emitSequential, emitL2Normalization, emitMaxPool, parameterValues } from './blockOps.js';
import { type GraphBuilder } from './graph.js';

function emitVggAtrous(g: GraphBuilder, f: VGGAtrousExtractor, x: string): string[] {
  const outputs: string[] = [];
  let y = g.node('Mul', [x, g.floats('init_scale', parameterValues(f.initScale), f.initScale.shape)], g.shape(x));
  for (let s = 0; s < 3; s++) y = emitMaxPool(g, f.pool2, emitLayer(g, f.stages.at(s), y));
  y = emitLayer(g, f.stages.at(3), y);
  outputs.push(emitL2Normalization(g, f.norm4, y));
  y = emitMaxPool(g, f.pool2, y);
  y = emitMaxPool(g, f.pool3, emitLayer(g, f.stages.at(4), y));
  y = emitLayer(g, f.stages.at(5), y);
  outputs.push(y);
  for (const extra of f.extras) {
    y = emitLayer(g, extra, y);
    outputs.push(y);
  }
  return outputs;
}

/** ResNetV1.forwardOutputs: the output of block k of stage s for each `stage{s}_activation{k}`. */
function emitResNetV1Outputs(g: GraphBuilder, net: ResNetV1, x: string, names: readonly string[]): string[] {
  const wanted = names.map((n) => {
    const m = /^stage(\d+)_activation(\d+)(?:_output)?$/.exec(n);
    if (!m) throw new Error(`ONNX export: unknown ResNetV1 output '${n}'`);
    return `${m[1]}_${m[2]}`;
  });
  const lastStage = Math.max(...wanted.map((w) => Number(w.split('_')[0])));
  const found = new Map<string, string>();
  let y = x;
  for (let i = 0; i < 4; i++) y = emitLayer(g, net.features.at(i), y);
  for (let s = 1; s <= lastStage; s++) {
    let k = 0;
    for (const b of net.features.at(3 + s) as Sequential) {
      y = emitLayer(g, b, y);
      found.set(`${s}_${k++}`, y);
    }
  }
  return wanted.map((w) => found.get(w)!);
}

/** MobileNet.forwardOutputs: the output of the k-th activation for each `relu{k}_fwd`. */
function emitMobileNetOutputs(g: GraphBuilder, net: MobileNet, x: string, names: readonly string[]): string[] {
  const wanted = names.map((n) => {
    const m = /^relu(\d+)_fwd(?:_output)?$/.exec(n);
    if (!m) throw new Error(`ONNX export: unknown MobileNet output '${n}'`);
    return Number(m[1]);
  });
  const last = Math.max(...wanted);
  const found = new Map<number, string>();
  let y = x;
  let k = 0;
  for (const layer of net.features) {
    y = emitLayer(g, layer, y);
    if (layer instanceof Activation) {
      found.set(k, y);
      if (k++ === last) break;
    }
  }
  return wanted.map((i) => found.get(i)!);
}

function emitNamedOutputs(g: GraphBuilder, net: NamedOutputNetwork, x: string, names: readonly string[]): string[] {
  if (net instanceof ResNetV1) return emitResNetV1Outputs(g, net, x, names);
  if (net instanceof MobileNet) return emitMobileNetOutputs(g, net, x, names);
  throw new Error(`ONNX export: no ONNX ops for the FeatureExpander backbone ${net.constructor.name}`);
}

function emitFeatureExpander(g: GraphBuilder, f: FeatureExpander, x: string): string[] {
  const outs = emitNamedOutputs(g, f.network, x, f.outputs);
  let y = outs[outs.length - 1]!;
  for (const stage of f.expand) {
    y = emitLayer(g, stage, y);
    outs.push(y);
  }
  return outs;
}

function emitResNetV1bSSD(g: GraphBuilder, f: ResNetV1bSSD, x: string): string[] {
  const y1 = emitSequential(g, f.stage1, x);
  let out = emitSequential(g, f.stage2, y1);
  const outs = [y1, out];
  for (const stage of f.moreStages) {
    out = emitLayer(g, stage, out);
    outs.push(out);
  }
  return outs;
}

/** The feature maps of an SSD's extractor, one value per predictor layer. */
export function emitFeatures(g: GraphBuilder, features: Block, x: string): string[] {
  if (features instanceof VGGAtrousExtractor) return emitVggAtrous(g, features, x);
  if (features instanceof FeatureExpander) return emitFeatureExpander(g, features, x);
  if (features instanceof ResNetV1bSSD) return emitResNetV1bSSD(g, features, x);
  throw new Error(`ONNX export: no ONNX ops for the feature extractor ${features.constructor.name}`);
}
