// Normalizes the per-image inputs of the metrics (spec §7.7): boxes as flat Float64Array (4 per row), labels,
// scores and flags as Float64Array, with shape checks whose messages name the argument and the image.
import type { BoxesInput, ValuesInput } from './types.js';

function isRows(x: ArrayLike<unknown>): x is ReadonlyArray<ArrayLike<number>> {
  return x.length > 0 && typeof x[0] === 'object' && x[0] !== null;
}

/** Flattens flat or row-nested numbers into a Float64Array. */
export function flatValues(x: BoxesInput | ValuesInput, what: string): Float64Array {
  if (x == null || typeof (x as ArrayLike<number>).length !== 'number') {
    throw new TypeError(`${what}: expected an array, got ${x === null ? 'null' : typeof x}`);
  }
  if (!isRows(x)) return Float64Array.from(x as ArrayLike<number>, Number);
  let n = 0;
  for (let i = 0; i < x.length; i++) n += x[i]!.length;
  const out = new Float64Array(n);
  let o = 0;
  for (let i = 0; i < x.length; i++) {
    const row = x[i]!;
    for (let j = 0; j < row.length; j++) out[o++] = Number(row[j]);
  }
  return out;
}

/** Boxes of one image as flat (N*4) coordinates; throws unless the count is a multiple of 4. */
export function boxValues(x: BoxesInput, what: string): Float64Array {
  const v = flatValues(x, what);
  if (v.length % 4 !== 0) throw new RangeError(`${what}: ${v.length} numbers is not a whole number of 4-coordinate boxes`);
  return v;
}

/** Checks that every per-image argument of a batch has the same number of images. */
export function checkBatch(fn: string, args: Record<string, ArrayLike<unknown> | null | undefined>): number {
  let n = -1;
  let first = '';
  for (const [name, a] of Object.entries(args)) {
    if (a == null) continue;
    if (n < 0) {
      n = a.length;
      first = name;
    } else if (a.length !== n) {
      throw new RangeError(`${fn}: ${name} has ${a.length} images but ${first} has ${n}`);
    }
  }
  return Math.max(n, 0);
}

/** Throws unless `got` equals `want` (boxes vs labels vs scores of one image). */
export function checkCount(what: string, got: number, want: number, wantWhat: string): void {
  if (got !== want) throw new RangeError(`${what}: ${got} values for ${want} ${wantWhat}`);
}
