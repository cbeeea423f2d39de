// Tensor element types: PyTorch's names, libtorch's ScalarType codes, and the TypedArray for each.
// float16 and bfloat16 (torch.half, torch.bfloat16) have no JS array type in Node 20: their TypedArray is a
// Uint16Array of the raw bits (IEEE binary16; bfloat16 = the top half of a float32), and toArray() converts.
export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'uint8' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'uint8', 'bool'];

/** c10::ScalarType codes. */
const CODE: Record<DType, number> = { uint8: 0, int32: 3, int64: 4, float16: 5, float32: 6, float64: 7, bool: 11, bfloat16: 15 };
const NAME: Record<number, string> = {
  0: 'uint8', 1: 'int8', 2: 'int16', 3: 'int32', 4: 'int64', 5: 'float16', 6: 'float32', 7: 'float64', 11: 'bool',
  15: 'bfloat16',
};

export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int64'
      ? BigInt64Array
      : D extends 'int32'
        ? Int32Array
        : D extends 'float16' | 'bfloat16'
          ? Uint16Array
          : Uint8Array;

export type AnyTypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint16Array | Uint8Array;

/** The 16-bit floating dtypes, whose TypedArray holds raw bits. */
export function isHalf(d: DType): d is 'float16' | 'bfloat16' {
  return d === 'float16' || d === 'bfloat16';
}

export function dtypeCode(d: DType): number {
  const c = CODE[d];
  if (c === undefined) throw new TypeError(`unknown dtype '${String(d)}'; expected one of ${DTYPES.join(', ')}`);
  return c;
}

export function dtypeName(code: number): DType {
  const n = NAME[code];
  if (n === undefined) throw new TypeError(`unsupported libtorch ScalarType code ${code}`);
  return n as DType;
}

export function isFloating(d: DType): boolean {
  return d === 'float32' || d === 'float64' || isHalf(d);
}

/** The dtype that a TypedArray's elements have (Uint8Array maps to uint8; pass dtype 'bool' to override). */
export function dtypeOfArray(a: ArrayBufferView): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Uint16Array) throw new TypeError("a Uint16Array holds float16 or bfloat16 bits: pass dtype 'float16' or 'bfloat16'");
  throw new TypeError(`unsupported TypedArray ${a.constructor.name}; use Float32Array, Float64Array, BigInt64Array, Int32Array, Uint8Array (or Uint16Array with dtype float16/bfloat16)`);
}

export function typedArrayOf(d: DType, buf: ArrayBuffer): AnyTypedArray {
  switch (d) {
    case 'float32': return new Float32Array(buf);
    case 'float64': return new Float64Array(buf);
    case 'int64': return new BigInt64Array(buf);
    case 'int32': return new Int32Array(buf);
    case 'float16':
    case 'bfloat16': return new Uint16Array(buf);
    case 'uint8':
    case 'bool': return new Uint8Array(buf);
  }
}
