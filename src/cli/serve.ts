// `ssdkit serve`: a local web page that runs a model in the browser (src/serve/server.ts). The model is a
// training run or zoo model exported on the fly (no NMS in the graph: the page runs box_nms), or an ONNX file
// written by `ssdkit export`.
import { readFileSync } from 'node:fs';
import { UsageError, type Command } from './command.js';
import { parseFlags, str, num } from './flags.js';
import { MODEL_SOURCE_FLAGS, MODEL_SOURCE_USAGE, loadModelSource } from './modelSource.js';
import { exportSSDToOnnx, parseOnnxMetadata, type OnnxModelMetadata } from '../export/exportOnnx.js';
import { readModelMetadata } from '../export/onnxWriter.js';
import { startServer } from '../serve/server.js';

function modelFromFlags(v: Record<string, unknown>): { onnx: Uint8Array; metadata: OnnxModelMetadata; title: string } {
  const file = str(v, 'onnx');
  if (file !== undefined) {
    if (v.prefix !== undefined || v.model !== undefined) throw new UsageError('give --onnx FILE or a model (--prefix / --model), not both');
    let onnx: Uint8Array;
    try {
      onnx = readFileSync(file);
    } catch (e) {
      throw new UsageError(`${file}: cannot read (${(e as Error).message})`);
    }
    return { onnx, metadata: parseOnnxMetadata(readModelMetadata(onnx, file), file), title: file };
  }
  const src = loadModelSource(v);
  try {
    const onnx = exportSSDToOnnx(src.net, { dataShape: src.dataShape });
    return { onnx, metadata: parseOnnxMetadata(readModelMetadata(onnx, src.description), src.description), title: src.description };
  } finally {
    src.net.dispose();
  }
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve a local page that detects objects in dropped images, in the browser (onnxruntime-web)',
  usage: `usage: ssdkit serve (--prefix P | --model NAME [--weights FILE] | --onnx model.onnx) [--port N]

${MODEL_SOURCE_USAGE}
  --onnx FILE       a model written by ssdkit export (without --nms)
  --port N          port on 127.0.0.1 (default 8080; 0 picks a free one)

Open the printed address, drop an image on the page: the boxes are drawn with labels and scores. Ctrl-C stops.`,
  async run(argv) {
    const { values: v } = parseFlags(argv, { ...MODEL_SOURCE_FLAGS, onnx: { type: 'string' }, port: { type: 'string' } });
    const port = num(v, 'port', 8080, { integer: true, min: 0, max: 65535 });
    const model = modelFromFlags(v);
    const server = await startServer({ ...model, port });
    console.log(`ssdkit serve: ${model.title}, ${model.metadata.classes.length} classes, input ${model.metadata.dataShape}x${model.metadata.dataShape}`);
    console.log(`ssdkit serve: open ${server.url}`);
    await new Promise<void>((resolve) => {
      const stop = (): void => void server.close().then(resolve);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
