// The demo's light training transform (resize + random horizontal flip + targets) resizes first and mirrors
// while normalizing; it must give the image, boxes and targets of the plain order: mirror the source image and
// its boxes, then GluonCV's validation resize and normalization (ssdValTransform), then targets; and the same
// again from what it keeps per record (fromRecord, no decoding) in later epochs. What it keeps goes out without a
// copy; in a loader worker it must be copied, not moved to the main thread (the next epoch would find it gone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLightTrainTransform, createSSDTargets, lightTrainTransformSpec, ssdTargetsRef } from '../../src/train/targetWorker.js';
import { makeSyntheticVOC, SYNTH_CLASSES } from '../../src/data/synth.js';
import { VOCDetection } from '../../src/data/voc.js';
import { DataLoader } from '../../src/data/loader.js';
import { batchToTensors } from '../../src/data/batchTensors.js';
import { fromTypedArray, tidy } from '../../src/tensor/index.js';
import { tempDir } from '../data/util.js';
import { flipHorizontal } from '../../src/data/transforms/image.js';
import { bboxFlip } from '../../src/data/transforms/bbox.js';
import { ssdValTransform } from '../../src/data/transforms/ssdPresets.js';
import { Random } from '../../src/data/random.js';
import type { Sample } from '../../src/data/sample.js';
import type { Field } from '../../src/data/types.js';

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('light transform: resize-then-mirror equals mirror-then-resize, image, labels and targets', () => {
  const [w, h, out] = [57, 43, 24];
  const image = new Uint8Array(w * h * 3).map((_, i) => (i * 37 + ((i / 3) | 0) * 11) % 256);
  const sample = { image: { data: image, width: w, height: h }, label: [[3, 5, 30, 40, 1], [20, 2, 56, 20, 0]], record: { imagePath: 'synthetic' } } as unknown as Sample;
  // Anchors (center x, y, w, h in input pixels) that each box matches well, one on the mirrored side.
  const anchors = new Float32Array([6, 10, 10, 16, 18, 5, 12, 8, 6, 5, 12, 8, 12, 12, 24, 24]);
  const targetsRef = { module: '', export: 'createSSDTargets', options: { anchors } };
  const light = createLightTrainTransform({ width: out, height: out, targets: targetsRef });
  const untouched = new Random(5);
  assert.equal(light.fromRecord!(sample.record, untouched), undefined, 'nothing kept before the first sample');
  assert.equal(untouched.uniform(0, 1), new Random(5).uniform(0, 1), 'a miss leaves the generator as it was');
  const plain = createSSDTargets({ anchors });
  const flips = new Set<boolean>();
  for (let seed = 0; seed < 8; seed++) {
    const flip = new Random(seed).uniform(0, 1) > 0.5;
    flips.add(flip);
    // Seeds 0-3 decode (the first sample keeps the record), 4-7 come from what was kept, without pixels.
    const fields = seed < 4 ? (light(sample, new Random(seed)) as Field[]) : light.fromRecord!(sample.record, new Random(seed))!.fields;
    const src = flip ? { ...sample, image: flipHorizontal(sample.image), label: bboxFlip(sample.label, [w, h], true) } : sample;
    const ref = ssdValTransform(src.image, src.label, { width: out, height: out });
    assert.ok(maxAbsDiff(fields[0]!.data as Float32Array, ref.image) < 1e-5, `image, seed ${seed} (flip ${flip})`);
    const refTargets = plain(ref.label, out, out);
    assert.deepEqual(Array.from(fields[1]!.data), Array.from(refTargets[0]!.data), `class targets, seed ${seed}`);
    assert.ok(maxAbsDiff(fields[2]!.data as Float32Array, refTargets[1]!.data as Float32Array) < 1e-4, `box targets, seed ${seed}`);
    assert.ok(Array.from(fields[1]!.data).some((c) => c > 0), 'some anchor is matched');
  }
  assert.deepEqual([...flips].sort(), [false, true], 'the seeds cover both branches');
  assert.equal(new Set([0, 1, 2, 3].map((i) => new Random(i).uniform(0, 1) > 0.5)).size, 2, 'decoded samples cover both');
  assert.equal(new Set([4, 5, 6, 7].map((i) => new Random(i).uniform(0, 1) > 0.5)).size, 2, 'kept samples cover both');
  const kept = light.fromRecord!(sample.record, new Random(0))!;
  assert.deepEqual([kept.width, kept.height], [w, h], 'the decoded size is reported');
  const none = createLightTrainTransform({ width: out, height: out, targets: targetsRef, cacheMiB: 0 });
  none(sample, new Random(0));
  assert.equal(none.fromRecord!(sample.record, new Random(0)), undefined, 'cacheMiB 0 keeps nothing');
  plain.dispose();
});

/** Bitwise equality, with a short message on failure (deepEqual's diff of long arrays takes minutes). */
function sameBytes(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

test('light transform in a loader: 0 and 1 workers give the same batches epoch after epoch from what is kept', { timeout: 120_000 }, async () => {
  const tmp = tempDir('light-loader');
  try {
    await makeSyntheticVOC({ out: tmp.dir, images: 6, seed: 3, size: 80 });
    const ds = await VOCDetection.load(tmp.dir, ['2007/trainval', '2007/test'], { classes: SYNTH_CLASSES });
    // A 4x4 grid of 16-pixel anchors and a 2x2 grid of 32-pixel ones on the 64x64 input (center x, y, w, h).
    const grid = (n: number, side: number): number[] => Array.from({ length: n * n }, (_, i) => [((i % n) + 0.5) * (64 / n), (Math.floor(i / n) + 0.5) * (64 / n), side, side]).flat();
    const anchors = fromTypedArray(new Float32Array([...grid(4, 16), ...grid(2, 32)]), [20, 4]);
    const spec = lightTrainTransformSpec({ width: 64, height: 64, targets: ssdTargetsRef(anchors) });
    anchors.dispose();
    const epochs: Float32Array[][][] = [];
    for (const numWorkers of [0, 1]) {
      const l = new DataLoader(ds, { batchSize: 3, transform: spec, shuffle: true, seed: 7, numWorkers, lastBatch: 'discard' });
      try {
        for (let e = 0; e < 3; e++) {
          for await (const b of l.epoch(e)) {
            const fields = b.fields.map((f) => f.data.slice());
            const viaTensors = tidy(() => batchToTensors(b).map((t) => t.toTypedArray() as Float32Array));
            fields.forEach((f, k) => assert.ok(sameBytes(viaTensors[k]!, f), `epoch ${e} batch ${b.index} field ${k}: batchToTensors differs from fields`));
            (epochs[numWorkers] ??= []).push(fields);
            b.fields[0]!.data.fill(0); // a consumer that writes into its batch must not reach what the transform keeps
          }
        }
      } finally {
        await l.close();
      }
    }
    const [inProcess, worker] = epochs as [Float32Array[][], Float32Array[][]];
    assert.equal(inProcess.length, 3 * Math.floor(ds.length / 3));
    assert.equal(worker.length, inProcess.length);
    inProcess.forEach((fields, i) => {
      assert.ok(fields[0]!.some((v) => v !== 0), `batch ${i}: an image of zeros (the kept image was handed out)`);
      fields.forEach((f, k) => assert.ok(sameBytes(worker[i]![k]!, f), `batch ${i} field ${k}: worker and in-process differ`));
    });
  } finally {
    tmp.cleanup();
  }
});
