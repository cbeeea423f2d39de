// MXNet `.params` files (what GluonCV's save_parameters/save_params and mx.nd.save write): a reader and a writer
// for the NDArray list binary format, so GluonCV/MXNet weights can be imported without MXNet (spec §2.3 naming;
// layout from apache/mxnet 1.9.1 `src/ndarray/ndarray.cc` NDArray::Save/Load and dmlc-core's Stream vectors).
//
// Everything is little-endian. The file is:
//   u64 0x112 (kMXAPINDArrayListMagic) | u64 reserved (0)
//   u64 n   | n NDArrays (below)
//   u64 k   | k names, each u64 byte length + UTF-8 bytes      (k is 0 for an unnamed list, else n)
// One dense NDArray, version 2 (magic 0xF993FAC9, what MXNet 1.x writes):
//   u32 magic | i32 storage type (0 dense; 1 row_sparse and 2 csr are rejected here)
//   i32 ndim  | ndim × i64 dims         (ndim 0: an empty "none" array, no further fields)
//   i32 device type | i32 device id     (1 cpu, 2 gpu, 3 cpu_pinned, 5 cpu_shared: ignored, data is on disk)
//   i32 type flag (mshadow): 0 float32, 1 float64, 2 float16, 3 uint8, 4 int32, 5 int8, 6 int64, 7 bool
//   numel × sizeof(type) bytes of row-major data
// Also read: version 3 (0xF993FACA, numpy-shape semantics: same layout, ndim -1 = none, ndim 0 = a scalar),
// version 1 (0xF993FAC8: no storage type, then as above) and the legacy layout (no magic: the first u32 is
// ndim, followed by ndim × u32 dims, then device, type and data).
// float16 is widened to float32 and int8 to int32 (the tensor engine has neither); other types keep theirs.
// Every read is bounds-checked; a corrupt or truncated file raises MxnetParamsError naming the byte offset.
// The writer emits version-2 dense CPU arrays (float32, float64, uint8, int32, int64, bool).
//
//   const tensors = loadMxnetParams('ssd_300_vgg16_atrous_voc-0e169fbb.params');   // Map<name, Tensor>
//   saveMxnetParams('out.params', tensors);
import { halfToFloat } from './halfFloat.js';
import { readWeightsFile } from './readWeightsFile.js';
import { type Tensor, type DType, fromTypedArray, tidy } from '../tensor/index.js';
import { atomicWriteFileSync } from '../util/atomicWrite.js';

export const NDARRAY_LIST_MAGIC = 0x112n;
export const NDARRAY_V1_MAGIC = 0xf993fac8;
export const NDARRAY_V2_MAGIC = 0xf993fac9;
export const NDARRAY_V3_MAGIC = 0xf993faca;

/** mshadow type flags and their element sizes. */
const TYPE_FLAGS: Record<number, { name: string; size: number }> = {
  0: { name: 'float32', size: 4 },
  1: { name: 'float64', size: 8 },
  2: { name: 'float16', size: 2 },
  3: { name: 'uint8', size: 1 },
  4: { name: 'int32', size: 4 },
  5: { name: 'int8', size: 1 },
  6: { name: 'int64', size: 8 },
  7: { name: 'bool', size: 1 },
};
const FLAG_OF: Partial<Record<DType, number>> = { float32: 0, float64: 1, uint8: 3, int32: 4, int64: 6, bool: 7 };
const MAX_NDIM = 32;
const MAX_NAME = 1 << 16;

/** A malformed, truncated or unsupported `.params` file. */
export class MxnetParamsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MxnetParamsError';
  }
}

/** One array of a `.params` file, before conversion to a tensor. */
export interface MxnetArray {
  /** The file's element type (float16 and int8 included). */
  fileType: string;
  /** The tensor dtype it is read as. */
  dtype: DType;
  shape: number[];
  /** Row-major elements, already converted to `dtype`'s TypedArray (own buffer). */
  data: Float32Array | Float64Array | Uint8Array | Int32Array | BigInt64Array;
  /** Which on-disk layout it used: 'v1', 'v2', 'v3' or 'legacy'. */
  version: string;
}

export interface MxnetParamsContent {
  /** Names in file order ('' when the file is an unnamed list, then arrays are keyed '0', '1', ...). */
  names: string[];
  arrays: MxnetArray[];
}

/** Bounded little-endian reader over a byte buffer. */
class Reader {
  pos = 0;
  readonly view: DataView;
  constructor(
    readonly buf: Uint8Array,
    readonly source: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  fail(why: string, at = this.pos): never {
    throw new MxnetParamsError(`${this.source}: not a valid MXNet .params file: ${why} (at byte ${at} of ${this.buf.length})`);
  }
  need(n: number, what: string): void {
    if (!Number.isSafeInteger(n) || n < 0 || this.pos + n > this.buf.length) {
      this.fail(`truncated while reading ${what} (${n} bytes needed, ${this.buf.length - this.pos} left)`);
    }
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(what: string): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(what: string): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
  /** A u64 count or length that must fit in the remaining bytes (each item taking at least minItem bytes). */
  count(what: string, minItem: number): number {
    const at = this.pos;
    const v = this.u64(what);
    if (v > BigInt(Math.max(0, this.buf.length - this.pos)) / BigInt(Math.max(1, minItem))) {
      this.fail(`${what} ${v} cannot fit in the ${this.buf.length - this.pos} remaining bytes`, at);
    }
    return Number(v);
  }
  i64(what: string): bigint {
    this.need(8, what);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = new Uint8Array(n); // an own, aligned copy (Buffer.slice would share the file's memory)
    out.set(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }
}


function convert(raw: Uint8Array, flag: number, numel: number): { dtype: DType; data: MxnetArray['data'] } {
  const buf = raw.buffer as ArrayBuffer;
  switch (flag) {
    case 0: return { dtype: 'float32', data: new Float32Array(buf, 0, numel) };
    case 1: return { dtype: 'float64', data: new Float64Array(buf, 0, numel) };
    case 2: {
      const v = new DataView(buf);
      const out = new Float32Array(numel);
      for (let i = 0; i < numel; i++) out[i] = halfToFloat(v.getUint16(2 * i, true));
      return { dtype: 'float32', data: out };
    }
    case 3: return { dtype: 'uint8', data: new Uint8Array(buf, 0, numel) };
    case 4: return { dtype: 'int32', data: new Int32Array(buf, 0, numel) };
    case 5: return { dtype: 'int32', data: Int32Array.from(new Int8Array(buf, 0, numel)) };
    case 6: return { dtype: 'int64', data: new BigInt64Array(buf, 0, numel) };
    case 7: return { dtype: 'bool', data: new Uint8Array(buf, 0, numel).map((b) => (b ? 1 : 0)) };
    default: throw new Error(`unsupported type flag ${flag}`);
  }
}

function readShape(r: Reader, version: string): number[] | null {
  const at = r.pos;
  const ndim = r.i32('ndim');
  if (version === 'v3' && ndim === -1) return null;
  if (ndim < 0 || ndim > MAX_NDIM) r.fail(`ndim ${ndim} is out of range [0, ${MAX_NDIM}]`, at);
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) {
    const dimAt = r.pos;
    const v = r.i64('a dimension');
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) r.fail(`dimension ${v} is invalid`, dimAt);
    shape.push(Number(v));
  }
  return shape;
}

function readArray(r: Reader, index: number): MxnetArray | null {
  const start = r.pos;
  const magic = r.u32(`array ${index} magic`);
  let version: string;
  let shape: number[] | null;
  if (magic === NDARRAY_V2_MAGIC || magic === NDARRAY_V3_MAGIC) {
    version = magic === NDARRAY_V2_MAGIC ? 'v2' : 'v3';
    const stypeAt = r.pos;
    const stype = r.i32('storage type');
    if (stype !== 0) {
      r.fail(`array ${index} has storage type ${stype} (${stype === 1 ? 'row_sparse' : stype === 2 ? 'csr' : 'unknown'}); only dense arrays are supported`, stypeAt);
    }
    shape = readShape(r, version);
    if (shape === null || (version === 'v2' && shape.length === 0)) return null;
  } else if (magic === NDARRAY_V1_MAGIC) {
    version = 'v1';
    shape = readShape(r, version);
    if (shape === null || shape.length === 0) return null;
  } else {
    // Legacy: the u32 just read is ndim, the dims are u32.
    version = 'legacy';
    if (magic > MAX_NDIM) r.fail(`array ${index} starts with 0x${magic.toString(16)}, which is neither an NDArray magic number nor a plausible legacy ndim`, start);
    shape = [];
    for (let d = 0; d < magic; d++) shape.push(r.u32('a legacy dimension'));
    if (shape.length === 0) return null;
  }
  r.i32('device type');
  r.i32('device id');
  const flagAt = r.pos;
  const flag = r.i32('type flag');
  const t = TYPE_FLAGS[flag];
  if (!t) r.fail(`array ${index} has unsupported type flag ${flag} (supported: ${Object.entries(TYPE_FLAGS).map(([k, v]) => `${k} ${v.name}`).join(', ')})`, flagAt);
  const numel = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(numel * t.size)) r.fail(`array ${index} of shape [${shape.join(', ')}] is too large`, start);
  const raw = r.bytes(numel * t.size, `array ${index} data (shape [${shape.join(', ')}] ${t.name})`);
  const { dtype, data } = convert(raw, flag, numel);
  return { fileType: t.name, dtype, shape, data, version };
}

/** Parses `.params` bytes; `source` names the file in errors. */
export function decodeMxnetParams(buf: Uint8Array, source = '<buffer>'): MxnetParamsContent {
  const r = new Reader(buf, source);
  const header = r.u64('header');
  if (header !== NDARRAY_LIST_MAGIC) r.fail(`header 0x${header.toString(16)} is not the NDArray list magic 0x112`, 0);
  r.u64('reserved field');
  const n = r.count('array count', 4);
  const arrays: (MxnetArray | null)[] = [];
  for (let i = 0; i < n; i++) arrays.push(readArray(r, i));
  const k = r.count('name count', 8);
  if (k !== 0 && k !== n) r.fail(`${k} names for ${n} arrays`, r.pos - 8);
  const names: string[] = [];
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i < k; i++) {
    const lenAt = r.pos;
    const len = r.count(`length of name ${i}`, 1);
    if (len > MAX_NAME) r.fail(`name ${i} is ${len} bytes long`, lenAt);
    try {
      names.push(decoder.decode(r.bytes(len, `name ${i}`)));
    } catch (e) {
      if (e instanceof MxnetParamsError) throw e;
      r.fail(`name ${i} is not valid UTF-8`, lenAt + 8);
    }
  }
  if (r.pos !== buf.length) r.fail(`${buf.length - r.pos} unexpected bytes after the names`);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) r.fail(`name '${name}' appears twice`);
    seen.add(name);
  }
  const missing = arrays.findIndex((a) => a === null);
  if (missing >= 0) {
    throw new MxnetParamsError(`${source}: array ${missing}${names[missing] ? ` ('${names[missing]}')` : ''} is an empty (none) NDArray`);
  }
  return { names: k === 0 ? arrays.map((_, i) => String(i)) : names, arrays: arrays as MxnetArray[] };
}

/** Reads a `.params` file into tensors by name (file order). The caller owns (disposes) the tensors. */
export function loadMxnetParams(path: string): Map<string, Tensor> {
  const buf = readWeightsFile(path, (m) => new MxnetParamsError(m));
  return mxnetParamsToTensors(decodeMxnetParams(buf, path));
}

/** The arrays of decoded content as tensors by name. */
export function mxnetParamsToTensors(content: MxnetParamsContent): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  content.arrays.forEach((a, i) => out.set(content.names[i]!, fromTypedArray(a.data, a.shape, { copy: true, dtype: a.dtype })));
  return out;
}

/** Serializes named tensors in MXNet's NDArray list format (version-2 dense CPU arrays). */
export function encodeMxnetParams(tensors: Map<string, Tensor> | [string, Tensor][]): Uint8Array[] {
  const entries = tensors instanceof Map ? [...tensors] : tensors;
  const chunks: Uint8Array[] = [];
  const u64 = (v: number | bigint): Uint8Array => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
    return b;
  };
  chunks.push(u64(NDARRAY_LIST_MAGIC), u64(0), u64(entries.length));
  for (const [name, t] of entries) {
    const flag = FLAG_OF[t.dtype];
    if (flag === undefined) throw new MxnetParamsError(`encodeMxnetParams: '${name}' has dtype ${t.dtype}, which MXNet cannot store`);
    if (t.ndim === 0) throw new MxnetParamsError(`encodeMxnetParams: '${name}' is a 0-d tensor, which MXNet 1.x cannot store (reshape it to [1])`);
    const head = new Uint8Array(4 * 3 + 8 * t.ndim + 4 * 3);
    const v = new DataView(head.buffer);
    let o = 0;
    v.setUint32(o, NDARRAY_V2_MAGIC, true); o += 4;
    v.setInt32(o, 0, true); o += 4;
    v.setInt32(o, t.ndim, true); o += 4;
    for (const d of t.shape) { v.setBigInt64(o, BigInt(d), true); o += 8; }
    v.setInt32(o, 1, true); o += 4; // cpu
    v.setInt32(o, 0, true); o += 4;
    v.setInt32(o, flag, true); o += 4;
    chunks.push(head);
    const data = t.device === 'cpu' ? t.toTypedArray() : tidy(() => t.to('cpu').toTypedArray());
    chunks.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  chunks.push(u64(entries.length));
  const enc = new TextEncoder();
  for (const [name] of entries) {
    const b = enc.encode(name);
    chunks.push(u64(b.length), b);
  }
  return chunks;
}

/** Writes named tensors to `path` as an MXNet `.params` file (atomically). */
export function saveMxnetParams(path: string, tensors: Map<string, Tensor> | [string, Tensor][]): void {
  atomicWriteFileSync(path, encodeMxnetParams(tensors));
}

/** Whether bytes start like an MXNet NDArray list (header 0x112, reserved 0). */
export function looksLikeMxnetParams(buf: Uint8Array): boolean {
  if (buf.length < 16) return false;
  const v = new DataView(buf.buffer, buf.byteOffset, 16);
  return v.getBigUint64(0, true) === NDARRAY_LIST_MAGIC && v.getBigUint64(8, true) === 0n;
}
