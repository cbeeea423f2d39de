// Handing batches to the tensor engine (spec §7.3: the loader's stacked arrays become the network's inputs).
// Kept apart from batchify.ts so loader workers never load the native addon.
import { fromTypedArray, type Tensor } from '../tensor/index.js';
import type { Field } from './types.js';

/** A float32 tensor over the field's memory (zero-copy; dispose it). */
export function fieldToTensor(f: Field): Tensor {
  return fromTypedArray(f.data, f.shape);
}

/** One tensor per batch field. */
export function fieldsToTensors(fields: readonly Field[]): Tensor[] {
  return fields.map(fieldToTensor);
}
