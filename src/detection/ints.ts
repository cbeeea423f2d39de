// Index transfer between JavaScript and int64 tensors through Int32Array (no per-element BigInt conversion):
// the detection code hands small lists of anchor/box indices back and forth with libtorch.
import { type Tensor, fromTypedArray, tidy } from '../tensor/index.js';

/** An int64 tensor (shape [n], or `shape`) of integer values that fit in int32. */
export function indexTensor(values: ArrayLike<number>, shape?: number[]): Tensor {
  return tidy(() => fromTypedArray(Int32Array.from(values), shape ?? [values.length], { copy: true }).long());
}

/** The elements of an integer (or bool) tensor, in row-major order. Values must fit in int32. */
export function indexArray(t: Tensor): Int32Array {
  return tidy(() => t.to('int32').toTypedArray() as Int32Array);
}
