// Named tensors in the safetensors format (https://huggingface.co/docs/safetensors), readable from Python
// with `safetensors.torch.load_file`. Layout: u64 little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}, then the raw
// little-endian data. Files are written atomically (see util/atomicWrite.ts).
import { readFileSync } from 'node:fs';
import { atomicWriteFileSync } from '../util/atomicWrite.js';
import { type DType, isHalf, typedArrayOf } from './dtype.js';
import { Tensor } from './tensor.js';
import { fromTypedArray } from './creation.js';
import { N } from './native.js';

const TO_ST: Record<DType, string> = { float32: 'F32', float64: 'F64', float16: 'F16', bfloat16: 'BF16', int64: 'I64', int32: 'I32', uint8: 'U8', bool: 'BOOL' };
const FROM_ST: Record<string, DType> = Object.fromEntries(Object.entries(TO_ST).map(([k, v]) => [v, k as DType]));
const MAX_HEADER = 100 * 1024 * 1024;

export interface SafetensorsContent {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Serializes named tensors; names are written in sorted order, as the Python library does. */
export function encodeSafetensors(tensors: Map<string, Tensor> | Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array[] {
  const entries = [...(tensors instanceof Map ? tensors.entries() : Object.entries(tensors))].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const datas: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    const bytes = new Uint8Array(N.toBuffer(t.handle));
    header[name] = { dtype: TO_ST[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    datas.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  return [len, headerBytes, ...datas];
}

/** Writes named tensors to `path` atomically. */
export function saveSafetensors(path: string, tensors: Map<string, Tensor> | Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  atomicWriteFileSync(path, encodeSafetensors(tensors, metadata));
}

/** Parses safetensors bytes; `source` names the file in errors. Tensors are new copies. */
export function decodeSafetensors(buf: Uint8Array, source = '<buffer>'): SafetensorsContent {
  const bad = (why: string): never => {
    throw new Error(`${source}: not a valid safetensors file: ${why}`);
  };
  if (buf.length < 8) bad('shorter than its 8-byte header length');
  const n = Number(new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true));
  if (n > MAX_HEADER || 8 + n > buf.length) bad(`header length ${n} exceeds the file (${buf.length} bytes)`);
  let header: any;
  try {
    header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, n).toString('utf8'));
  } catch (e) {
    return bad(`header is not JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) bad('header is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = buf.length - dataStart;
  const tensors = new Map<string, Tensor>();
  const metadata: Record<string, string> = header.__metadata__ ?? {};
  try {
    for (const [name, info] of Object.entries(header) as [string, any][]) {
      if (name === '__metadata__') continue;
      const dtype = FROM_ST[info?.dtype];
      if (dtype === undefined) bad(`tensor '${name}' has unsupported dtype ${JSON.stringify(info?.dtype)}`);
      const shape = info.shape;
      if (!Array.isArray(shape) || !shape.every((d: unknown) => Number.isInteger(d) && (d as number) >= 0)) {
        bad(`tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
      }
      const [b, e] = info.data_offsets ?? [];
      const numel = shape.reduce((a: number, d: number) => a * d, 1);
      const elem = dtype === 'float64' || dtype === 'int64' ? 8 : dtype === 'float32' || dtype === 'int32' ? 4 : isHalf(dtype!) ? 2 : 1;
      if (!Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e > dataLen || e - b !== numel * elem) {
        bad(`tensor '${name}' has data_offsets ${JSON.stringify(info.data_offsets)} that do not fit shape [${shape}] ${info.dtype} in ${dataLen} data bytes`);
      }
      const copy = buf.buffer.slice(buf.byteOffset + dataStart + b, buf.byteOffset + dataStart + e) as ArrayBuffer;
      tensors.set(name, fromTypedArray(typedArrayOf(dtype!, copy), shape, { dtype }));
    }
  } catch (err) {
    for (const t of tensors.values()) t.dispose();
    throw err;
  }
  return { tensors, metadata };
}

export function loadSafetensors(path: string): SafetensorsContent {
  return decodeSafetensors(readFileSync(path), path);
}
