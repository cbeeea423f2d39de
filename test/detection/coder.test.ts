// Encoders and decoders (src/detection/coder.ts) against the reference and hand-computed cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/tensor/index.js';
import {
  MultiClassDecoder,
  MultiClassEncoder,
  MultiPerClassDecoder,
  NormalizedBoxCenterDecoder,
  NormalizedBoxCenterEncoder,
  centerToCorner,
  ssdAnchors,
} from '../../src/detection/index.js';
import { getPreset } from '../../src/models/presets.js';
import { assertClose, loadFixture } from '../helpers.js';
import { assertNoLeak, synth } from './synth.js';

const fx = loadFixture('detection_decode.json');

test('NormalizedBoxCenterDecoder matches the reference over SSD300 anchors, with and without clip', () => {
  const anchors = ssdAnchors(getPreset('ssd_300_vgg16_atrous_voc'));
  const preds = synth([1, 8732, 4], fx.box.pred_seed, -3, 3);
  const idx = tensor(fx.box.index as number[]);
  const plain = assertNoLeak(() => new NormalizedBoxCenterDecoder().decode(preds, anchors), 'decode');
  assertClose(plain.select(0, 0).indexSelect(0, idx), fx.box.plain, 1e-5, 1e-3, 'decoded');
  const clipped = new NormalizedBoxCenterDecoder({ clip: 0.3 }).decode(preds, anchors.unsqueeze(0));
  assertClose(clipped.select(0, 0).indexSelect(0, idx), fx.box.clip03, 1e-5, 1e-3, 'decoded clip');
});

test('encoder and decoder invert each other (stds and means), targets only for positives', () => {
  const anchorsCenter = tensor([[[50, 50, 20, 40], [100, 80, 60, 30], [10, 10, 8, 8]]], { dtype: 'float32' });
  const gt = tensor([[[40, 30, 70, 90], [90, 60, 130, 110]]], { dtype: 'float32' });
  const matches = tensor([[0, 1, -1]]);
  const samples = tensor([[1, 1, -1]]);
  const o = { stds: [0.1, 0.1, 0.2, 0.2] as [number, number, number, number], means: [0.1, -0.2, 0.05, 0] as [number, number, number, number] };
  const anchorsCorner = centerToCorner(anchorsCenter);
  const [t, m] = assertNoLeak(() => new NormalizedBoxCenterEncoder(o).encode(samples, matches, anchorsCorner, gt), 'encode');
  assert.deepEqual(m.tolist(), [[[1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 0, 0]]]);
  // gt 0 center (55, 60, 30, 60) against anchor (50, 50, 20, 40)
  assertClose(t.select(1, 0), [((5 / 20 - 0.1) / 0.1), ((10 / 40 + 0.2) / 0.1), (Math.log(30 / 20) - 0.05) / 0.2, Math.log(60 / 40) / 0.2], 1e-5, 1e-6, 'code');
  assert.deepEqual(t.select(1, 2).toArray(), [0, 0, 0, 0]);
  const back = new NormalizedBoxCenterDecoder(o).decode(t, anchorsCenter);
  assertClose(back.narrow(1, 0, 2), gt.tolist(), 1e-5, 1e-4, 'round trip');
});

test('MultiClassEncoder: id + 1 for positives, 0 for negatives, -1 ignored', () => {
  const out = new MultiClassEncoder().encode(tensor([[1, -1, 0, 1]]), tensor([[1, -1, -1, 0]]), tensor([[[4], [7]]]));
  assert.deepEqual(out.tolist(), [[8, 0, -1, 5]]);
});

test("class decoders match the reference; in the seed's dog/cat example only method 2 keeps cat", () => {
  const probs = tensor(fx.classes.probs, { dtype: 'float32' });
  const [ids1, sc1] = assertNoLeak(() => new MultiClassDecoder().decode(probs), 'argmax decoder');
  assert.deepEqual(ids1.tolist(), fx.classes.argmax.ids);
  assertClose(sc1, fx.classes.argmax.scores, 0, 0, 'argmax scores');
  const [ids3] = new MultiClassDecoder({ thresh: 0.45 }).decode(probs);
  assert.deepEqual(ids3.tolist(), fx.classes.argmax_045.ids);
  const [ids2, sc2] = new MultiPerClassDecoder().decode(probs);
  assert.deepEqual(ids2.tolist(), fx.classes.per_class.ids);
  assertClose(sc2, fx.classes.per_class.scores, 0, 0, 'per-class scores');
  // [-1, -2, 3, 4, 6.5, 6.4]: method 1 keeps only 'dog' (id 3); method 2 keeps dog and cat (ids 3 and 4).
  assert.equal((ids1.tolist() as number[][])[0]![0], 3);
  assert.deepEqual((ids2.tolist() as number[][][])[0]![0]!.slice(3), [3, 4]);
});
