// Resampling with OpenCV semantics (src/data/transforms/resize.ts; MXNet imresize, spec §7.4.4, §7.5):
// nearest/bilinear/bicubic against torch's interpolate (same pixel-centre mapping, a = -0.75, clamped borders),
// area and Lanczos and the edge rules by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resize, autoInterp, type Interp } from '../../src/data/transforms/resize.js';
import { assertClose, loadFixture } from '../helpers.js';

interface ResizeFixture {
  width: number;
  height: number;
  image: number[];
  cases: { width: number; height: number; interp: Interp; expected: number[] }[];
}
const fx = loadFixture<{ resize: ResizeFixture }>('data_transforms.json').resize;

test('nearest, bilinear and bicubic match torch.nn.functional.interpolate (up, down, mixed)', () => {
  const img = { data: Float32Array.from(fx.image), width: fx.width, height: fx.height };
  for (const c of fx.cases) {
    const out = resize(img, c.width, c.height, c.interp);
    assert.equal(out.width, c.width);
    assert.equal(out.height, c.height);
    assertClose(out.data, c.expected, 1e-4, 2e-3, `interp ${c.interp} ${fx.width}x${fx.height}→${c.width}x${c.height}`);
  }
});

function row(values: number[]): { data: Float32Array; width: number; height: number } {
  return { data: Float32Array.from(values.flatMap((v) => [v, v, v])), width: values.length, height: 1 };
}
function ch0(img: { data: Float32Array }): number[] {
  return Array.from(img.data).filter((_, i) => i % 3 === 0);
}

test('bilinear 2× upsampling of [0, 100] clamps at the borders: [0, 25, 75, 100]', () => {
  assertClose(ch0(resize(row([0, 100]), 4, 1, 1)), [0, 25, 75, 100], 0, 1e-4, 'bilinear');
});

test('bicubic uses a = -0.75: [0,0,100,0] → 8 wide, pixel 3 = 100·w(0.25) = 26.171875', () => {
  const out = ch0(resize(row([0, 0, 100, 0]), 8, 1, 2));
  assertClose([out[3]!], [26.171875], 0, 1e-4, 'bicubic tap');
});

test('area: exact averaging when shrinking (integer and fractional), replication when growing', () => {
  assertClose(ch0(resize(row([0, 10, 20, 40]), 2, 1, 3)), [5, 30], 0, 1e-4, 'area 4→2');
  // 3→2: out0 = (p0·1 + p1·0.5)/1.5, out1 = (p1·0.5 + p2·1)/1.5
  assertClose(ch0(resize(row([0, 30, 60]), 2, 1, 3)), [10, 50], 0, 1e-4, 'area 3→2');
  const img2 = { data: Float32Array.from([0, 0, 0, 30, 30, 30, 60, 60, 60, 90, 90, 90]), width: 2, height: 2 };
  assertClose(ch0(resize(img2, 1, 1, 3)), [45], 0, 1e-4, 'area 2x2→1x1');
  // OpenCV INTER_AREA when enlarging by an integer factor repeats pixels.
  assertClose(ch0(resize(row([0, 100]), 4, 1, 3)), [0, 0, 100, 100], 0, 1e-4, 'area upscale');
});

test('nearest picks floor(d·scale); a constant image stays constant under every interpolation', () => {
  assert.deepEqual(ch0(resize(row([1, 2, 3, 4, 5, 6]), 3, 1, 0)), [1, 3, 5]);
  const c = { data: new Float32Array(6 * 5 * 3).fill(77.5), width: 6, height: 5 };
  for (const interp of [0, 1, 2, 3, 4] as Interp[]) {
    for (const [w, h] of [[13, 11], [4, 3], [3, 9]] as const) {
      assertClose(resize(c, w, h, interp).data, new Array(w * h * 3).fill(77.5), 0, 1e-3, `constant interp ${interp} ${w}x${h}`);
    }
  }
});

test('Lanczos (8 taps) interpolates: it reproduces a linear ramp away from the borders', () => {
  const ramp = Array.from({ length: 16 }, (_, i) => i * 10);
  const out = ch0(resize(row(ramp), 32, 1, 4));
  // output pixel d samples source x = (d + 0.5)/2 - 0.5; interior pixels lie on the ramp within sinc error.
  for (let d = 10; d < 22; d++) assert.ok(Math.abs(out[d]! - ((d + 0.5) / 2 - 0.5) * 10) < 0.6, `lanczos d=${d}: ${out[d]}`);
});

test('same size is a copy; 8-bit input works; bad sizes are refused', () => {
  const u8 = { data: Uint8Array.from([1, 2, 3, 4, 5, 6]), width: 2, height: 1 };
  const same = resize(u8, 2, 1, 2);
  assert.ok(same.data instanceof Float32Array);
  assert.deepEqual(Array.from(same.data), [1, 2, 3, 4, 5, 6]);
  assertClose(resize(u8, 4, 1, 1).data, [1, 2, 3, 1.75, 2.75, 3.75, 3.25, 4.25, 5.25, 4, 5, 6], 0, 1e-4, 'u8 bilinear');
  assert.throws(() => resize(u8, 0, 1, 1), /bad output size/);
});

test('interp 9 rule: bicubic when both sides grow, area when both shrink, else bilinear', () => {
  assert.equal(autoInterp(100, 100, 300, 300), 2);
  assert.equal(autoInterp(500, 400, 300, 300), 3);
  assert.equal(autoInterp(500, 200, 300, 300), 1);
  assert.equal(autoInterp(300, 300, 300, 300), 1);
});
