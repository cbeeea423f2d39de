// perClassNms (src/detection/nmsArrays.ts, the page's NMS) against ssdDetect (tensors, box_nms): on random
// predictions, with nmsTopk and postNms binding and not, the same detections in the same order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, randn, tidy, uniform, cat } from '../../src/tensor/index.js';
import { NormalizedBoxCenterDecoder, ssdDetect } from '../../src/detection/index.js';
import { perClassNms } from '../../src/detection/nmsArrays.js';

const N = 300;
const C = 4;

for (const o of [{ nmsTopk: 400, postNms: 100 }, { nmsTopk: 50, postNms: 20 }, { nmsTopk: -1, postNms: -1 }]) {
  test(`perClassNms equals ssdDetect (nmsTopk ${o.nmsTopk}, postNms ${o.postNms})`, () => {
    manualSeed(3);
    tidy(() => {
      const cls = randn([1, N, C + 1]).mul(2);
      const box = randn([1, N, 4]).mul(0.5);
      // Clustered anchors (center x, y in 0..40, sizes 10..30) so that many boxes overlap.
      const anchors = cat([uniform([N, 2], 0, 40), uniform([N, 2], 10, 30)], 1).unsqueeze(0);
      const ref = ssdDetect(cls, box, anchors, { nmsThresh: 0.45, ...o });
      const ids = ref.ids.reshape(-1).toArray();
      const scores = ref.scores.reshape(-1).toArray();
      const boxes = ref.bboxes.reshape(-1).toArray();
      const want = ids.flatMap((id, i) => (id < 0 ? [] : [{ classId: id, score: scores[i]!, box: boxes.slice(4 * i, 4 * i + 4) }]));
      const bboxes = new NormalizedBoxCenterDecoder().decode(box, anchors).reshape(-1).toTypedArray() as Float32Array;
      const probs = cls.softmax(-1).narrow(2, 1, C).contiguous().reshape(-1).toTypedArray() as Float32Array;
      const got = perClassNms(bboxes, probs, N, C, { nmsThresh: 0.45, ...o });
      assert.ok(want.length > 10, `${want.length} detections`);
      assert.equal(got.length, want.length);
      got.forEach((d, i) => {
        assert.equal(d.classId, want[i]!.classId, `detection ${i} class`);
        assert.equal(d.score, want[i]!.score, `detection ${i} score`);
        assert.deepEqual(d.box, want[i]!.box, `detection ${i} box`);
      });
    });
  });
}

test('perClassNms refuses arrays of the wrong length', () => {
  assert.throws(() => perClassNms(new Float32Array(8), new Float32Array(3), 2, 2), /expected 8 box values and 4 scores, got 8 and 3/);
});
