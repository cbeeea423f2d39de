// ONNX export of an ssdkit SSD (issue 17 part 3): the network in inference mode as an ONNX graph (opset 13,
// dynamic batch), from the normalized image to decoded boxes and class probabilities, optionally with ONNX
// NonMaxSuppression. The graph's ops come from walking ssdkit's blocks (extractors.ts, blockOps.ts, ssdHead.ts),
// so the file computes what `SSD.forwardTrain` + NormalizedBoxCenterDecoder + softmax compute (to float32
// rounding). Without NMS a consumer runs GluonCV's box_nms itself (src/detection/nmsArrays.ts, used by the page).
//
//   const bytes = exportSSDToOnnx(net, { dataShape: 300, classes: net.classes });
//   writeFileSync('model.onnx', bytes);
//
// Graph inputs/outputs:
//   data     (batch, 3, S, S) float32: the image resized to S×S, (rgb/255 - mean) / std (SSDDefaultValTransform)
//   bboxes   (batch, N, 4) float32: corner boxes [xmin, ymin, xmax, ymax] in input pixels (0..S, not clipped)
//   scores   (batch, N, C) float32: softmax probability of foreground class c (background column dropped)
//   selected_indices (K, 3) int64, only with nms: [batch, class, anchor] rows kept by NonMaxSuppression
// metadata_props: ssdkit.classes (JSON), ssdkit.data_shape, ssdkit.mean, ssdkit.std (JSON), ssdkit.nms (JSON:
// the SSD's nmsThresh, nmsTopk, postNms and the 0.01 score threshold), ssdkit.outputs.
import { type SSD } from '../models/ssd/ssd.js';
import { SSD_MEAN, SSD_STD } from '../data/transforms/ssdPresets.js';
import { GraphBuilder } from './graph.js';
import { emitFeatures } from './extractors.js';
import { emitNms, emitSSDHead } from './ssdHead.js';
import { OnnxDataType, encodeModel } from './onnxWriter.js';

export const ONNX_OPSET = 13;

/** MultiPerClassDecoder's threshold: scores at or below it are not detections. */
export const SCORE_THRESHOLD = 0.01;

export interface OnnxExportOptions {
  /** Square input size S (the anchors are laid out for it); default the SSD's baseSize. */
  dataShape?: number;
  /** Add ONNX NonMaxSuppression (default false). */
  nms?: boolean;
  /** Extra metadata_props (e.g. the source run). */
  metadata?: Record<string, string>;
}

/** What a consumer needs besides the graph, as stored in metadata_props. */
export interface OnnxModelMetadata {
  classes: string[];
  dataShape: number;
  mean: number[];
  std: number[];
  nms: { nmsThresh: number; nmsTopk: number; postNms: number; scoreThresh: number };
}

function metadataProps(net: SSD, dataShape: number): Record<string, string> {
  const meta: OnnxModelMetadata = {
    classes: [...net.classes],
    dataShape,
    mean: [...SSD_MEAN],
    std: [...SSD_STD],
    nms: { nmsThresh: net.nmsThresh, nmsTopk: net.nmsTopk, postNms: net.postNms, scoreThresh: SCORE_THRESHOLD },
  };
  return {
    'ssdkit.classes': JSON.stringify(meta.classes),
    'ssdkit.data_shape': String(dataShape),
    'ssdkit.mean': JSON.stringify(meta.mean),
    'ssdkit.std': JSON.stringify(meta.std),
    'ssdkit.nms': JSON.stringify(meta.nms),
    'ssdkit.outputs': 'bboxes (batch, N, 4) corner pixels; scores (batch, N, classes) softmax without background',
  };
}

/** Parses the metadata_props written by exportSSDToOnnx; errors name the file and the key. */
export function parseOnnxMetadata(props: Record<string, string>, file: string): OnnxModelMetadata {
  const read = (key: string): unknown => {
    const v = props[`ssdkit.${key}`];
    if (v === undefined) throw new Error(`${file}: no ssdkit.${key} in the model's metadata (was it written by ssdkit export?)`);
    try {
      return JSON.parse(v);
    } catch {
      throw new Error(`${file}: ssdkit.${key} is not valid JSON: ${v.slice(0, 80)}`);
    }
  };
  const classes = read('classes');
  const dataShape = read('data_shape');
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string')) throw new Error(`${file}: ssdkit.classes must be a list of names`);
  if (!Number.isInteger(dataShape) || (dataShape as number) <= 0) throw new Error(`${file}: ssdkit.data_shape must be a positive integer`);
  return { classes, dataShape: dataShape as number, mean: read('mean') as number[], std: read('std') as number[], nms: read('nms') as OnnxModelMetadata['nms'] };
}

/** The SSD as an ONNX ModelProto (bytes). The net is read, not changed. */
export function exportSSDToOnnx(net: SSD, o: OnnxExportOptions = {}): Uint8Array {
  const S = o.dataShape ?? net.baseSize;
  if (!Number.isInteger(S) || S <= 0) throw new RangeError(`exportSSDToOnnx: dataShape must be a positive integer, got ${S}`);
  const g = new GraphBuilder();
  const x = g.input('data', [-1, 3, S, S]);
  const features = emitFeatures(g, net.features, x);
  const head = emitSSDHead(g, net, features);
  g.output('bboxes', head.bboxes);
  g.output('scores', head.scores);
  if (o.nms) {
    const maxPerClass = net.postNms > 0 ? net.postNms : head.numAnchors;
    g.output('selected_indices', emitNms(g, head, { iouThreshold: net.nmsThresh, scoreThreshold: SCORE_THRESHOLD, maxPerClass }), OnnxDataType.INT64);
  }
  const metadata = { ...metadataProps(net, S), ...o.metadata };
  return encodeModel(g.toModel({ opset: ONNX_OPSET, producer: 'ssdkit', metadata }));
}
