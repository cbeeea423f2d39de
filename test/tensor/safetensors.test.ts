// safetensors: round trip of every dtype, reading a file written by Python, and clear errors on bad files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  tensor, randn, zeros, tidy, memory, saveSafetensors, loadSafetensors, decodeSafetensors, encodeSafetensors, type Tensor,
} from '../../src/tensor/index.js';
import { fixturePath, loadFixture, assertClose } from '../helpers.js';

function withTmp(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-st-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('round trip keeps names, dtypes, shapes, values and metadata', () => {
  withTmp((dir) => {
    tidy(() => {
      const src: Record<string, Tensor> = {
        w: randn([3, 2, 3, 3]),
        d: tensor([[1.5, -2.25]], { dtype: 'float64' }),
        i64: tensor([9007199254740991, -3]),
        i32: tensor([1, 2, 3], { dtype: 'int32' }),
        u8: tensor([0, 200, 255], { dtype: 'uint8' }),
        b: tensor([true, false, true]),
        empty: zeros([0, 4]),
      };
      const path = join(dir, 'x.safetensors');
      saveSafetensors(path, src, { epoch: '3' });
      const { tensors, metadata } = loadSafetensors(path);
      assert.deepEqual(metadata, { epoch: '3' });
      assert.deepEqual([...tensors.keys()].sort(), Object.keys(src).sort());
      for (const [name, t] of Object.entries(src)) {
        const back = tensors.get(name)!;
        assert.equal(back.dtype, t.dtype, name);
        assert.deepEqual(back.shape, t.shape, name);
        assert.deepEqual(back.toArray(), t.toArray(), name);
      }
      // No temporary file is left beside the target.
      assert.deepEqual(readdirSync(dir), ['x.safetensors']);
    });
  });
});

test('the header is 8-byte aligned JSON with sorted names, as the Python library writes it', () => {
  tidy(() => {
    const bytes = Buffer.concat(encodeSafetensors({ b: zeros([2]), a: zeros([1], { dtype: 'uint8' }) }));
    const n = Number(bytes.readBigUInt64LE(0));
    assert.equal(n % 8, 0);
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString());
    assert.deepEqual(Object.keys(header), ['a', 'b']);
    assert.deepEqual(header.a, { dtype: 'U8', shape: [1], data_offsets: [0, 1] });
    assert.deepEqual(header.b, { dtype: 'F32', shape: [2], data_offsets: [1, 9] });
    assert.equal(bytes.length, 8 + n + 9);
  });
});

test('reads a file written by Python (fixture from scripts/fixtures/make_safetensors_fixture.py)', () => {
  const expected = loadFixture('python_written.safetensors.json');
  const before = memory().liveTensors;
  const { tensors, metadata } = loadSafetensors(fixturePath('python_written.safetensors'));
  assert.deepEqual(metadata, expected.metadata);
  assert.equal(tensors.size, Object.keys(expected.tensors).length);
  const dtypeOf: Record<string, string> = { F32: 'float32', F64: 'float64', I64: 'int64', I32: 'int32', U8: 'uint8', BOOL: 'bool' };
  for (const [name, e] of Object.entries<any>(expected.tensors)) {
    const t = tensors.get(name)!;
    assert.ok(t, `missing ${name}`);
    assert.equal(t.dtype, dtypeOf[e.dtype], name);
    assert.deepEqual(t.shape, e.shape, name);
    if (e.dtype === 'I64') assert.deepEqual(t.toTypedArray(), BigInt64Array.from(e.values.map(BigInt)), name);
    else assertClose(t, e.values, 0, 0, name);
  }
  for (const t of tensors.values()) t.dispose();
  assert.equal(memory().liveTensors, before);
});

test('corrupt files give errors that name the file and the problem, and leak nothing', () => {
  const good = readFileSync(fixturePath('python_written.safetensors'));
  const before = memory().liveTensors;
  assert.throws(() => decodeSafetensors(good.subarray(0, 5), 'short.st'), /short\.st: .*shorter than its 8-byte header/);
  assert.throws(() => decodeSafetensors(good.subarray(0, 100), 'cut.st'), /cut\.st: .*header length \d+ exceeds the file/);
  const truncatedData = good.subarray(0, good.length - 16);
  assert.throws(() => decodeSafetensors(truncatedData, 'trunc.st'), /trunc\.st: .*data_offsets .* do not fit/);
  const badJson = Buffer.from(good);
  badJson[10] = 0x7b; // '{' inside the header breaks the JSON
  badJson[9] = 0x7b;
  assert.throws(() => decodeSafetensors(badJson, 'json.st'), /json\.st: .*not JSON/);
  assert.equal(memory().liveTensors, before);
  withTmp((dir) => {
    const p = join(dir, 'f16.safetensors');
    const h = Buffer.from(JSON.stringify({ x: { dtype: 'I16', shape: [1], data_offsets: [0, 2] } }).padEnd(48, ' '));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(h.length));
    writeFileSync(p, Buffer.concat([len, h, Buffer.alloc(2)]));
    assert.throws(() => loadSafetensors(p), new RegExp(`${p.replace(/[.]/g, '\\.')}: .*unsupported dtype "I16"`));
  });
});
