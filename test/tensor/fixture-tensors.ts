// Decoding of the tensor fixtures written by scripts/fixtures/make_tensor_fixtures.py, and a check of a result
// tensor against an expected spec (dtype, shape and values).
import assert from 'node:assert/strict';
import { fromTypedArray, tidy, Tensor, type DType } from '../../src/tensor/index.js';
import { assertClose } from '../helpers.js';

/** A tensor as the fixture script writes it; NaN and ±Infinity are the strings 'nan', 'inf', '-inf'. */
export interface TensorSpec {
  dtype: DType;
  shape: number[];
  data: (number | boolean | string)[];
}

/** One table-driven fixture case. */
export interface OpCase {
  name: string;
  op: string;
  args: unknown[];
  opts?: Record<string, unknown>;
  out: TensorSpec | TensorSpec[];
}

export function isSpec(v: unknown): v is TensorSpec {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'dtype' in v && 'shape' in v && 'data' in v;
}

/** The spec's values as numbers (booleans as 0/1). */
export function specValues(spec: TensorSpec): number[] {
  return spec.data.map((v) => {
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (v === 'nan') return NaN;
    if (v === 'inf') return Infinity;
    if (v === '-inf') return -Infinity;
    return v as number;
  });
}

/** A new tensor holding the spec's values. */
export function fromSpec(spec: TensorSpec): Tensor {
  const v = specValues(spec);
  switch (spec.dtype) {
    case 'float32': return fromTypedArray(Float32Array.from(v), spec.shape);
    case 'float64': return fromTypedArray(Float64Array.from(v), spec.shape);
    case 'int64': return fromTypedArray(BigInt64Array.from(v, (x) => BigInt(x)), spec.shape);
    case 'int32': return fromTypedArray(Int32Array.from(v), spec.shape);
    case 'uint8': return fromTypedArray(Uint8Array.from(v), spec.shape);
    case 'bool': return fromTypedArray(Uint8Array.from(v), spec.shape, { dtype: 'bool' });
    case 'float16':
    case 'bfloat16': return fromTypedArray(Float32Array.from(v), spec.shape).to(spec.dtype);
  }
}

/** Decodes args/opts recursively: specs become tensors, {scalar: 'nan'|'inf'|'-inf'} numbers, and arrays and plain
 * objects are walked. */
export function decode(v: unknown): any {
  if (isSpec(v)) return fromSpec(v);
  if (typeof v === 'object' && v !== null && 'scalar' in v) {
    return specValues({ dtype: 'float64', shape: [], data: [(v as { scalar: string }).scalar] })[0];
  }
  if (Array.isArray(v)) return v.map(decode);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
  }
  return v;
}

/** Asserts dtype and shape exactly, integer/bool values exactly, floating values within rtol/atol. */
export function expectTensor(actual: Tensor, spec: TensorSpec, what: string, rtol = 1e-5, atol = 1e-6): void {
  assert.ok(actual instanceof Tensor, `${what}: expected a Tensor, got ${String(actual)}`);
  assert.equal(actual.dtype, spec.dtype, `${what}: dtype`);
  assert.deepEqual(actual.shape, spec.shape, `${what}: shape`);
  const floating = spec.dtype === 'float32' || spec.dtype === 'float64';
  // float32 expectations are written as shortest decimals: round them back to the float32 they denote
  if (spec.dtype === 'float32') assertClose(actual, specValues(spec).map(Math.fround), rtol, atol, what);
  else if (floating) assertClose(actual, specValues(spec), rtol, atol, what);
  else assert.deepEqual(actual.toArray(), specValues(spec), `${what}: values`);
}

/** Checks an op's result (a tensor or a list of tensors) against the case's expected output(s). */
export function expectOut(actual: Tensor | Tensor[], out: TensorSpec | TensorSpec[], what: string, rtol?: number, atol?: number): void {
  if (Array.isArray(out)) {
    assert.ok(Array.isArray(actual), `${what}: expected ${out.length} tensors, got one`);
    assert.equal(actual.length, out.length, `${what}: number of outputs`);
    out.forEach((o, i) => expectTensor(actual[i]!, o, `${what} [output ${i}]`, rtol, atol));
  } else {
    assert.ok(!Array.isArray(actual), `${what}: expected one tensor, got a list`);
    expectTensor(actual, out, what, rtol, atol);
  }
}

/** Runs each fixture case as a subtest: OPS[case.op](...decoded args) must equal case.out (dtype, shape, values). */
export async function runOpCases(
  t: { test(name: string, fn: () => void): Promise<void> },
  cases: readonly OpCase[],
  ops: Record<string, (...a: any[]) => Tensor | Tensor[]>,
  rtol: number,
  atol: number,
): Promise<void> {
  for (const c of cases) {
    await t.test(c.name, () => {
      tidy(() => {
        const fn = ops[c.op];
        assert.ok(fn, `no mapping for op ${c.op}`);
        expectOut(fn(...decode(c.args)), c.out, c.name, rtol, atol);
      });
    });
  }
}
