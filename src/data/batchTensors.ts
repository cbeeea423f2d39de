// Handing batches to the tensor engine (spec §7.3: the loader's stacked arrays become the network's inputs).
// Kept apart from batchify.ts so loader workers never load the native addon.
import { fromTypedArray, stack, type Tensor } from '../tensor/index.js';
import { padFields, sameShape } from './batchify.js';
import type { Batch } from './loader.js';
import type { Field } from './types.js';

/** A float32 tensor over the field's memory (zero-copy; dispose it). */
export function fieldToTensor(f: Field): Tensor {
  return fromTypedArray(f.data, f.shape);
}

/** One tensor per batch field. */
export function fieldsToTensors(fields: readonly Field[]): Tensor[] {
  return fields.map(fieldToTensor);
}

/**
 * One tensor per batch field (dispose them), made from the samples' arrays by the batch's batchify rules. Stacked
 * fields are copied once, by libtorch, into its own memory: no batched array is made in JavaScript, whose
 * ArrayBuffers (~4 MB per training batch) made V8 collect every few steps. Padded fields go through batchify.
 */
export function batchToTensors(batch: Pick<Batch, 'samples' | 'batchify'>): Tensor[] {
  const n = batch.samples[0]?.length ?? 0;
  return Array.from({ length: n }, (_, k) => {
    const fields = batch.samples.map((s) => s[k]!);
    const rule = batch.batchify[k] ?? 'auto';
    const same = fields.every((f) => sameShape(f.shape, fields[0]!.shape));
    if (rule === 'stack' && !same) throw new RangeError(`stack: field ${k} shapes differ: ${fields.map((f) => `[${f.shape}]`).join(' ')}`);
    if (!same || (rule !== 'stack' && rule !== 'auto')) return fieldToTensor(padFields(fields, rule === 'auto' ? -1 : (rule as { pad: number }).pad, `field ${k}`));
    const views = fields.map(fieldToTensor);
    try {
      return stack(views);
    } finally {
      views.forEach((v) => v.dispose());
    }
  });
}
