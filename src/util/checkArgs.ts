// Entry checks for public functions that take tensors: rank, the sizes that must agree across arguments, and
// dtype, from metadata only (shape and dtype, no data reads: cheap enough for every training step). Errors name
// the function, the argument and the expected shape, symbolic and with the sizes already fixed by earlier
// arguments; a wrong rank or size is a RangeError, a non-tensor or a wrong dtype a TypeError. Tensors are recognized
// without importing src/tensor at run time, so that libtorch-free code (the metrics) can use describeValue.
//
//   const c = new ArgCheck('SSDMultiBoxLoss.compute');
//   c.tensor('clsPreds', clsPreds, ['B', 'N', 'C+1'], 'float');
//   c.tensor('boxPreds', boxPreds, ['B', 'N', 4], 'float');
//   // SSDMultiBoxLoss.compute: boxPreds must be (B, N, 4); expected boxPreds (2, 8732, 4) to match
//   // clsPreds (2, 8732, 21), got (2, 8732, 5)
import type { DType, Tensor } from '../tensor/index.js';

/**
 * One dimension: a fixed size, a named size that every argument must agree on ('B', 'N', 'C+1'), or '...' (first
 * only: any number of leading dimensions).
 */
export type Dim = number | string;

/** Accepted dtypes: a family or an explicit list. */
export type DTypeKind = 'float' | 'integer' | 'numeric' | 'bool' | 'any' | readonly DType[];

export interface TensorSpecOptions {
  /** Lower bounds on named sizes, e.g. { 'C+1': 2 } (a background column and at least one class). */
  min?: Record<string, number>;
  /** Said after the expected shape, e.g. 'corner boxes, a last dimension of 4'. */
  hint?: string;
}

const KINDS: Record<Exclude<DTypeKind, readonly DType[]>, { dtypes: readonly DType[]; text: string }> = {
  float: { dtypes: ['float32', 'float64'], text: 'a float32 or float64 Tensor' },
  integer: { dtypes: ['int64', 'int32'], text: 'an integer (int64 or int32) Tensor' },
  numeric: { dtypes: ['float32', 'float64', 'int64', 'int32', 'uint8'], text: 'a numeric (float or integer, not bool) Tensor' },
  bool: { dtypes: ['bool'], text: 'a bool Tensor' },
  any: { dtypes: ['float32', 'float64', 'int64', 'int32', 'uint8', 'bool'], text: 'a Tensor' },
};

/** Whether v is an ssdkit Tensor (live or disposed); reads no tensor data. */
export function isTensor(v: unknown): v is Tensor {
  if (typeof v !== 'object' || v === null || !('handle' in v)) return false;
  const t = v as { isDisposed?: unknown; reshape?: unknown };
  return typeof t.isDisposed === 'boolean' && typeof t.reshape === 'function';
}

/** (2, 8732, 4); () for a scalar. */
export function formatShape(shape: readonly Dim[]): string {
  return `(${shape.join(', ')})`;
}

/** What a value is, for messages: 'undefined', 'null', 'a number (3)', 'an array of length 2', 'a Tensor (2, 4) float32'. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (isTensor(v)) return v.isDisposed ? 'a disposed Tensor (freed by dispose() or at the end of a tidy() scope)' : `a Tensor ${formatShape(v.shape)} ${v.dtype}`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'object') return `a ${v.constructor?.name ?? 'object'}`;
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v)})`;
  return `a ${typeof v} (${String(v)})`;
}

/**
 * The checks of one call: named sizes bind on first use (to the first argument that has them) and later
 * arguments must agree. Create one per call; check the arguments that fix the sizes first.
 */
export class ArgCheck {
  readonly fn: string;
  readonly #sizes = new Map<string, { size: number; by: string }>();
  readonly #shapes = new Map<string, number[]>();

  constructor(fn: string) {
    this.fn = fn;
  }

  /** The size bound to a name (undefined before an argument fixed it). */
  size(name: string): number | undefined {
    return this.#sizes.get(name)?.size;
  }

  /** Throws `${fn}: ${message}` (a RangeError unless told otherwise). */
  fail(message: string, type: ErrorConstructor = RangeError): never {
    throw new type(`${this.fn}: ${message}`);
  }

  /**
   * Checks that `value` is a live Tensor of one of the shapes (a list of dims, or a list of alternatives told apart
   * by rank) and of the dtype kind, binding its named sizes. Returns the tensor, typed.
   */
  tensor(name: string, value: unknown, shapes: readonly Dim[] | readonly (readonly Dim[])[], dtype: DTypeKind = 'any', o: TensorSpecOptions = {}): Tensor {
    const alts = (shapes.length > 0 && Array.isArray(shapes[0]) ? shapes : [shapes]) as readonly (readonly Dim[])[];
    if (!isTensor(value) || value.isDisposed) {
      this.fail(`${name} must be a Tensor of shape ${this.#symbolic(alts)}${this.#hint(o)}; got ${describeValue(value)}`, TypeError);
    }
    const shape = value.shape;
    const ranked = alts.filter((a) => (a[0] === '...' ? shape.length >= a.length - 1 : shape.length === a.length));
    const alt = ranked.find((a) => this.#fits(a, shape, o));
    if (alt === undefined) this.#shapeError(name, alts, ranked, shape, o);
    const kind = typeof dtype === 'string' ? KINDS[dtype] : { dtypes: dtype, text: `${/^[aeio]/.test(dtype[0] ?? '') ? 'an' : 'a'} ${dtype.join(' or ')} Tensor` };
    const dt = value.dtype;
    if (!kind.dtypes.includes(dt)) {
      this.fail(`${name} must be ${kind.text} of shape ${this.#symbolic(alts)}${this.#hint(o)}; got ${dt}`, TypeError);
    }
    this.#bind(name, alt, shape);
    return value;
  }

  /** Checks that `value` is a finite number (an integer >= min when asked). */
  number(name: string, value: unknown, o: { integer?: boolean; min?: number } = {}): number {
    const ok = typeof value === 'number' && Number.isFinite(value) && (!o.integer || Number.isInteger(value)) && (o.min === undefined || value >= o.min);
    if (!ok) {
      const what = `${o.integer ? 'an integer' : 'a finite number'}${o.min === undefined ? '' : ` >= ${o.min}`}`;
      this.fail(`${name} must be ${what}; got ${describeValue(value)}`, typeof value === 'number' ? RangeError : TypeError);
    }
    return value as number;
  }

  #hint(o: TensorSpecOptions): string {
    return o.hint ? ` (${o.hint})` : '';
  }

  #symbolic(alts: readonly (readonly Dim[])[]): string {
    return alts.map(formatShape).join(' or ');
  }

  #fits(alt: readonly Dim[], shape: readonly number[], o: TensorSpecOptions): boolean {
    const dims = this.#aligned(alt, shape);
    const local = new Map<string, number>();
    for (let i = 0; i < dims.length; i++) {
      const d = dims[i]!;
      const s = shape[i]!;
      if (d === '...') continue;
      if (typeof d === 'number') {
        if (s !== d) return false;
        continue;
      }
      const want = this.#sizes.get(d)?.size ?? local.get(d);
      if (want !== undefined && want !== s) return false;
      if (o.min?.[d] !== undefined && s < o.min[d]!) return false;
      local.set(d, s);
    }
    return true;
  }

  /** The spec expanded to one entry per dimension of shape ('...' repeated over the leading dimensions). */
  #aligned(alt: readonly Dim[], shape: readonly number[]): Dim[] {
    if (alt[0] !== '...') return [...alt];
    return [...new Array<Dim>(shape.length - (alt.length - 1)).fill('...'), ...alt.slice(1)];
  }

  #bind(name: string, alt: readonly Dim[], shape: number[]): void {
    const dims = this.#aligned(alt, shape);
    dims.forEach((d, i) => {
      if (typeof d === 'string' && d !== '...' && !this.#sizes.has(d)) this.#sizes.set(d, { size: shape[i]!, by: name });
    });
    this.#shapes.set(name, shape);
  }

  #shapeError(name: string, alts: readonly (readonly Dim[])[], ranked: readonly (readonly Dim[])[], shape: number[], o: TensorSpecOptions): never {
    const sym = this.#symbolic(alts);
    const shown = ranked.length > 0 ? ranked : alts;
    const by = new Set<string>();
    let bound = false;
    const concrete = shown
      .map((a) =>
        formatShape(
          a.map((d) => {
            const b = typeof d === 'string' ? this.#sizes.get(d) : undefined;
            if (!b) return d;
            bound = true;
            by.add(b.by);
            return b.size;
          }),
        ),
      )
      .join(' or ');
    const mins = Object.entries(o.min ?? {}).map(([d, m]) => `${d} >= ${m}`);
    const limits = mins.length > 0 ? ` with ${mins.join(', ')}` : '';
    const context = bound
      ? `; expected ${name} ${concrete}${limits} to match ${[...by].map((b) => `${b} ${formatShape(this.#shapes.get(b)!)}`).join(' and ')}, got`
      : `${limits}; got`;
    this.fail(`${name} must be ${sym}${this.#hint(o)}${context} ${formatShape(shape)}`);
  }
}
