// Batching sample fields (spec §7.3: Tuple(Stack(), Pad(pad_val=-1)) — gluoncv/data/batchify.py). `stack`
// requires equal shapes; `pad` pads axis 0 (objects) of each field to the batch maximum with the pad value
// (all columns); `auto` stacks when shapes agree and pads with -1 otherwise.
import type { Field, Label } from './types.js';

export type BatchifySpec = 'stack' | 'auto' | { pad: number };

/** Whether two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Stacks equal-shaped fields into one with a leading batch axis. */
export function stackFields(fields: readonly Field[], what = 'field'): Field {
  if (fields.length === 0) throw new RangeError(`stack: no ${what}s`);
  const shape = fields[0]!.shape;
  for (const f of fields) {
    if (!sameShape(f.shape, shape)) throw new RangeError(`stack: ${what} shapes differ: [${shape}] vs [${f.shape}]`);
  }
  const n = fields[0]!.data.length;
  const out = new Float32Array(n * fields.length);
  fields.forEach((f, i) => out.set(f.data, i * n));
  return { data: out, shape: [fields.length, ...shape] };
}

/** Pads axis 0 of each field to the largest in the batch with `value`, then stacks. */
export function padFields(fields: readonly Field[], value = -1, what = 'field'): Field {
  if (fields.length === 0) throw new RangeError(`pad: no ${what}s`);
  const rest = fields[0]!.shape.slice(1);
  for (const f of fields) {
    if (f.shape.length === 0 || !sameShape(f.shape.slice(1), rest)) {
      throw new RangeError(`pad: ${what} shapes differ beyond axis 0: [${fields[0]!.shape}] vs [${f.shape}]`);
    }
  }
  const rows = Math.max(...fields.map((f) => f.shape[0]!));
  const rowSize = rest.reduce((a, b) => a * b, 1);
  const per = rows * rowSize;
  const out = new Float32Array(per * fields.length).fill(value);
  fields.forEach((f, i) => out.set(f.data, i * per));
  return { data: out, shape: [fields.length, rows, ...rest] };
}

/** Batches samples (each a list of fields) field by field. */
export function batchifyFields(samples: readonly (readonly Field[])[], specs: readonly BatchifySpec[] = []): Field[] {
  if (samples.length === 0) return [];
  const nf = samples[0]!.length;
  for (const s of samples) if (s.length !== nf) throw new RangeError(`batchify: samples have ${nf} and ${s.length} fields`);
  const out: Field[] = [];
  for (let k = 0; k < nf; k++) {
    const fields = samples.map((s) => s[k]!);
    const spec = specs[k] ?? 'auto';
    const what = `field ${k}`;
    if (spec === 'stack') out.push(stackFields(fields, what));
    else if (spec === 'auto') out.push(fields.every((f) => sameShape(f.shape, fields[0]!.shape)) ? stackFields(fields, what) : padFields(fields, -1, what));
    else out.push(padFields(fields, spec.pad, what));
  }
  return out;
}

/** A label as an (M, cols) field; rows shorter than `cols` are padded with 0, longer ones cut. */
export function labelToField(label: Label, cols = 6): Field {
  const data = new Float32Array(label.length * cols);
  label.forEach((r, i) => {
    for (let j = 0; j < cols; j++) data[i * cols + j] = r[j] ?? 0;
  });
  return { data, shape: [label.length, cols] };
}

/** The rows of an (M, cols) field (padding rows, all -1, dropped). */
export function fieldToLabel(f: Field): Label {
  const [m, cols] = f.shape as [number, number];
  const out: Label = [];
  for (let i = 0; i < m; i++) {
    const row = Array.from(f.data.subarray(i * cols, (i + 1) * cols));
    if (row.every((v) => v === -1)) continue;
    out.push(row);
  }
  return out;
}
