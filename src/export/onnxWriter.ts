// Serializing and reading ONNX model files with protobufjs over ONNX's own schema (src/export/onnx.proto, vendored
// from ONNX 1.12, Apache-2.0). The graph is built by graph.ts; this file only turns its records into a
// ModelProto and back, so no protobuf bytes are written by hand.
//
//   writeFileSync('model.onnx', encodeModel(builder.toModel({ opset: 13, producer: 'ssdkit' })));
//   const meta = readModelMetadata(readFileSync('model.onnx'), 'model.onnx');   // metadata_props as a record
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** The schema sits beside the sources; dist/src/export/*.js reach it through the package root. */
const PROTO_PATH = fileURLToPath(new URL('../../../src/export/onnx.proto', import.meta.url));

let root: protobuf.Root | null = null;

function modelType(): protobuf.Type {
  root ??= protobuf.loadSync(PROTO_PATH);
  return root.lookupType('onnx.ModelProto');
}

/** ONNX TensorProto.DataType values used here. */
export const OnnxDataType = { FLOAT: 1, INT64: 7 } as const;

/** A ModelProto as a plain object in the schema's camelCase field names (protobufjs' fromObject form). */
export type ModelObject = Record<string, unknown>;

/** Encodes a ModelProto object; the schema rejects unknown or mistyped fields. */
export function encodeModel(model: ModelObject): Uint8Array {
  const T = modelType();
  const err = T.verify(model);
  if (err) throw new Error(`ONNX writer: invalid model record: ${err}`);
  return T.encode(T.fromObject(model)).finish();
}

/** Decodes a model file; errors name the file. */
export function decodeModel(bytes: Uint8Array, file: string): ModelObject {
  try {
    return modelType().toObject(modelType().decode(bytes), { longs: Number, bytes: Buffer }) as ModelObject;
  } catch (e) {
    throw new Error(`${file}: not an ONNX model (${(e as Error).message})`);
  }
}

/** The model's metadata_props (key -> value); errors name the file. */
export function readModelMetadata(bytes: Uint8Array, file: string): Record<string, string> {
  const m = decodeModel(bytes, file);
  const props = (m.metadataProps ?? []) as { key?: string; value?: string }[];
  return Object.fromEntries(props.map((p) => [p.key ?? '', p.value ?? '']));
}
