// PyTorch checkpoints (src/models/pth.ts, pickle.ts, zipDirectory.ts): state dicts written by torch 1.13's
// torch.save (scripts/fixtures/make_pth_fixtures.py) read to the same tensors, and hostile files refused with a
// message naming the file and the problem: disallowed globals (os.system, builtins.eval), the legacy format,
// truncation, a zip bomb, lying sizes, missing and mis-shaped tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync, unzipSync } from 'fflate';
import { dispose } from '../../src/tensor/index.js';
import { Conv2D } from '../../src/nn/index.js';
import { decodePth, loadWeights, WeightsError } from '../../src/models/index.js';
import { assertClose, fixturePath, loadFixture } from '../helpers.js';

interface Expected {
  tensors: { name: string; shape: number[]; dtype: string; values: number[] }[];
  skipped: string[];
}
const DTYPE: Record<string, string> = { float32: 'float32', float64: 'float64', int64: 'int64', float16: 'float32', bool: 'bool' };
const pth = (name: string): Buffer => readFileSync(fixturePath(`pth/${name}`));

for (const file of ['state.pth', 'state_deflated.pth']) {
  test(`${file}: every tensor as torch.load gives it (views, offsets, dtypes, nesting)`, () => {
    const want = loadFixture<Expected>('pth/state.json');
    const { tensors, skipped } = decodePth(pth(file), file);
    try {
      assert.deepEqual([...tensors.keys()], want.tensors.map((t) => t.name));
      assert.deepEqual(skipped, want.skipped);
      for (const e of want.tensors) {
        const t = tensors.get(e.name)!;
        assert.deepEqual(t.shape, e.shape, e.name);
        assert.equal(t.dtype, DTYPE[e.dtype], e.name);
        if (e.dtype === 'int64') assert.deepEqual(t.toArray().map(Number), e.values, e.name);
        else assertClose(t, e.values, 0, 0, e.name);
      }
    } finally {
      dispose(tensors);
    }
  });
}

test('a pickle calling os.system or builtins.eval is refused, naming the file and the global', () => {
  assert.throws(() => decodePth(pth('evil_system.pth'), 'evil_system.pth'), /evil_system\.pth: .*global 'posix\.system'.*may not use/);
  assert.throws(() => decodePth(pth('evil_eval.pth'), 'evil_eval.pth'), /evil_eval\.pth: .*global '__builtin__\.eval'/);
});

test('the legacy (pre-1.6, non-zip) format: tensors read, truncation and bad magic refused', () => {
  const { tensors } = decodePth(pth('legacy.pth'), 'legacy.pth');
  assert.deepEqual([...tensors.keys()], ['w', 'v']);
  assert.deepEqual(tensors.get('w')!.toArray(), [1, 2]);
  assert.deepEqual(tensors.get('v')!.shape, [2, 2]);
  assert.deepEqual(tensors.get('v')!.toArray(), [0, 2, 1, 3]);
  dispose(tensors);
  const buf = pth('legacy.pth');
  assert.throws(() => decodePth(buf.subarray(0, buf.length - 3), 'cut.pth'), /cut\.pth: storage '.*' claims \d+ elements, past the end of the file/);
  const bad = Buffer.from(buf);
  bad[4] ^= 0xff;
  assert.throws(() => decodePth(bad, 'bad.pth'), /bad\.pth: not a torch\.save file \(bad magic number\)/);
});

test('a truncated file is refused, naming the file', () => {
  const buf = pth('state.pth');
  for (const n of [10, 100, buf.length - 200, buf.length - 1]) {
    assert.throws(() => decodePth(buf.subarray(0, n), 'cut.pth'), /cut\.pth: .*(truncated|too short|end-of-central|past)/, `cut at ${n}`);
  }
});

test('a deflate bomb and lying sizes are refused before decompression', () => {
  const bomb = zipSync({ 'bomb/data.pkl': Buffer.from('\x80\x02}q\x00.', 'latin1'), 'bomb/data/0': [new Uint8Array(8 << 20), { level: 1 }] });
  assert.ok(bomb.length < 20_000);
  assert.throws(() => decodePth(bomb, 'bomb.pth'), /bomb\.pth: 'bomb\/data\/0' would expand \d+ bytes to 8388608 .*zip bomb/);
  assert.throws(() => decodePth(bomb, 'bomb.pth', { maxBytes: 1 << 20, maxRatio: 1e9 }), /bomb\.pth: the entries expand to more than 1048576 bytes/);
  // A stored entry whose central header claims far more bytes than the file has.
  const buf = Buffer.from(pth('state.pth'));
  const cd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  buf.writeUInt32LE(0x7fffffff, cd + 20);
  buf.writeUInt32LE(0x7fffffff, cd + 24);
  assert.throws(() => decodePth(buf, 'liar.pth'), /liar\.pth: '.*' claims 2147483647 bytes .* file ends/);
});

test('a tensor claiming more elements than its storage is refused before allocation', () => {
  // _rebuild_tensor_v2(storage '0' of 2 floats, offset 0, size (1e9,), stride (0,), False, OrderedDict())
  const pkl = Buffer.from('\x80\x02ccollections\nOrderedDict\n)R(X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x02tQK\x00J\x00\xca\x9a;\x85K\x00\x85\x89ccollections\nOrderedDict\n)RtRu.', 'latin1');
  const forged = zipSync({ 'x/data.pkl': pkl, 'x/data/0': new Uint8Array(8) });
  assert.throws(() => decodePth(forged, 'forged.pth'), /forged\.pth: 'w' \[1000000000\] has more elements \(1000000000\) than its storage \(2\)/);
});

test('a non-tensor root and a missing storage are errors naming the file', () => {
  const list = zipSync({ 'x/data.pkl': Buffer.from('\x80\x02]q\x00.', 'latin1') });
  assert.throws(() => decodePth(list, 'list.pth'), /list\.pth: holds a list, not a state dict/);
  const buf = pth('state.pth');
  const noStorage = zipSync({ 'state/data.pkl': extract(buf, 'state/data.pkl') });
  assert.throws(() => decodePth(noStorage, 'nostorage.pth'), /nostorage\.pth: storages missing from the archive: state\/data\/0/);
});

test('loadWeights: a .pth state dict with mis-shaped and missing tensors names each', () => {
  const conv = new Conv2D({ channels: 3, inChannels: 2, kernelSize: 1 });
  conv.initialize();
  assert.throws(
    () => loadWeights(conv, fixturePath('pth/conv_bad.pth')),
    (e: unknown) => e instanceof WeightsError && /shape mismatch for weight .*file \[3, 2, 3, 3\], model \[3, 2, 1, 1\]/.test(e.message) && /missing from .*conv_bad\.pth \(1\): bias/.test(e.message),
  );
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-pth-'));
  writeFileSync(join(dir, 'evil.pth'), pth('evil_eval.pth'));
  assert.throws(() => loadWeights(conv, join(dir, 'evil.pth')), /evil\.pth: .*__builtin__\.eval/);
  conv.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function extract(buf: Uint8Array, name: string): Uint8Array {
  return unzipSync(buf, { filter: (f) => f.name === name })[name]!;
}

test('random byte damage (zip and legacy) gives a named PthError, ZipError or PickleError, never a crash', () => {
  let seed = 1;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (const file of ['state.pth', 'legacy.pth']) {
    const src = pth(file);
    for (let i = 0; i < 500; i++) {
      const b = Buffer.from(src);
      for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      try {
        dispose(decodePth(b, 'damaged.pth').tensors);
      } catch (e) {
        assert.ok(['PthError', 'ZipError', 'PickleError'].includes((e as Error).name), `${file} mutation ${i}: ${(e as Error).name}: ${(e as Error).message}`);
        assert.match((e as Error).message, /^damaged\.pth: /);
      }
    }
  }
});
