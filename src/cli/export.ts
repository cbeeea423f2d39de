// `ssdkit export --format onnx`: writes a model as an ONNX file (src/export/exportOnnx.ts) that onnxruntime
// (Node, Python, or the browser's onnxruntime-web: see `ssdkit serve`) runs without libtorch.
import { writeFileSync } from 'node:fs';
import { UsageError, type Command } from './command.js';
import { parseFlags, str, num, choice } from './flags.js';
import { MODEL_SOURCE_FLAGS, MODEL_SOURCE_USAGE, loadModelSource } from './modelSource.js';
import { exportSSDToOnnx, ONNX_OPSET } from '../export/exportOnnx.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'write a model as ONNX (boxes and class scores in the graph; NMS optional)',
  usage: `usage: ssdkit export (--prefix P | --model NAME [--weights FILE]) --format onnx --out model.onnx [--nms] [--data-shape S]

${MODEL_SOURCE_USAGE}
  --format onnx     the only format (opset ${ONNX_OPSET}, dynamic batch)
  --out FILE        the ONNX file to write
  --nms             add ONNX NonMaxSuppression (output selected_indices); off by default: run box_nms in the consumer
  --data-shape S    square input size (default the model's training size; the anchors are laid out for it)

Outputs: bboxes (batch, N, 4) corner boxes in input pixels, scores (batch, N, classes) softmax probabilities.`,
  run(argv) {
    const { values: v } = parseFlags(argv, { ...MODEL_SOURCE_FLAGS, format: { type: 'string' }, out: { type: 'string' }, nms: { type: 'boolean' }, 'data-shape': { type: 'string' } });
    choice(v, 'format', ['onnx'] as const, 'onnx');
    const out = str(v, 'out');
    if (!out) throw new UsageError('--out FILE is required');
    const src = loadModelSource(v);
    try {
      const dataShape = num(v, 'data-shape', src.dataShape, { integer: true, min: 32 });
      const bytes = exportSSDToOnnx(src.net, { dataShape, nms: v.nms === true, metadata: { 'ssdkit.source': src.description } });
      writeFileSync(out, bytes);
      console.log(`wrote ${out} (${(bytes.length / 2 ** 20).toFixed(1)} MiB, ONNX opset ${ONNX_OPSET}, input data (batch, 3, ${dataShape}, ${dataShape}), ${src.net.numClasses} classes${v.nms ? ', with NonMaxSuppression' : ''})`);
    } finally {
      src.net.dispose();
    }
    return 0;
  },
};
