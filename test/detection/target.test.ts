// SSDTargetGenerator (src/detection/target.ts) against the reference over random and tie-constructed scenes,
// the seed tutorial's batch, padding edge cases and OHEM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, keep, tensor, zeros } from '../../src/tensor/index.js';
import { SSDTargetGenerator, ssdAnchors } from '../../src/detection/index.js';
import { getPreset } from '../../src/models/presets.js';
import { assertClose, loadFixture } from '../helpers.js';
import { assertNoLeak, synth, type FixtureImage } from './synth.js';

interface TargetBatch {
  model: 'vgg300_voc' | 'vgg512';
  gt_boxes: number[][][];
  gt_ids: number[][];
  images: FixtureImage[];
}
interface OhemBatch {
  pred_seed: number;
  num_classes: number;
  images: { pos: number[]; neg: number[]; cls: number[] }[];
}

const ANCHORS: Record<string, Tensor> = {
  vgg300_voc: keep(ssdAnchors(getPreset('ssd_300_vgg16_atrous_voc'))),
  vgg512: keep(ssdAnchors(getPreset('ssd_512_vgg16_atrous_voc'))),
};
const targets = loadFixture<Record<string, TargetBatch>>('detection_targets.json');
const naive = new SSDTargetGenerator({ negativeMiningRatio: -1 });

function indicesWhere(values: number[], N: number, b: number, pred: (v: number) => boolean): number[] {
  const out: number[] = [];
  for (let a = 0; a < N; a++) if (pred(values[b * N + a]!)) out.push(a);
  return out;
}

test("the seed tutorial's batch: 13 and 23 positives, 36 for the batch", () => {
  const b = targets['seed']!;
  const t = naive.generate(ANCHORS['vgg300_voc']!, null, tensor(b.gt_boxes, { dtype: 'float32' }), tensor(b.gt_ids, { dtype: 'float32' }));
  assert.deepEqual(t.clsTargets.gt(0).sum(1).toArray(), [13, 23]);
  assert.equal(t.clsTargets.gt(0).sum().item(), 36);
  // OHEM (the tutorial's default generator) selects the same positives.
  const ohem = new SSDTargetGenerator().generate(ANCHORS['vgg300_voc']!, synth([2, 8732, 21], 1, -5, 5), tensor(b.gt_boxes, { dtype: 'float32' }), tensor(b.gt_ids, { dtype: 'float32' }));
  assert.deepEqual(ohem.clsTargets.gt(0).sum(1).toArray(), [13, 23]);
});

test('targets match the reference: positives, matched boxes, class and box targets, zeros elsewhere', () => {
  for (const [name, b] of Object.entries(targets)) {
    const anchors = ANCHORS[b.model]!;
    const N = anchors.shape[0]!;
    const gt = tensor(b.gt_boxes, { dtype: 'float32' });
    const ids = tensor(b.gt_ids, { dtype: 'float32' }).unsqueeze(2);
    const t = assertNoLeak(() => naive.generate(anchors, null, gt, ids), `generate ${name}`);
    const cls = t.clsTargets.toArray();
    const match = t.matches.toArray();
    const box = t.boxTargets.toArray();
    const mask = t.boxMasks.toArray();
    assert.equal(t.clsTargets.dtype, 'int64');
    assert.ok(t.boxTargets.isfinite().all().item(), `${name}: finite box targets`);
    b.images.forEach((im, i) => {
      const pos = indicesWhere(cls, N, i, (v) => v > 0);
      assert.deepEqual(pos, im.pos, `${name}[${i}] positive anchors`);
      assert.deepEqual(im.pos.map((a) => match[i * N + a]), im.gt, `${name}[${i}] matched ground truth`);
      assert.deepEqual(im.pos.map((a) => cls[i * N + a]), im.cls, `${name}[${i}] class targets`);
      assertClose(im.pos.flatMap((a) => box.slice((i * N + a) * 4, (i * N + a + 1) * 4)), im.box, 2e-5, 2e-4, `${name}[${i}] box targets`);
      assert.equal(indicesWhere(cls, N, i, (v) => v !== 0 && v <= 0).length, 0, `${name}[${i}] the rest is background`);
      const maskSum = mask.slice(i * N * 4, (i + 1) * N * 4).reduce((s, v) => s + v, 0);
      assert.equal(maskSum, im.pos.length * 4, `${name}[${i}] box masks`);
    });
    // Box targets are zero off the positives.
    assert.equal(t.boxTargets.abs().sum(2).gt(0).logicalAnd(t.clsTargets.le(0)).sum().item(), 0, `${name}: zero targets off positives`);
  }
});

test('chunking the batch does not change the targets', () => {
  const b = targets['random']!;
  const gt = tensor(b.gt_boxes, { dtype: 'float32' });
  const ids = tensor(b.gt_ids, { dtype: 'float32' });
  const whole = new SSDTargetGenerator({ negativeMiningRatio: -1, chunkImages: 4 }).generate(ANCHORS['vgg300_voc']!, null, gt, ids);
  const one = new SSDTargetGenerator({ negativeMiningRatio: -1, chunkImages: 1 }).generate(ANCHORS['vgg300_voc']!, null, gt, ids);
  assert.deepEqual(one.clsTargets.toArray(), whole.clsTargets.toArray());
  assert.deepEqual(one.boxTargets.toArray(), whole.boxTargets.toArray());
});

test('an image whose ground truth is all padding: every anchor background, all targets finite (both samplers)', () => {
  const anchors = ANCHORS['vgg300_voc']!;
  const gt = tensor([[[-1, -1, -1, -1], [-1, -1, -1, -1]], [[10, 20, 80, 90], [-1, -1, -1, -1]]], { dtype: 'float32' });
  const ids = tensor([[-1, -1], [4, -1]]);
  for (const gen of [naive, new SSDTargetGenerator()]) {
    const t = gen.generate(anchors, zeros([2, 8732, 21]), gt, ids);
    assert.equal(t.clsTargets.select(0, 0).ne(0).sum().item(), 0, 'image 0 all background');
    assert.equal(t.boxMasks.select(0, 0).sum().item(), 0);
    assert.ok(t.boxTargets.isfinite().all().item());
    assert.equal(t.matches.select(0, 0).ge(0).sum().item(), 0);
    assert.equal(t.clsTargets.select(0, 1).eq(5).sum().item(), 13, 'image 1 unaffected');
  }
  // A padding row in front of real ones (ids -1 but a real-looking box) is ignored too.
  const front = naive.generate(anchors, null, tensor([[[10, 20, 80, 90], [10, 20, 80, 90]]], { dtype: 'float32' }), tensor([[-1, 2]]));
  assert.deepEqual(front.clsTargets.gt(0).sum().item(), 13);
  assert.equal(front.matches.eq(0).sum().item(), 0, 'nothing matched to the padding row');
  // No ground-truth columns at all.
  const none = naive.generate(anchors, null, zeros([2, 0, 4]), zeros([2, 0]));
  assert.equal(none.clsTargets.abs().sum().item(), 0);
});

test('OHEM targets match the reference: positives, hard negatives (3 per positive), the rest ignored', () => {
  const fx = loadFixture<Record<string, OhemBatch>>('detection_ohem.json');
  const gen = new SSDTargetGenerator();
  const anchors = ANCHORS['vgg300_voc']!;
  for (const name of ['seed', 'random2', 'ties']) {
    const o = fx[name]!;
    const b = targets[name]!;
    const B = b.images.length;
    const preds = synth([B, 8732, o.num_classes], o.pred_seed, -5, 5);
    const gt = tensor(b.gt_boxes, { dtype: 'float32' });
    const ids = tensor(b.gt_ids, { dtype: 'float32' });
    const t = assertNoLeak(() => gen.generate(anchors, preds, gt, ids), 'ohem');
    const cls = t.clsTargets.toArray();
    o.images.forEach((im, i) => {
      assert.deepEqual(indicesWhere(cls, 8732, i, (v) => v > 0), im.pos, `${name}[${i}] positives`);
      assert.deepEqual(indicesWhere(cls, 8732, i, (v) => v === 0), im.neg, `${name}[${i}] negatives`);
      assert.equal(im.neg.length, Math.min(3 * im.pos.length, 8732 - im.pos.length));
      assert.equal(indicesWhere(cls, 8732, i, (v) => v === -1).length, 8732 - im.pos.length - im.neg.length, `${name}[${i}] ignored`);
    });
  }
  // Equal background losses everywhere: negatives are the lowest eligible anchor indices (stable order).
  const z = (fx as unknown as Record<string, { batch: string; image: number; neg: number[] }>)['zero_logits']!;
  const b = targets[z.batch]!;
  const t = gen.generate(anchors, zeros([b.images.length, 8732, 21]), tensor(b.gt_boxes, { dtype: 'float32' }), tensor(b.gt_ids, { dtype: 'float32' }));
  assert.deepEqual(indicesWhere(t.clsTargets.toArray(), 8732, z.image, (v) => v === 0), z.neg);
});

test('input validation names the problem', () => {
  const anchors = ANCHORS['vgg300_voc']!;
  assert.throws(() => new SSDTargetGenerator().generate(anchors, null, zeros([1, 2, 4]), null), /needs clsPreds/);
  assert.throws(() => naive.generate(anchors, null, zeros([1, 2, 5]), null), /gtBoxes must be \(B, M, 4\)/);
  assert.throws(() => naive.generate(anchors, null, zeros([1, 2, 4]), zeros([1, 3])), /gtIds must be/);
});
