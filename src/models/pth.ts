// PyTorch checkpoint files (`torch.save` since 1.6, `torch/serialization.py` `_save` / `_load`): a zip archive of
// `<archive>/data.pkl` (a pickle of the object, usually a state dict) and `<archive>/data/<key>` (the raw
// little-endian storages). Read like `torch.load(path, weights_only=True)`: the pickle (pickle.ts) may use only
// the globals `torch/_weights_only_unpickler.py` allows for state dicts — OrderedDict, the tensor rebuild
// functions and the storage types —, nothing from the file is run, and the zip directory (zipDirectory.ts) is
// checked before anything is decompressed (sizes within the file, no decompression without bound).
//
//   const { tensors, skipped } = decodePth(readFileSync('ssd300_vgg16_coco-b556d3b4.pth'), 'ssd300...pth');
//
// Nested dicts are flattened with dotted names ({'model': {...}} -> 'model.conv.weight'); non-tensor leaves are
// listed in `skipped`. The legacy (pre-1.6) non-zip format (a stream of pickles and raw storages) is read too.
import { unzipSync } from 'fflate';
import { halfToFloat } from './halfFloat.js';
import { type Tensor, fromTypedArray } from '../tensor/index.js';
import { type AnyTypedArray, type DType } from '../tensor/dtype.js';
import { type PickleCallable, type PickleObject, type PickleValue, type UnpickleOptions, PickleError, unpickle, unpickleFrom } from './pickle.js';
import { readZipDirectory, type ZipDirectory, type ZipLimits } from './zipDirectory.js';

export class PthError extends Error {
  override name = 'PthError';
}

/** A storage type's element layout: how it is stored and the ssdkit dtype it becomes. */
interface StorageType {
  bytes: number;
  dtype: DType;
  read(view: DataView, i: number): number | bigint;
}

const f16 = (v: DataView, i: number): number => halfToFloat(v.getUint16(i * 2, true));
const STORAGE_TYPES: Record<string, StorageType> = {
  FloatStorage: { bytes: 4, dtype: 'float32', read: (v, i) => v.getFloat32(i * 4, true) },
  DoubleStorage: { bytes: 8, dtype: 'float64', read: (v, i) => v.getFloat64(i * 8, true) },
  HalfStorage: { bytes: 2, dtype: 'float32', read: f16 },
  BFloat16Storage: { bytes: 2, dtype: 'float32', read: (v, i) => new Float32Array(new Uint32Array([v.getUint16(i * 2, true) << 16]).buffer)[0]! },
  LongStorage: { bytes: 8, dtype: 'int64', read: (v, i) => v.getBigInt64(i * 8, true) },
  IntStorage: { bytes: 4, dtype: 'int32', read: (v, i) => v.getInt32(i * 4, true) },
  ShortStorage: { bytes: 2, dtype: 'int32', read: (v, i) => v.getInt16(i * 2, true) },
  CharStorage: { bytes: 1, dtype: 'int32', read: (v, i) => v.getInt8(i) },
  ByteStorage: { bytes: 1, dtype: 'uint8', read: (v, i) => v.getUint8(i) },
  BoolStorage: { bytes: 1, dtype: 'bool', read: (v, i) => (v.getUint8(i) ? 1 : 0) },
};

/** Storage types whose bytes are already the tensor's (a little-endian machine): copied, not converted. */
const NATIVE_LAYOUT = new Set(['FloatStorage', 'DoubleStorage', 'LongStorage', 'IntStorage', 'ByteStorage', 'BoolStorage']);


/** A storage named by the pickle's persistent id ('storage', type, key, location, numel). */
interface StorageRef extends PickleObject {
  readonly type: 'storage';
  readonly key: string;
  readonly storageType: string;
  readonly numel: number;
}

/** What `_rebuild_tensor_v2` records; turned into a Tensor once the storages are read. */
interface TensorRecord extends PickleObject {
  readonly type: 'tensor';
  readonly storage: StorageRef;
  readonly offset: number;
  readonly size: number[];
  readonly stride: number[];
}

function callable(qualifiedName: string, call: (args: PickleValue[]) => PickleValue): PickleCallable {
  return { kind: 'callable', qualifiedName, call };
}

function isObject<T extends PickleObject>(v: unknown, type: string): v is T {
  return typeof v === 'object' && v !== null && (v as PickleObject).kind === 'object' && (v as PickleObject).type === type;
}

function intList(v: PickleValue, what: string, fail: (m: string) => never): number[] {
  if (!Array.isArray(v) || !v.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) fail(`${what} is not a tuple of non-negative integers`);
  return v as number[];
}

/** The globals `torch.load(weights_only=True)` accepts that a state dict needs, and what each does here. */
function allowedGlobals(source: string): Map<string, PickleCallable | PickleObject> {
  const fail = (m: string): never => {
    throw new PthError(`${source}: ${m}`);
  };
  const rebuild = (args: PickleValue[]): PickleValue => {
    const [storage, offset, size, stride] = args;
    if (!isObject<StorageRef>(storage, 'storage')) fail('a tensor whose storage is not a storage');
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) fail('a tensor with a bad storage offset');
    const rec: TensorRecord = { kind: 'object', type: 'tensor', storage: storage as StorageRef, offset: offset as number, size: intList(size!, 'a tensor size', fail), stride: intList(stride!, 'a tensor stride', fail) };
    return rec;
  };
  const g = new Map<string, PickleCallable | PickleObject>([
    ['collections.OrderedDict', callable('collections.OrderedDict', () => new Map())],
    ['torch._utils._rebuild_tensor_v2', callable('torch._utils._rebuild_tensor_v2', rebuild)],
    ['torch._utils._rebuild_tensor', callable('torch._utils._rebuild_tensor', rebuild)],
    ['torch._utils._rebuild_parameter', callable('torch._utils._rebuild_parameter', (args) => args[0] ?? fail('_rebuild_parameter without data'))],
  ]);
  for (const name of Object.keys(STORAGE_TYPES)) g.set(`torch.${name}`, { kind: 'object', type: 'storageType', name });
  return g;
}

function persistentLoad(source: string) {
  return (pid: PickleValue): PickleValue => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) throw new PthError(`${source}: a persistent id that is not ('storage', type, key, location, numel)`);
    const [, type, key, , numel] = pid;
    if (!isObject(type, 'storageType')) throw new PthError(`${source}: storage '${String(key)}' has no storage type`);
    if (typeof key !== 'string' || !/^[0-9A-Za-z_.-]+$/.test(key)) throw new PthError(`${source}: a storage key ${JSON.stringify(key)} that is not a plain name`);
    if (typeof numel !== 'number' || !Number.isInteger(numel) || numel < 0) throw new PthError(`${source}: storage '${key}' has a bad element count`);
    const ref: StorageRef = { kind: 'object', type: 'storage', key, storageType: (type as PickleObject & { name: string }).name, numel };
    return ref;
  };
}

export interface DecodedPth {
  /** Tensors by (dotted) state-dict name. */
  tensors: Map<string, Tensor>;
  /** Names of non-tensor entries (epoch counters, config strings, ...), not loaded. */
  skipped: string[];
}

/** Whether the bytes look like a torch.save file (zip) or the legacy pickle format. */
export function looksLikePth(buf: Uint8Array): boolean {
  return (buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04) || (buf[0] === 0x80 && buf[1] === 0x02 && buf[2] === 0x8a);
}

/** Reads a torch.save file's state dict without running code from it (see the file header). */
export function decodePth(buf: Uint8Array, source = '<buffer>', limits: ZipLimits = {}): DecodedPth {
  if (buf[0] === 0x80 && buf[1] === 0x02) return decodeLegacyPth(buf, source);
  const dir = readZipDirectory(buf, source, limits);
  const pkl = dir.entries.filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
  if (pkl.length !== 1) throw new PthError(`${source}: not a torch.save archive (${pkl.length} '<archive>/data.pkl' entries, expected 1)`);
  const prefix = pkl[0]!.name.slice(0, -'data.pkl'.length);
  const globals = allowedGlobals(source);
  let root: PickleValue;
  try {
    const files = readEntries(buf, dir, new Set([pkl[0]!.name]));
    root = unpickle(files[pkl[0]!.name]!, {
      source,
      findGlobal: (m, n) => globals.get(`${m}.${n}`),
      allowedGlobals: [...globals.keys()],
      persistentLoad: persistentLoad(source),
    });
  } catch (e) {
    if (e instanceof PickleError || e instanceof PthError) throw e;
    throw new PthError(`${source}: cannot read ${pkl[0]!.name}: ${(e as Error).message}`);
  }
  const records = new Map<string, TensorRecord>();
  const skipped: string[] = [];
  flatten(root, '', records, skipped, source);
  return { tensors: materialize(buf, dir, prefix, records, source), skipped };
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/**
 * The legacy format (`_legacy_save`): pickles of the magic number, protocol version 1001 and sys_info, the
 * object (persistent ids ('storage', type, key, location, numel, view_metadata)), the sorted storage keys; then
 * per key an int64 element count and the raw little-endian bytes.
 */
function decodeLegacyPth(buf: Uint8Array, source: string): DecodedPth {
  const globals = allowedGlobals(source);
  const options: UnpickleOptions = { source, findGlobal: (m, n) => globals.get(`${m}.${n}`), allowedGlobals: [...globals.keys()] };
  let pos = 0;
  const next = (o: UnpickleOptions = options): PickleValue => {
    const r = unpickleFrom(buf.subarray(pos), o);
    pos += r.end;
    return r.value;
  };
  const fail = (m: string): never => {
    throw new PthError(`${source}: ${m}`);
  };
  if (next() !== LEGACY_MAGIC) fail('not a torch.save file (bad magic number)');
  if (next() !== 1001) fail('unknown legacy torch.save protocol version');
  const info = next();
  if (!(info instanceof Map) || info.get('little_endian') !== true) fail('a big-endian legacy file is not supported');
  const refs = new Map<string, StorageRef>();
  const load = persistentLoad(source);
  const root = next({ ...options, persistentLoad: (pid) => { const r = load(pid) as StorageRef; refs.set(r.key, r); return r; } });
  const keys = next();
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) fail('the storage key list is damaged');
  const data = new Map<string, Uint8Array>();
  for (const key of keys as string[]) {
    const ref = refs.get(key) ?? fail(`storage '${key}' is listed but not used`);
    if (pos + 8 > buf.length) fail(`truncated before storage '${key}'`);
    const count = new DataView(buf.buffer, buf.byteOffset + pos, 8).getBigInt64(0, true);
    const bytes = Number(count) * STORAGE_TYPES[ref.storageType]!.bytes;
    if (count < 0n || pos + 8 + bytes > buf.length) fail(`storage '${key}' claims ${count} elements, past the end of the file (truncated?)`);
    data.set(key, buf.subarray(pos + 8, pos + 8 + bytes));
    pos += 8 + bytes;
  }
  const records = new Map<string, TensorRecord>();
  const skipped: string[] = [];
  flatten(root, '', records, skipped, source);
  return { tensors: toTensors(records, (k) => data.get(k) ?? fail(`storage '${k}' is missing`), source), skipped };
}

function flatten(v: PickleValue, prefix: string, out: Map<string, TensorRecord>, skipped: string[], source: string, depth = 0): void {
  if (depth > 32) throw new PthError(`${source}: dicts nested more than 32 deep at '${prefix.slice(0, 60)}...'`);
  if (!(v instanceof Map)) {
    if (prefix === '') throw new PthError(`${source}: holds a ${describe(v)}, not a state dict`);
    if (isObject<TensorRecord>(v, 'tensor')) out.set(prefix.slice(0, -1), v);
    else skipped.push(prefix.slice(0, -1));
    return;
  }
  for (const [k, x] of v) flatten(x, `${prefix}${String(k)}.`, out, skipped, source, depth + 1);
}

function describe(v: PickleValue): string {
  return Array.isArray(v) ? 'list' : v === null ? 'None' : typeof v === 'object' && 'kind' in v ? (v.kind === 'object' ? v.type : v.qualifiedName) : typeof v;
}

function materialize(buf: Uint8Array, dir: ZipDirectory, prefix: string, records: Map<string, TensorRecord>, source: string): Map<string, Tensor> {
  const wanted = new Set([...records.values()].map((r) => `${prefix}data/${r.storage.key}`));
  const missing = [...wanted].filter((n) => !dir.entries.some((e) => e.name === n));
  if (missing.length) throw new PthError(`${source}: storages missing from the archive: ${missing.join(', ')}`);
  const files = readEntries(buf, dir, wanted);
  return toTensors(records, (key) => files[`${prefix}data/${key}`]!, source);
}

/** Every record as a tensor over its storage's bytes; all or nothing. */
function toTensors(records: Map<string, TensorRecord>, bytesOf: (key: string) => Uint8Array, source: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  try {
    for (const [name, rec] of records) out.set(name, toTensor(name, rec, bytesOf(rec.storage.key), source));
  } catch (e) {
    for (const t of out.values()) t.dispose();
    throw e;
  }
  return out;
}

/** The named entries' bytes: stored ones read in place (their bounds were checked), deflated ones by fflate. */
function readEntries(buf: Uint8Array, dir: ZipDirectory, names: Set<string>): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  const deflated = new Set<string>();
  for (const e of dir.entries) {
    if (!names.has(e.name)) continue;
    if (e.method === 0) out[e.name] = buf.subarray(e.dataOffset, e.dataOffset + e.size);
    else deflated.add(e.name);
  }
  if (deflated.size) Object.assign(out, unzipSync(buf, { filter: (f) => deflated.has(f.name) && dir.accept(f) }));
  return out;
}

function toTensor(name: string, rec: TensorRecord, bytes: Uint8Array, source: string): Tensor {
  const st = STORAGE_TYPES[rec.storage.storageType]!;
  const { numel } = rec.storage;
  if (bytes.length !== numel * st.bytes) {
    throw new PthError(`${source}: storage '${rec.storage.key}' of '${name}' has ${bytes.length} bytes, its ${rec.storage.storageType} of ${numel} elements needs ${numel * st.bytes}`);
  }
  if (rec.size.length !== rec.stride.length) throw new PthError(`${source}: '${name}' has ${rec.size.length} sizes but ${rec.stride.length} strides`);
  const count = rec.size.reduce((a, b) => a * b, 1);
  if (rec.size.length > 64) throw new PthError(`${source}: '${name}' has ${rec.size.length} dimensions`);
  if (count > numel) {
    // Only a broadcast (stride-0) view can have more elements than its storage; state dicts never hold one, and
    // a forged size would make us allocate without bound.
    throw new PthError(`${source}: '${name}' [${rec.size.join(', ')}] has more elements (${count}) than its storage (${numel})`);
  }
  const last = rec.offset + rec.size.reduce((a, s, i) => a + (s > 0 ? (s - 1) * rec.stride[i]! : 0), 0);
  if (count > 0 && last >= numel) throw new PthError(`${source}: '${name}' [${rec.size.join(', ')}] reaches element ${last} of a storage of ${numel}`);
  const contiguous = rec.size.every((s, d) => s <= 1 || rec.stride[d] === rec.size.slice(d + 1).reduce((a, b) => a * b, 1));
  if (contiguous && NATIVE_LAYOUT.has(rec.storage.storageType)) {
    const data = allocate(st.dtype, count);
    new Uint8Array(data.buffer).set(bytes.subarray(rec.offset * st.bytes, (rec.offset + count) * st.bytes));
    return fromTypedArray(data, rec.size, { dtype: st.dtype });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const data = allocate(st.dtype, count);
  let i = 0;
  const walk = (d: number, at: number): void => {
    if (d === rec.size.length) {
      const x = st.read(view, at);
      (data as unknown as (number | bigint)[])[i++] = x;
      return;
    }
    for (let k = 0; k < rec.size[d]!; k++) walk(d + 1, at + k * rec.stride[d]!);
  };
  if (count > 0) walk(0, rec.offset);
  return fromTypedArray(data, rec.size, { dtype: st.dtype });
}

function allocate(dtype: DType, n: number): AnyTypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'int64': return new BigInt64Array(n);
    case 'int32': return new Int32Array(n);
    default: return new Uint8Array(n);
  }
}
