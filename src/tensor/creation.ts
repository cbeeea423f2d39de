// Creating tensors: from JS arrays and TypedArrays, constants, ranges and random draws.
// Random draws use libtorch's global generator; manualSeed(s) makes them reproducible.
//
//   tensor([[1, 2], [3, 4]]);                 // int64, like torch.tensor
//   tensor([0.5, 1.5], { dtype: 'float32' });
//   fromTypedArray(new Float32Array(6), [2, 3]); // shares the array's memory
import { N } from './native.js';
import { type DType, dtypeCode, dtypeOfArray, isHalf, type AnyTypedArray } from './dtype.js';
import { Tensor, type Shape, type Scalar, type NestedArray, describe } from './tensor.js';

const O = N.ops;

export interface CreateOptions {
  dtype?: DType;
  /** 'cpu' (default), 'cuda', 'cuda:1', ... */
  device?: string;
}

function opts(o: CreateOptions | undefined, fallback: DType): [number, string | null] {
  return [dtypeCode(o?.dtype ?? fallback), o?.device ?? null];
}

function checkShape(shape: Shape, fn: string): Shape {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(`${fn}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return shape;
}

/** The dtype PyTorch would infer: bool for booleans, int64 for integers, float32 otherwise. */
function inferDtype(flat: (number | boolean)[]): DType {
  if (flat.length > 0 && flat.every((v) => typeof v === 'boolean')) return 'bool';
  if (flat.length > 0 && flat.every((v) => typeof v === 'number' && Number.isInteger(v))) return 'int64';
  return 'float32';
}

/** The shape given by the first element at every depth; flattenNested then checks every element against it. */
function shapeOfNested(data: NestedArray): number[] {
  const shape: number[] = [];
  let v: NestedArray = data;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0]!;
  }
  return shape;
}

function flattenNested(data: NestedArray, shape: number[], flat: (number | boolean)[], depth: number): void {
  if (!Array.isArray(data)) {
    if (typeof data !== 'number' && typeof data !== 'boolean') {
      throw new TypeError(`tensor(): elements must be numbers or booleans, got ${describe(data)}`);
    }
    if (depth !== shape.length) throw new RangeError(`tensor(): ragged nested array (a number at depth ${depth}, expected depth ${shape.length})`);
    flat.push(data);
    return;
  }
  if (depth >= shape.length) throw new RangeError(`tensor(): ragged nested array (an array at depth ${depth}, expected a number)`);
  if (shape[depth] !== data.length) {
    throw new RangeError(`tensor(): ragged nested array (length ${data.length} at depth ${depth} where ${shape[depth]} was expected)`);
  }
  for (const d of data) flattenNested(d, shape, flat, depth + 1);
}

function typedArrayFor(dtype: DType, flat: (number | boolean)[]): AnyTypedArray {
  const nums = flat.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
  switch (dtype) {
    case 'float32': return Float32Array.from(nums);
    case 'float64': return Float64Array.from(nums);
    case 'float16':
    case 'bfloat16': throw new Error('unreachable: tensor() rounds half values through float32');
    case 'int64': return BigInt64Array.from(nums, (v) => BigInt(Math.trunc(v)));
    case 'int32': return Int32Array.from(nums);
    case 'uint8': return Uint8Array.from(nums);
    case 'bool': return Uint8Array.from(nums, (v) => (v !== 0 ? 1 : 0));
  }
}

/** A new tensor holding a copy of nested JS arrays (or a single number). */
export function tensor(data: NestedArray, options: CreateOptions = {}): Tensor {
  const shape = shapeOfNested(data);
  const flat: (number | boolean)[] = [];
  flattenNested(data, shape, flat, 0);
  const dtype = options.dtype ?? inferDtype(flat);
  // float16/bfloat16: libtorch rounds the float32 values (round to nearest even), as torch.tensor(..., dtype=half)
  const stored = isHalf(dtype) ? 'float32' : dtype;
  let t = new Tensor(N.fromBuffer(typedArrayFor(stored, flat), shape, dtypeCode(stored), false));
  if (stored !== dtype) t = replaceBy(t, t.to(dtype));
  return options.device ? moveTo(t, options.device) : t;
}

function replaceBy(old: Tensor, t: Tensor): Tensor {
  old.dispose();
  return t;
}

function moveTo(t: Tensor, device: string): Tensor {
  return device === 'cpu' ? t : replaceBy(t, t.to(device));
}

/**
 * A tensor over a TypedArray. By default it shares the array's memory (zero-copy, like torch.from_numpy):
 * writes through either are seen by both. Pass `copy: true` for an independent tensor, `dtype: 'bool'` to read
 * a Uint8Array as booleans, `dtype: 'float16' | 'bfloat16'` to read a Uint16Array's raw bits.
 */
export function fromTypedArray(
  data: AnyTypedArray,
  shape: Shape = [data.length],
  options: { copy?: boolean; dtype?: DType } = {},
): Tensor {
  const dtype = options.dtype ?? dtypeOfArray(data);
  const natural = data instanceof Uint16Array ? (isHalf(dtype) ? dtype : 'float16 or bfloat16 bits') : dtypeOfArray(data);
  if (dtype !== natural && !(dtype === 'bool' && natural === 'uint8')) {
    throw new TypeError(`fromTypedArray: a ${data.constructor.name} cannot be read as ${dtype}`);
  }
  checkShape(shape, 'fromTypedArray');
  return new Tensor(N.fromBuffer(data, shape, dtypeCode(dtype), options.copy ?? false));
}

export function empty(shape: Shape, o?: CreateOptions): Tensor {
  return new Tensor(O.empty(checkShape(shape, 'empty'), ...opts(o, 'float32')));
}
export function zeros(shape: Shape, o?: CreateOptions): Tensor {
  return new Tensor(O.zeros(checkShape(shape, 'zeros'), ...opts(o, 'float32')));
}
export function ones(shape: Shape, o?: CreateOptions): Tensor {
  return new Tensor(O.ones(checkShape(shape, 'ones'), ...opts(o, 'float32')));
}
export function full(shape: Shape, value: Scalar, o?: CreateOptions): Tensor {
  return new Tensor(O.full(checkShape(shape, 'full'), value, ...opts(o, 'float32')));
}
export function zerosLike(t: Tensor): Tensor {
  return new Tensor(O.zerosLike(t.handle));
}
export function onesLike(t: Tensor): Tensor {
  return new Tensor(O.onesLike(t.handle));
}
export function fullLike(t: Tensor, value: Scalar): Tensor {
  return new Tensor(O.fullLike(t.handle, value));
}

/** arange(end) or arange(start, end, step); int64 when all arguments are integers, like PyTorch. */
export function arange(startOrEnd: number, end?: number, step = 1, o?: CreateOptions): Tensor {
  const [start, stop] = end === undefined ? [0, startOrEnd] : [startOrEnd, end];
  const ints = [start, stop, step].every(Number.isInteger);
  return new Tensor(O.arange(start, stop, step, ...opts(o, ints ? 'int64' : 'float32')));
}
export function linspace(start: number, end: number, steps: number, o?: CreateOptions): Tensor {
  return new Tensor(O.linspace(start, end, steps, ...opts(o, 'float32')));
}
export function eye(n: number, o?: CreateOptions): Tensor {
  return new Tensor(O.eye(n, ...opts(o, 'float32')));
}

/** U[0, 1) draws. */
export function rand(shape: Shape, o?: CreateOptions): Tensor {
  return new Tensor(O.rand(checkShape(shape, 'rand'), ...opts(o, 'float32')));
}
/** N(0, 1) draws. */
export function randn(shape: Shape, o?: CreateOptions): Tensor {
  return new Tensor(O.randn(checkShape(shape, 'randn'), ...opts(o, 'float32')));
}
/** U[low, high) draws. */
export function uniform(shape: Shape, low = 0, high = 1, o?: CreateOptions): Tensor {
  return empty(shape, o).uniform_(low, high);
}
/** N(mean, std) draws. */
export function normal(shape: Shape, mean = 0, std = 1, o?: CreateOptions): Tensor {
  return empty(shape, o).normal_(mean, std);
}
/** Integers drawn uniformly from [low, high). */
export function randint(low: number, high: number, shape: Shape, o?: CreateOptions): Tensor {
  return new Tensor(O.randint(low, high, checkShape(shape, 'randint'), ...opts(o, 'int64')));
}
/** A random permutation of 0..n-1. */
export function randperm(n: number, o?: CreateOptions): Tensor {
  return new Tensor(O.randperm(n, ...opts(o, 'int64')));
}

/** Seeds libtorch's global generator (rand, randn, uniform_, normal_, randperm, initializers). */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`manualSeed: seed must be a non-negative integer, got ${seed}`);
  N.manualSeed(seed);
}

/** A copy of libtorch's global CPU generator state (a uint8 tensor), for checkpoints. */
export function getRngState(): Tensor {
  return new Tensor(O.rngState());
}
/** Restores a state from getRngState(): later draws repeat exactly. */
export function setRngState(state: Tensor): void {
  O.setRngState(state.handle);
}
