// RecordIO detection records (src/data/recordio.ts, recordFileDetection.ts, spec §8.3) against a .rec/.idx pair
// written by an independent Python writer of MXNet's format (scripts/fixtures/make_recordio_fixture.py):
// framing (multi-part records split at the magic, padding), IRHeader and packed labels, image bytes, the
// dataset (idx order, bad records skipped, bad objects dropped, normalized coordinates scaled at decode).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePath, loadFixture } from '../helpers.js';
import { bufferSource, fileSource, parseIdx, readRecordAt, scanRecords, unpackIR, RecordIOError } from '../../src/data/recordio.js';
import { RecordFileDetection } from '../../src/data/recordFileDetection.js';
import { readSample } from '../../src/data/sample.js';
import { tempDir } from './util.js';
import { openDatasets } from '../../src/train/datasets.js';

interface RecFixture {
  records: { key: string; offset: number; id: number; label: number[]; width: number; height: number; imageBytes: number; imageSha256: string; payloadBytes: number }[];
  parts: number;
  size: number;
}
const fx = loadFixture<RecFixture>('detection_rec.json');
const tmp = tempDir('recordio');
after(() => tmp.cleanup());

test('framing, IRHeader, label floats and image bytes match the Python writer (multi-part record included)', () => {
  const src = fileSource(fixturePath('detection.rec'));
  try {
    assert.equal(src.size, fx.size);
    assert.deepEqual(scanRecords(src), fx.records.map((r) => r.offset), 'record offsets by scanning');
    const idx = parseIdx(readFileSync(fixturePath('detection.idx'), 'utf8'), 'detection.idx', src.size);
    assert.deepEqual(idx, fx.records.map((r) => ({ key: r.key, offset: r.offset })));
    for (const r of fx.records) {
      const { payload } = readRecordAt(src, r.offset);
      assert.equal(payload.length, r.payloadBytes, `record ${r.key} payload`);
      const ir = unpackIR(payload, `record ${r.key}`);
      assert.equal(ir.id, BigInt(r.id));
      assert.deepEqual(Array.from(ir.label), r.label, `record ${r.key} label`);
      assert.equal(ir.image.length, r.imageBytes);
      assert.equal(createHash('sha256').update(ir.image).digest('hex'), r.imageSha256, `record ${r.key} image bytes`);
    }
  } finally {
    src.close();
  }
  assert.ok(fx.parts > fx.records.length, 'the fixture has a multi-part record');
});

test('RecordFileDetection: idx order, objects reordered, a scalar-label record skipped and an empty box dropped, each named', async () => {
  const warnings: string[] = [];
  const ds = await RecordFileDetection.load(fixturePath('detection.rec'), { onWarning: (m) => warnings.push(m) });
  assert.deepEqual(Array.from({ length: ds.length }, (_, i) => ds.record(i).id), ['0', '1', '3']);
  const f32 = (v: number): number => Math.fround(v);
  assert.deepEqual(ds.record(0).label, [[0.1, 0.2, 0.5, 0.6, 0, 0], [0.25, 0.3, 0.9, 0.95, 2, 0]].map((r) => r.map(f32)));
  const magicFloat = new DataView(Uint32Array.of(0xced7230a).buffer).getFloat32(0, true);
  assert.deepEqual(ds.record(1).label, [[0, 0, 1, 1, 1, magicFloat], [0.3, 0.1, 0.6, 0.4, 0, 1]].map((r) => r.map(f32)));
  assert.deepEqual(ds.record(2).label, [[0.1, 0.1, 0.2, 0.2, 2, 0]].map((r) => r.map(f32)));
  assert.deepEqual(ds.classes, ['class0', 'class1', 'class2']);
  assert.ok(warnings.some((w) => /detection\.rec: record 2 at byte 3480: label has 1 values, at least 7 needed, skipped/.test(w)), warnings.join('\n'));
  assert.ok(warnings.some((w) => /record 3 at byte 4372: object 1 .* dropped/.test(w)), warnings.join('\n'));
  const s = await readSample(ds.record(1));
  assert.deepEqual([s.image.width, s.image.height], [33, 21]);
  assert.deepEqual(s.label[1]!.slice(0, 4), [f32(0.3) * 33, f32(0.1) * 21, f32(0.6) * 33, f32(0.4) * 21]);
});

test('without an .idx the .rec is scanned in file order; a bad .idx or framing is an error naming file and place', async () => {
  const rec = join(tmp.dir, 'noidx.rec');
  copyFileSync(fixturePath('detection.rec'), rec);
  const ds = await RecordFileDetection.load(rec, { onWarning: () => undefined });
  assert.deepEqual(Array.from({ length: ds.length }, (_, i) => ds.record(i).recordOffset), [0, 1908, 4372]);
  writeFileSync(join(tmp.dir, 'noidx.idx'), '0\t0\n1\t999999\n');
  await assert.rejects(RecordFileDetection.load(rec), /noidx\.idx:2: expected 'key<TAB>offset'/);
  const bytes = readFileSync(rec);
  assert.throws(() => readRecordAt(bufferSource(bytes, 'x.rec'), 4), (e: Error) => e instanceof RecordIOError && /x\.rec: record at byte 4: bad magic/.test(e.message));
  const huge = Buffer.from(bytes.subarray(0, 16));
  huge.writeUInt32LE((0 << 29) | ((1 << 29) - 1), 4);
  assert.throws(() => readRecordAt(bufferSource(huge, 'h.rec'), 0), /h\.rec: record at byte 0: length 536870911 runs past the end of the file/);
});

test('--dataset rec / lst: openDatasets reads the named files, validation with the training classes', async () => {
  const rec = fixturePath('detection.rec');
  const d = await openDatasets({ kind: 'rec', root: tmp.dir, trainFile: rec, valFile: rec, classes: ['a', 'b', 'c'], log: () => undefined });
  assert.deepEqual([d.train.length, d.val.length, d.classes], [3, 3, ['a', 'b', 'c']]);
  assert.ok(d.val instanceof RecordFileDetection);
  writeFileSync(join(tmp.dir, 'train.lst'), ['0', '2', '5', '1', '0.1', '0.2', '0.5', '0.6', 'a.jpg'].join('\t') + '\n');
  writeFileSync(join(tmp.dir, 'val.lst'), ['0', '2', '5', '3', '0.1', '0.2', '0.5', '0.6', 'b.jpg'].join('\t') + '\n');
  const warnings: string[] = [];
  const l = await openDatasets({ kind: 'lst', root: tmp.dir, log: (m) => warnings.push(m) });
  assert.deepEqual(l.classes, ['class0', 'class1']);
  assert.equal(l.val.record(0).imagePath, join(tmp.dir, 'b.jpg'));
  assert.deepEqual(l.val.record(0).label, [], 'class 3 is not a training class');
  assert.ok(warnings.some((w) => w.includes('val.lst:1')), warnings.join('\n'));
  await assert.rejects(openDatasets({ kind: 'rec', root: join(tmp.dir, 'none'), log: () => undefined }), /RecordIO file .*none\/train\.rec: missing/);
});
