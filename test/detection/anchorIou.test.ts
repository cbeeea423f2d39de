// AnchorIou (src/detection/anchorIou.ts): the grid path must reproduce boxIou bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, tensor, tidy } from '../../src/tensor/index.js';
import { AnchorIou, anchorLayout, boxIou, centerToCorner, setAnchorLayout, ssdAnchorLayout, ssdAnchors } from '../../src/detection/index.js';
import { fromTypedArray } from '../../src/tensor/index.js';
import { getPreset } from '../../src/models/presets.js';

/** Seeded boxes on a quarter-pixel grid: many tiny, some larger than the image, some partly outside. */
function scene(B: number, M: number, size: number, seed: number): Tensor {
  let s = seed;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const q = (v: number) => Math.round(v * 4) / 4;
  const boxes = Array.from({ length: B }, () =>
    Array.from({ length: M }, () => {
      const w = q(0.25 + rnd() ** 3 * size * 1.5);
      const h = q(0.25 + rnd() ** 3 * size * 1.5);
      const x = q(rnd() * size * 1.2 - size * 0.1);
      const y = q(rnd() * size * 1.2 - size * 0.1);
      return [x, y, x + w, y + h];
    }),
  );
  return tensor(boxes, { dtype: 'float32' });
}

test('grid-path IoU equals boxIou exactly (SSD300, SSD512, clipped anchors), with padding columns zeroed', () => {
  const presets = [getPreset('ssd_300_vgg16_atrous_voc'), getPreset('ssd_512_vgg16_atrous_voc'), { ...getPreset('ssd_300_vgg16_atrous_coco'), clip: true }];
  for (const [i, p] of presets.entries()) {
    const anchors = ssdAnchors(p);
    assert.ok(anchorLayout(anchors), 'ssdAnchors registers its layout');
    const gt = scene(3, 7, p.baseSize, 11 + i);
    const real = tensor([[true, true, false, true, true, true, true], [true, true, true, true, true, true, true], [false, false, false, false, false, false, false]]);
    const expected = boxIou(centerToCorner(anchors), gt).mul(real.unsqueeze(1).float());
    const got = tidy(() => new AnchorIou(anchors, 3, 7).compute(gt, real).contiguous());
    assert.deepEqual(got.shape, expected.shape);
    assert.equal(got.eq(expected).all().item(), true, `${p.name} grid IoU`);
    assert.ok(got.gt(0).sum().item() > 1000, 'non-trivial overlaps');
    // Fewer images than the buffers hold, and a plain tensor (no layout: the boxIou path), give the same values.
    const two = tidy(() => new AnchorIou(anchors, 3, 7).compute(gt.narrow(0, 0, 2), real.narrow(0, 0, 2)).contiguous());
    assert.equal(two.eq(expected.narrow(0, 0, 2)).all().item(), true);
    const plain = tidy(() => new AnchorIou(anchors.clone(), 3, 7).compute(gt, real));
    assert.equal(plain.eq(expected).all().item(), true);
  }
});

test('setAnchorLayout: anchors rebuilt from their values regain the grid path; a wrong layout is refused', () => {
  const preset = getPreset('ssd_300_vgg16_atrous_voc');
  const rebuilt = fromTypedArray(ssdAnchors(preset).toTypedArray() as Float32Array, [8732, 4]);
  assert.equal(anchorLayout(rebuilt), undefined);
  setAnchorLayout(rebuilt, ssdAnchorLayout(preset));
  assert.deepEqual(anchorLayout(rebuilt), ssdAnchorLayout(preset));
  const gt = scene(2, 5, 300, 3);
  const got = tidy(() => new AnchorIou(rebuilt, 2, 5).compute(gt).contiguous());
  assert.equal(got.eq(boxIou(centerToCorner(rebuilt), gt)).all().item(), true);
  const swapped = ssdAnchorLayout({ ...preset, featureSizes: [19, 38, 10, 5, 3, 1], ratios: [preset.ratios[1]!, preset.ratios[0]!, ...preset.ratios.slice(2)] });
  assert.throws(() => setAnchorLayout(rebuilt.clone(), swapped), /(do not form the grids|must be)/);
  assert.throws(() => setAnchorLayout(rebuilt.clone(), [{ offset: 4, height: 1, width: 1, depth: 4 }]), /offsets must follow/);
});
