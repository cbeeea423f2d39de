// Normalizes the per-image inputs of the metrics (spec §7.7): boxes as flat Float64Array (4 per row), labels,
// scores and flags as Float64Array, with checks whose messages name the function, the image, the argument and
// the expected shape:
//
//   VOC07MApMetric.update: image 0 predLabels: 2 values for 1 predicted boxes; expected shape (1) or (1, 1) to
//   match predBboxes (1, 4)
import { describeValue, isTensor } from '../util/checkArgs.js';
import type { BoxesInput, ValuesInput } from './types.js';

/** What one image's entry of each argument looks like, for messages. */
export const BOXES_SHAPE = '(N, 4) rows of (xmin, ymin, xmax, ymax), or 4N flat numbers';
export const VALUES_SHAPE = '(N) or (N, 1) numbers';

function isRows(x: ArrayLike<unknown>): x is ReadonlyArray<ArrayLike<number>> {
  return x.length > 0 && typeof x[0] === 'object' && x[0] !== null;
}

function isArrayLike(x: unknown): x is ArrayLike<unknown> {
  return Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));
}

/** For a Tensor passed where arrays go: how to convert it. */
function tensorHint(x: unknown): string {
  return isTensor(x) ? ' (convert a Tensor with t.tolist())' : '';
}

function num(v: unknown, what: string, where: string): number {
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return Number(v);
  throw new TypeError(`${what}: ${where} is ${describeValue(v)}; expected numbers`);
}

/**
 * Flattens flat or row-nested numbers into a Float64Array; rows must have `rowLength` numbers when given.
 * `shape` describes what is expected, for messages.
 */
export function flatValues(x: BoxesInput | ValuesInput, what: string, rowLength?: number, shape = VALUES_SHAPE): Float64Array {
  if (!isArrayLike(x)) throw new TypeError(`${what}: must be an array of shape ${shape}; got ${describeValue(x)}${tensorHint(x)}`);
  if (!isRows(x)) {
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = num(x[i], what, `element ${i}`);
    return out;
  }
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const row: unknown = x[i];
    if (!isArrayLike(row)) throw new TypeError(`${what}: row ${i} is ${describeValue(row)}; expected shape ${shape}`);
    if (rowLength !== undefined && row.length !== rowLength) {
      throw new RangeError(`${what}: row ${i} has ${row.length} numbers; expected shape ${shape}`);
    }
    n += row.length;
  }
  const out = new Float64Array(n);
  let o = 0;
  for (let i = 0; i < x.length; i++) {
    const row = x[i]!;
    for (let j = 0; j < row.length; j++) out[o++] = num(row[j], what, `row ${i} element ${j}`);
  }
  return out;
}

/** Per-image values (labels, scores, flags): (N) or (N, 1). */
export function oneValues(x: ValuesInput, what: string): Float64Array {
  return flatValues(x, what, 1, VALUES_SHAPE);
}

/** Boxes of one image as flat (N*4) coordinates; throws unless rows have 4 numbers (or the count is a multiple of 4). */
export function boxValues(x: BoxesInput, what: string): Float64Array {
  const v = flatValues(x, what, 4, BOXES_SHAPE);
  if (v.length % 4 !== 0) {
    throw new RangeError(`${what}: ${v.length} numbers is not a whole number of 4-coordinate boxes; expected shape ${BOXES_SHAPE}`);
  }
  return v;
}

/**
 * Checks that every per-image argument of a batch is an array with the same number of images; `optional` names
 * may be null/undefined. Returns the number of images.
 */
export function checkBatch(fn: string, args: Record<string, unknown>, optional: readonly string[] = []): number {
  let n = -1;
  let first = '';
  for (const [name, a] of Object.entries(args)) {
    if (a == null && optional.includes(name)) continue;
    if (!isArrayLike(a)) {
      throw new TypeError(`${fn}: ${name} must be an array with one entry per image; got ${describeValue(a)}${tensorHint(a)}`);
    }
    if (n < 0) {
      n = a.length;
      first = name;
    } else if (a.length !== n) {
      throw new RangeError(`${fn}: ${name} has ${a.length} images but ${first} has ${n}; every argument needs one entry per image`);
    }
  }
  return Math.max(n, 0);
}

/**
 * Throws unless an image's `name` has one value per box: `${at} ${name}: 2 values for 1 predicted boxes; expected
 * shape (1) or (1, 1) to match predBboxes (1, 4)`.
 */
export function checkCount(at: string, name: string, got: number, boxesName: string, boxes: number, wantWhat: string): void {
  if (got !== boxes) {
    throw new RangeError(`${at} ${name}: ${got} values for ${boxes} ${wantWhat}; expected shape (${boxes}) or (${boxes}, 1) to match ${boxesName} (${boxes}, 4)`);
  }
}
