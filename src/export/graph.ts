// The ONNX graph under construction (ONNX `GraphProto`): nodes in topological order, float32/int64 initializers
// stored as raw little-endian data, and the static shape of every value the exporter creates (the batch axis is
// symbolic, -1 here, `batch` in the file), so that ops whose attributes depend on sizes (MXNet's ceil-mode
// pooling) can be written with explicit numbers. The exporter's ops per block kind (blockOps.ts) call `node`.
//
//   const g = new GraphBuilder();
//   const x = g.input('data', [-1, 3, 300, 300]);
//   const y = g.node('Relu', [x], [-1, 3, 300, 300]);
//   g.output('y', y);
//   const model = g.toModel({ opset: 13, producer: 'ssdkit', metadata: { classes: '["a"]' } });
import { OnnxDataType, type ModelObject } from './onnxWriter.js';

/** A static shape; -1 marks the dynamic batch axis, -2 the number of boxes NonMaxSuppression selects. */
export type Shape = readonly number[];

/** ONNX attribute values the exporter uses: ints, floats, int lists and strings. */
export type AttrValue = number | number[] | string | { float: number };

export interface ModelInfo {
  opset: number;
  producer: string;
  /** metadata_props written into the file (classes, input size, normalization). */
  metadata?: Record<string, string>;
}

interface NodeRecord {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs: Record<string, AttrValue>;
}

interface InitRecord {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

const DIM_PARAMS: Record<number, string> = { [-1]: 'batch', [-2]: 'num_selected' };

function valueInfo(name: string, shape: Shape, elemType: number = OnnxDataType.FLOAT): Record<string, unknown> {
  const dim = shape.map((d) => (d < 0 ? { dimParam: DIM_PARAMS[d] ?? 'unknown' } : { dimValue: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

function attribute(name: string, v: AttrValue): Record<string, unknown> {
  // AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, INTS 7.
  if (typeof v === 'string') return { name, type: 3, s: Buffer.from(v) };
  if (Array.isArray(v)) return { name, type: 7, ints: v };
  if (typeof v === 'object') return { name, type: 1, f: v.float };
  if (!Number.isInteger(v)) throw new Error(`ONNX attribute ${name}: ${v} is not an integer (wrap floats as { float })`);
  return { name, type: 2, i: v };
}

export class GraphBuilder {
  readonly #nodes: NodeRecord[] = [];
  readonly #inits: InitRecord[] = [];
  readonly #inputs: Record<string, unknown>[] = [];
  readonly #outputs: Record<string, unknown>[] = [];
  readonly #shapes = new Map<string, Shape>();
  readonly #counts = new Map<string, number>();

  /** A fresh value name `<hint>_<n>`. */
  fresh(hint: string): string {
    const n = this.#counts.get(hint) ?? 0;
    this.#counts.set(hint, n + 1);
    return `${hint}_${n}`;
  }

  /** The static shape of a value this builder created. */
  shape(value: string): Shape {
    const s = this.#shapes.get(value);
    if (s === undefined) throw new Error(`ONNX export: no shape recorded for value '${value}'`);
    return s;
  }

  input(name: string, shape: Shape): string {
    this.#inputs.push(valueInfo(name, shape));
    this.#shapes.set(name, shape);
    return name;
  }

  /** Declares `value` a graph output called `name` (an Identity node renames it). */
  output(name: string, value: string, elemType: number = OnnxDataType.FLOAT): void {
    const shape = this.shape(value);
    this.#nodes.push({ opType: 'Identity', inputs: [value], outputs: [name], name: `${name}_identity`, attrs: {} });
    this.#shapes.set(name, shape);
    this.#outputs.push(valueInfo(name, shape, elemType));
  }

  /** A float32 initializer; a Float32Array is kept, not copied (do not change it afterwards). */
  floats(hint: string, data: Float32Array | readonly number[], dims: readonly number[]): string {
    const arr = data instanceof Float32Array ? data : Float32Array.from(data);
    const n = dims.reduce((a, b) => a * b, 1);
    if (arr.length !== n) throw new Error(`ONNX export: initializer ${hint} has ${arr.length} values for shape [${dims.join(', ')}]`);
    return this.#init(hint, dims, OnnxDataType.FLOAT, Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength));
  }

  /** An int64 initializer (shapes, axes, slice bounds). */
  ints(hint: string, data: readonly number[]): string {
    const arr = BigInt64Array.from(data.map((v) => BigInt(v)));
    return this.#init(hint, [data.length], OnnxDataType.INT64, Buffer.from(arr.buffer));
  }

  /** Appends a node with one output of the given static shape; returns the output's name. */
  node(opType: string, inputs: string[], shape: Shape, attrs: Record<string, AttrValue> = {}): string {
    const out = this.fresh(opType.toLowerCase());
    this.#nodes.push({ opType, inputs, outputs: [out], name: `${out}_node`, attrs });
    this.#shapes.set(out, shape);
    return out;
  }

  /** Appends a node whose outputs are named by the caller (several outputs, or an int64 output). */
  nodeNamed(opType: string, inputs: string[], outputs: { name: string; shape: Shape }[], attrs: Record<string, AttrValue> = {}): void {
    this.#nodes.push({ opType, inputs, outputs: outputs.map((o) => o.name), name: `${outputs[0]!.name}_node`, attrs });
    for (const o of outputs) this.#shapes.set(o.name, o.shape);
  }

  toModel(info: ModelInfo): ModelObject {
    const graph = {
      name: 'ssdkit',
      node: this.#nodes.map((n) => ({
        opType: n.opType,
        input: n.inputs,
        output: n.outputs,
        name: n.name,
        attribute: Object.entries(n.attrs).map(([k, v]) => attribute(k, v)),
      })),
      initializer: this.#inits.map((t) => ({ name: t.name, dims: t.dims, dataType: t.dataType, rawData: t.rawData })),
      input: this.#inputs,
      output: this.#outputs,
    };
    return {
      irVersion: 8, // ONNX 1.10+; onnx 1.12's checker and onnxruntime accept it with opset 13
      producerName: info.producer,
      opsetImport: [{ domain: '', version: info.opset }],
      graph,
      metadataProps: Object.entries(info.metadata ?? {}).map(([key, value]) => ({ key, value })),
    };
  }

  #init(hint: string, dims: readonly number[], dataType: number, rawData: Uint8Array): string {
    const name = this.fresh(hint);
    this.#inits.push({ name, dims: [...dims], dataType, rawData });
    this.#shapes.set(name, dims);
    return name;
  }
}
