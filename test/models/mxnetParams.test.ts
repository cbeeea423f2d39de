// The MXNet `.params` reader and writer (src/models/mxnetParams.ts) against files written by an independent Python
// implementation of NDArray::Save (scripts/fixtures/make_mxnet_params_fixture.py), and on corrupt input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispose, memory } from '../../src/tensor/index.js';
import {
  decodeMxnetParams,
  encodeMxnetParams,
  loadMxnetParams,
  mxnetParamsToTensors,
  saveMxnetParams,
  MxnetParamsError,
} from '../../src/models/index.js';
import { fixturePath, loadFixture } from '../helpers.js';

interface FormatsFixture {
  order: string[];
  arrays: Record<string, { fileType: string; version: string; shape: number[]; values: number[] }>;
}

const DTYPE_OF: Record<string, string> = {
  float32: 'float32', float64: 'float64', float16: 'float32', uint8: 'uint8', int32: 'int32', int8: 'int32', int64: 'int64', bool: 'bool',
};

test('reads every dtype (float16 and int8 widened) and layout version (v1, v2, v3, legacy) with names in file order', () => {
  const fx = loadFixture<FormatsFixture>('mxnet_formats.json');
  const content = decodeMxnetParams(readFileSync(fixturePath('mxnet_formats.params')), 'mxnet_formats.params');
  assert.deepEqual(content.names, fx.order);
  content.names.forEach((name, i) => {
    const a = content.arrays[i]!;
    const e = fx.arrays[name]!;
    assert.equal(a.fileType, e.fileType, `${name} file type`);
    assert.equal(a.version, e.version, `${name} version`);
    assert.equal(a.dtype, DTYPE_OF[e.fileType], `${name} dtype`);
    assert.deepEqual(a.shape, e.shape, `${name} shape`);
    const got = a.data instanceof BigInt64Array ? Array.from(a.data, Number) : Array.from(a.data as ArrayLike<number>);
    assert.deepEqual(got, e.values, `${name} values`);
  });
  // -0 survives float16 decoding; the largest half and the smallest subnormal are exact.
  assert.ok(Object.is((content.arrays[2]!.data as Float32Array)[5], -0));
  const before = memory().liveTensors;
  const tensors = loadMxnetParams(fixturePath('mxnet_formats.params'));
  assert.equal(tensors.get('i64_3')!.dtype, 'int64');
  assert.deepEqual(tensors.get('gpu_ctx_f32_1x2x1x2')!.shape, [1, 2, 1, 2]);
  assert.deepEqual(tensors.get('legacy_f32_2x2')!.toArray(), [5, 6, 7, 8]);
  dispose(tensors);
  assert.equal(memory().liveTensors, before);
});

test('the writer reproduces a Python-written file byte for byte and round-trips every supported dtype', () => {
  const original = readFileSync(fixturePath('mxnet_ssd300_structural.params'));
  const tensors = mxnetParamsToTensors(decodeMxnetParams(original));
  const again = Buffer.concat(encodeMxnetParams(tensors));
  assert.ok(again.equals(original), 'byte-identical re-encoding');
  dispose(tensors);

  const all = loadMxnetParams(fixturePath('mxnet_formats.params'));
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-mx-'));
  try {
    const path = join(dir, 'round.params');
    saveMxnetParams(path, all);
    const back = loadMxnetParams(path);
    assert.deepEqual([...back.keys()], [...all.keys()]);
    for (const [k, t] of all) {
      const u = back.get(k)!;
      assert.equal(u.dtype, t.dtype, k);
      assert.deepEqual(u.shape, t.shape, k);
      assert.deepEqual(u.toArray(), t.toArray(), k);
    }
    dispose(back);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    dispose(all);
  }
});

/** The fixture with bytes patched at `offset`. */
function patched(offset: number, bytes: number[] | ((v: DataView) => void)): Uint8Array {
  const b = new Uint8Array(readFileSync(fixturePath('mxnet_formats.params')));
  if (typeof bytes === 'function') bytes(new DataView(b.buffer, offset));
  else b.set(bytes, offset);
  return b;
}

test('corrupt or unsupported input raises MxnetParamsError naming the problem and the byte offset', () => {
  const good = new Uint8Array(readFileSync(fixturePath('mxnet_formats.params')));
  const bad = (buf: Uint8Array, re: RegExp): void => {
    assert.throws(() => decodeMxnetParams(buf, 'x.params'), (e: unknown) => e instanceof MxnetParamsError && re.test(e.message) && /x\.params/.test(e.message), String(re));
  };
  // Truncation anywhere.
  for (const n of [0, 7, 15, 23, 30, 60, good.length - 1]) bad(good.subarray(0, n), /truncated|at byte/);
  bad(patched(0, [0x13]), /header 0x113 is not the NDArray list magic/);
  // Array count far beyond the file.
  bad(patched(16, (v) => v.setBigUint64(0, 1n << 40n, true)), /array count \d+ cannot fit/);
  // First array: magic at 24, stype at 28, ndim at 32.
  bad(patched(24, [0xde, 0xad, 0xbe, 0xef]), /neither an NDArray magic number/);
  bad(patched(28, [1, 0, 0, 0]), /storage type 1 \(row_sparse\)/);
  bad(patched(32, (v) => v.setInt32(0, 1000, true)), /ndim 1000 is out of range/);
  bad(patched(36, (v) => v.setBigInt64(0, -5n, true)), /dimension -5 is invalid/);
  bad(patched(36, (v) => v.setBigInt64(0, 1n << 40n, true)), /truncated while reading array 0 data/);
  // Type flag of the first array (after ndim 2, two dims, device type and id).
  bad(patched(32 + 4 + 16 + 8, [99, 0, 0, 0]), /unsupported type flag 99/);
  // Trailing garbage, and a name count that does not match.
  bad(new Uint8Array([...good, 1, 2, 3]), /unexpected bytes after the names/);
  // The name count precedes the 13 (u64 length, bytes) names at the end of the file.
  const fx = loadFixture<FormatsFixture>('mxnet_formats.json');
  const nameCountAt = good.length - fx.order.reduce((n, s) => n + 8 + Buffer.byteLength(s), 0) - 8;
  bad(patched(nameCountAt, (v) => v.setBigUint64(0, 2n, true)), /2 names for 13 arrays/);
  bad(patched(good.length - 8 - Buffer.byteLength('unicode_名前'), (v) => v.setBigUint64(0, 1n << 20n, true)), /length of name 12 \d+ cannot fit/);
  assert.throws(() => loadMxnetParams('/nonexistent/file.params'), /no such file/);
});
