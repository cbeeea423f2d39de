// The DataLoader (src/data/loader.ts, spec §7.3): batching and last-batch modes, per-epoch shuffling, -1
// padding, identical results with 0, 1 or 2 worker threads, bad samples skipped and counted, worker crashes
// survived, the pluggable per-sample transform (target generation), clear failures for broken transforms.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, unlinkSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSyntheticVOC, SYNTH_CLASSES } from '../../src/data/synth.js';
import { VOCDetection } from '../../src/data/voc.js';
import { DataLoader, type Batch } from '../../src/data/loader.js';
import { ssdTrainTransformSpec, ssdValTransformSpec } from '../../src/data/transforms/ssdPresets.js';
import type { TransformSpec } from '../../src/data/workerTransform.js';
import type { DetectionDataset } from '../../src/data/types.js';
import { tempDir } from './util.js';

const PLUGINS = new URL('./plugins.js', import.meta.url).href;
const INFO: TransformSpec = { module: PLUGINS, export: 'createInfoTransform' };
const tmp = tempDir('loader');
let ds: VOCDetection;
const quiet = { onWarning: (): void => undefined };

before(async () => {
  await makeSyntheticVOC({ out: tmp.dir, images: 11, seed: 5, size: 96 });
  ds = await VOCDetection.load(tmp.dir, ['2007/trainval', '2007/test'], { classes: SYNTH_CLASSES });
});
after(() => tmp.cleanup());

async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

test('keep / discard / rollover last batches; every sample once per epoch', async () => {
  const n = ds.length;
  assert.equal(n, 11);
  const keep = new DataLoader(ds, { batchSize: 4, transform: INFO });
  assert.equal(keep.length, 3);
  const kb = await collect(keep);
  assert.deepEqual(kb.map((b) => b.indices.length), [4, 4, 3]);
  assert.deepEqual(kb.flatMap((b) => b.indices), Array.from({ length: n }, (_, i) => i), 'no shuffle: dataset order');
  assert.deepEqual(kb[0]!.fields[0]!.shape, [4, 4]);
  assert.deepEqual(keep.lastEpochStats, { epoch: 0, samples: 11, batches: 3, skipped: [], rolledOver: 0, complete: true });

  const discard = new DataLoader(ds, { batchSize: 4, transform: INFO, lastBatch: 'discard' });
  assert.deepEqual((await collect(discard)).map((b) => b.indices.length), [4, 4]);

  const roll = new DataLoader(ds, { batchSize: 4, transform: INFO, lastBatch: 'rollover', shuffle: true, seed: 3 });
  const e0 = await collect(roll);
  assert.deepEqual(e0.map((b) => b.indices.length), [4, 4]);
  const left = roll.epochOrder(0).slice(8);
  assert.equal(roll.lastEpochStats!.rolledOver, 3);
  assert.equal(roll.length, 3, '(11 + 3) / 4 batches next');
  const e1 = await collect(roll);
  assert.deepEqual(e1.map((b) => b.indices.length), [4, 4, 4]);
  assert.deepEqual(e1[0]!.indices.slice(0, 3), left, 'rolled-over samples come first');
  assert.deepEqual(e1.flatMap((b) => b.indices).slice(3, 12), roll.epochOrder(1).slice(0, 9));
  assert.equal(roll.lastEpochStats!.rolledOver, 2);
});

test('shuffle is a seeded permutation per epoch, reproducible; sample draws depend on (seed, epoch, position)', async () => {
  const a = new DataLoader(ds, { batchSize: 5, transform: INFO, shuffle: true, seed: 9 });
  const b = new DataLoader(ds, { batchSize: 5, transform: INFO, shuffle: true, seed: 9 });
  const a0 = (await collect(a)).flatMap((x) => x.indices);
  const a1 = (await collect(a)).flatMap((x) => x.indices);
  assert.deepEqual([...a0].sort((x, y) => x - y), Array.from({ length: 11 }, (_, i) => i));
  assert.notDeepEqual(a0, a1);
  const b1 = await collect(b.epoch(1));
  assert.deepEqual(b1.flatMap((x) => x.indices), a1, 'epoch(1) alone gives epoch 1');
  const again = await collect(b.epoch(1));
  assert.deepEqual(again.map((x) => Array.from(x.fields[0]!.data)), b1.map((x) => Array.from(x.fields[0]!.data)), 'same draws');
  const c = new DataLoader(ds, { batchSize: 5, transform: INFO, shuffle: true, seed: 10 });
  assert.notDeepEqual((await collect(c)).flatMap((x) => x.indices), a0);
});

test('val batches: stacked CHW images, labels scaled and padded with -1, ids and sizes', async () => {
  const loader = new DataLoader(ds, { batchSize: 4, transform: ssdValTransformSpec({ width: 48, height: 40 }) });
  const [first] = await collect(loader.epoch(0));
  const [img, lab] = first!.fields;
  assert.deepEqual(img!.shape, [4, 3, 40, 48]);
  const counts = first!.indices.map((i) => ds.record(i).label.length);
  assert.deepEqual(lab!.shape, [4, Math.max(...counts), 6]);
  first!.indices.forEach((idx, k) => {
    const rec = ds.record(idx);
    assert.equal(first!.ids[k], rec.id);
    assert.deepEqual(first!.sizes[k], [rec.width, rec.height]);
    const M = lab!.shape[1]!;
    for (let m = 0; m < M; m++) {
      const row = Array.from(lab!.data.subarray((k * M + m) * 6, (k * M + m + 1) * 6));
      if (m < rec.label.length) {
        const r = rec.label[m]!;
        const sx = 48 / rec.width!;
        const sy = 40 / rec.height!;
        const exp = [r[0]! * sx, r[1]! * sy, r[2]! * sx, r[3]! * sy, r[4]!, r[5]!];
        row.forEach((v, j) => assert.ok(Math.abs(v - exp[j]!) < 1e-4, `row ${m} of ${rec.id}`));
      } else {
        assert.deepEqual(row, [-1, -1, -1, -1, -1, -1]);
      }
    }
  });
});

test('0, 1 and 2 workers deliver identical train batches in the same order', async () => {
  const spec = ssdTrainTransformSpec({ width: 64, height: 64 });
  const runs: Batch[][] = [];
  for (const numWorkers of [0, 1, 2]) {
    const l = new DataLoader(ds, { batchSize: 4, transform: spec, shuffle: true, seed: 1, numWorkers, lastBatch: 'keep' });
    try {
      runs.push(await collect(l.epoch(2)));
    } finally {
      await l.close();
    }
  }
  const [r0, r1, r2] = runs;
  assert.equal(r0!.length, 3);
  for (const r of [r1!, r2!]) {
    assert.deepEqual(r.map((b) => b.indices), r0!.map((b) => b.indices));
    r.forEach((b, i) => {
      assert.deepEqual(b.fields.map((f) => f.shape), r0![i]!.fields.map((f) => f.shape));
      b.fields.forEach((f, j) => assert.ok(Buffer.from(f.data.buffer).equals(Buffer.from(r0![i]!.fields[j]!.data.buffer)), `batch ${i} field ${j} differs`));
    });
  }
});

test('target generation plugs into the worker transform: [image, cls targets, box targets]', async () => {
  const spec = ssdTrainTransformSpec({ width: 64, height: 64, targets: { module: PLUGINS, export: 'createFakeTargets', options: { anchors: 8 } } });
  const l = new DataLoader(ds, { batchSize: 4, transform: spec, numWorkers: 1, seed: 2 });
  try {
    const bs = await collect(l);
    assert.equal(bs.length, 3);
    const [img, cls, box] = bs[0]!.fields;
    assert.deepEqual([img!.shape, cls!.shape, box!.shape], [[4, 3, 64, 64], [4, 8], [4, 8, 4]]);
    const c = Array.from(cls!.data);
    assert.ok(c.some((v) => v > 0) && c.every((v) => Number.isInteger(v) && v >= 0 && v <= SYNTH_CLASSES.length));
    const bx = Array.from(box!.data);
    assert.ok(bx.every((v) => v >= 0 && v <= 1), 'augmented boxes lie in the 64×64 image');
  } finally {
    await l.close();
  }
});

/** A dataset view over records of another, with some image paths replaced. */
function withPaths(base: DetectionDataset, paths: Map<number, string>): DetectionDataset {
  return {
    classes: base.classes,
    length: base.length,
    record: (i) => (paths.has(i) ? { ...base.record(i), imagePath: paths.get(i)! } : base.record(i)),
  };
}

test('bad samples (truncated, corrupt, missing image) are skipped, named and counted; batches stay full', async () => {
  const truncated = join(tmp.dir, 'truncated.jpg');
  const bytes = readFileSync(ds.record(2).imagePath);
  writeFileSync(truncated, bytes.subarray(0, bytes.length >> 1));
  const corrupt = join(tmp.dir, 'corrupt.jpg');
  writeFileSync(corrupt, 'not a jpeg');
  const gone = join(tmp.dir, 'gone.jpg');
  copyFileSync(ds.record(7).imagePath, gone);
  unlinkSync(gone);
  const bad = withPaths(ds, new Map([[2, truncated], [5, corrupt], [7, gone]]));
  for (const numWorkers of [0, 2]) {
    const warnings: string[] = [];
    const l = new DataLoader(bad, { batchSize: 3, transform: ssdTrainTransformSpec({ width: 32, height: 32 }), numWorkers, onWarning: (m) => warnings.push(m) });
    try {
      const bs = await collect(l);
      assert.deepEqual(bs.map((b) => b.indices.length), [3, 3, 2], `${numWorkers} workers`);
      assert.deepEqual(bs.flatMap((b) => b.indices), [0, 1, 3, 4, 6, 8, 9, 10]);
      const st = l.lastEpochStats!;
      assert.equal(st.complete, true);
      assert.deepEqual(st.skipped.map((s) => [s.index, s.id, s.imagePath]), [
        [2, ds.record(2).id, truncated],
        [5, ds.record(5).id, corrupt],
        [7, ds.record(7).id, gone],
      ]);
      for (const s of st.skipped) assert.ok(s.error.includes(`record '${s.id}'`) && s.error.includes(s.imagePath), s.error);
      assert.ok(warnings.some((w) => w.includes('skipping sample 2') && w.includes(truncated)));
      assert.ok(warnings.some((w) => /skipped 3 of 11 samples/.test(w)));
    } finally {
      await l.close();
    }
  }
});

test('an image whose size disagrees with its annotation is skipped with both sizes named', async () => {
  const view: DetectionDataset = { classes: ds.classes, length: 2, record: (i) => (i === 0 ? { ...ds.record(0), width: 999 } : ds.record(1)) };
  const l = new DataLoader(view, { batchSize: 2, transform: INFO, ...quiet });
  const bs = await collect(l);
  assert.deepEqual(bs.map((b) => b.indices), [[1]]);
  assert.match(l.lastEpochStats!.skipped[0]!.error, /image is \d+x\d+ but .*\.xml says 999x\d+/);
});

test('a worker that dies mid-epoch is replaced; only its sample is lost', async () => {
  const crashId = ds.record(4).id;
  const l = new DataLoader(ds, { batchSize: 5, transform: { module: PLUGINS, export: 'createCrashingTransform', options: { crashId } }, numWorkers: 1, prefetch: 1, ...quiet });
  try {
    const bs = await collect(l);
    assert.deepEqual(bs.flatMap((b) => b.indices), [0, 1, 2, 3, 5, 6, 7, 8, 9, 10]);
    assert.equal(l.lastEpochStats!.skipped.length, 1);
    assert.match(l.lastEpochStats!.skipped[0]!.error, /worker crashed/);
    // The pool still works for the next epoch.
    assert.equal((await collect(l)).flatMap((b) => b.indices).length, 10);
  } finally {
    await l.close();
  }
});

test('a transform that cannot be loaded fails the epoch with a clear error (workers and in-process)', async () => {
  for (const numWorkers of [0, 1]) {
    const broken = new DataLoader(ds, { batchSize: 2, transform: { module: PLUGINS, export: 'createBrokenTransform' }, numWorkers });
    await assert.rejects(collect(broken), /this transform cannot be built/);
    await broken.close();
    const missing = new DataLoader(ds, { batchSize: 2, transform: { module: PLUGINS, export: 'nope' }, numWorkers });
    await assert.rejects(collect(missing), /has no function export 'nope'/);
    await missing.close();
  }
});

test('stopping early leaves the loader usable; a closed loader refuses to run', async () => {
  const l = new DataLoader(ds, { batchSize: 2, transform: INFO, numWorkers: 1 });
  for await (const b of l) {
    assert.equal(b.index, 0);
    break;
  }
  assert.equal(l.lastEpochStats!.complete, false);
  assert.equal((await collect(l)).length, 6);
  await l.close();
  await assert.rejects(collect(l), /closed/);
});
