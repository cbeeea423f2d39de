// float16 and bfloat16 tensors: raw bits against hand-derived IEEE binary16 / bfloat16 encodings, conversions,
// arithmetic, and safetensors' F16/BF16 entries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, tensor, fromTypedArray, zeros, tidy, decodeSafetensors, encodeSafetensors, isFloating } from '../../src/tensor/index.js';

const bits = (t: Tensor) => Array.from(t.toTypedArray() as Uint16Array);

test('float16: values round to binary16 and read back as numbers (overflow to inf, underflow to 0)', () => tidy(() => {
  const t = tensor([1, -2, 0.5, 65504, 70000, 1e-8, 1 / 3], { dtype: 'float16' });
  assert.equal(t.dtype, 'float16');
  // 1 = 0x3C00, -2 = 0xC000, 0.5 = 0x3800, max 65504 = 0x7BFF, 70000 -> +inf 0x7C00, 1e-8 < half the smallest
  // subnormal (2^-24) -> 0, 1/3 -> 0x3555 (0.333251953125)
  assert.deepEqual(bits(t), [0x3c00, 0xc000, 0x3800, 0x7bff, 0x7c00, 0x0000, 0x3555]);
  assert.deepEqual(t.toArray(), [1, -2, 0.5, 65504, Infinity, 0, 0.333251953125]);
  assert.ok(isFloating('float16'));
}));

test('bfloat16: the top 16 bits of a float32, rounded to nearest even', () => tidy(() => {
  const t = tensor([1, -2, 3.140625, 1 / 3, 1e30], { dtype: 'bfloat16' });
  assert.equal(t.dtype, 'bfloat16');
  // 1/3 = 0x3EAAAAAB in float32: the low half 0xAAAB > 0x8000 rounds up to 0x3EAB = 0.333984375;
  // 1e30 = 0x7149F2CA: low half 0xF2CA rounds up to 0x714A (float32 0x714A0000 = 1.0023513e30)
  assert.deepEqual(bits(t), [0x3f80, 0xc000, 0x4049, 0x3eab, 0x714a]);
  assert.deepEqual(t.toArray().slice(0, 4), [1, -2, 3.140625, 0.333984375]);
  assert.equal(t.toArray()[4], new Float32Array(new Uint32Array([0x714a0000]).buffer)[0]);
}));

test('fromTypedArray reads a Uint16Array as float16/bfloat16 bits; without a dtype it is refused', () => tidy(() => {
  assert.deepEqual(fromTypedArray(new Uint16Array([0x3c00, 0x7c00, 0xfc00]), [3], { dtype: 'float16' }).toArray(), [1, Infinity, -Infinity]);
  assert.deepEqual(fromTypedArray(new Uint16Array([0x4049]), [1], { dtype: 'bfloat16' }).toArray(), [3.140625]);
  assert.throws(() => fromTypedArray(new Uint16Array(2)), /pass dtype 'float16' or 'bfloat16'/);
  assert.throws(() => fromTypedArray(new Uint16Array(2), [2], { dtype: 'float32' }), /Uint16Array cannot be read as float32/);
}));

test('half(), bfloat16(), float() convert; arithmetic stays in the 16-bit dtype', () => tidy(() => {
  const x = tensor([1.5, 2.25, -3], { dtype: 'float32' });
  const h = x.half();
  assert.equal(h.dtype, 'float16');
  assert.equal(h.add(h).dtype, 'float16');
  assert.deepEqual(h.mul(2).float().toArray(), [3, 4.5, -6]);
  // 2049 is not representable in float16 (spacing 2 above 2048): round to nearest even gives 2048
  assert.deepEqual(tensor([2049], { dtype: 'float16' }).toArray(), [2048]);
  const b = x.bfloat16();
  assert.equal(b.dtype, 'bfloat16');
  assert.deepEqual(b.sum().float().toArray(), [0.75]);
  assert.equal(zeros([2], { dtype: 'bfloat16' }).dtype, 'bfloat16');
}));

test('safetensors: F16 and BF16 entries round-trip bit for bit', () => tidy(() => {
  const h = fromTypedArray(new Uint16Array([0x3c00, 0x3555, 0x7bff]), [3], { dtype: 'float16' });
  const b = fromTypedArray(new Uint16Array([0x3f80, 0x3eab]), [1, 2], { dtype: 'bfloat16' });
  const parts = encodeSafetensors({ h, b });
  const bytes = Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString()) as Record<string, { dtype: string }>;
  assert.equal(header.h!.dtype, 'F16');
  assert.equal(header.b!.dtype, 'BF16');
  const back = decodeSafetensors(new Uint8Array(bytes));
  assert.deepEqual(bits(back.tensors.get('h')!), [0x3c00, 0x3555, 0x7bff]);
  assert.equal(back.tensors.get('b')!.dtype, 'bfloat16');
  assert.deepEqual(back.tensors.get('b')!.shape, [1, 2]);
  assert.deepEqual(bits(back.tensors.get('b')!), [0x3f80, 0x3eab]);
}));
