// PR-curve images (spec §7.7 reports): the PNG is written with the expected size, is not blank, and draws the
// curve where its numbers say (precision up, recall right), with the area under the envelope shaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { VOCMApMetric, prCurvesSVG, writePRCurvesPNG, type PRCurve } from '../../src/metrics/index.js';

const flat: PRCurve = { name: 'flat <0.8>', recall: [0.2, 0.5, 1], precision: [0.8, 0.8, 0.8], ap: 0.8 };
const falling: PRCurve = { name: 'falling', recall: [0.1, 0.5, 0.9], precision: [1, 0.5, 0.2], ap: 0.4 };
const empty: PRCurve = { name: 'no gt', recall: [], precision: [], ap: NaN };

async function pixels(path: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function at(img: { data: Buffer; width: number }, x: number, y: number): [number, number, number] {
  const o = (Math.round(y) * img.width + Math.round(x)) * 3;
  return [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!];
}

function near(c: [number, number, number], want: [number, number, number], tol = 40): boolean {
  return c.every((v, i) => Math.abs(v - want[i]!) <= tol);
}

test('small multiples PNG: size, not blank, curve and shading in the right places', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-pr-'));
  try {
    const path = join(dir, 'pr.png');
    const out = await writePRCurvesPNG([flat, falling, empty], path, { title: 'PR curves' });
    assert.deepEqual(out, { path, width: 480, height: 430 }); // 2 columns x 2 rows of 240 x 200, 30 px title
    assert.ok(statSync(path).size > 2000, 'a real image');
    const img = await pixels(path);
    assert.equal(img.width, 480);
    assert.equal(img.height, 430);
    // Not blank: plenty of non-white pixels and several distinct colours.
    let nonWhite = 0;
    const colours = new Set<number>();
    for (let i = 0; i < img.data.length; i += 3) {
      if (img.data[i]! < 245 || img.data[i + 1]! < 245 || img.data[i + 2]! < 245) nonWhite++;
      colours.add((img.data[i]! << 16) | (img.data[i + 1]! << 8) | img.data[i + 2]!);
    }
    assert.ok(nonWhite > 0.05 * img.width * img.height, `${nonWhite} non-white pixels`);
    assert.ok(colours.size > 10);
    // Cell 0 plot area: x from 34 over 196 px, y from 30 + 24 over 150 px (precision 1 at the top).
    const X = (r: number): number => 34 + r * 196;
    const Y = (p: number): number => 54 + (1 - p) * 150;
    assert.ok(near(at(img, X(0.4), Y(0.8)), [0x1f, 0x5f, 0xbf]), `curve at precision .8: ${at(img, X(0.4), Y(0.8))}`);
    assert.ok(near(at(img, X(0.4), Y(0.3)), [0xc9, 0xda, 0xf5], 12), `shaded below: ${at(img, X(0.4), Y(0.3))}`);
    assert.deepEqual(at(img, X(0.4), Y(0.9)), [255, 255, 255], 'white above the curve');
    // Cell 1 (x + 240): falling curve; at recall .7 the envelope is .2, so precision .3 is above it (white).
    assert.deepEqual(at(img, 240 + X(0.7), Y(0.3)), [255, 255, 255]);
    assert.ok(near(at(img, 240 + X(0.7), Y(0.1)), [0xc9, 0xda, 0xf5], 12));
    // Cell 2 (second row): a class without GT has an empty plot.
    assert.deepEqual(at(img, X(0.4), 200 + Y(0.3)), [255, 255, 255]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one image per class from a metric, and the SVG escapes names and labels the AP', async () => {
  const m = new VOCMApMetric({ classNames: ['a'] });
  m.update([[[0, 0, 9, 9], [50, 50, 59, 59]]], [[0, 0]], [[0.9, 0.8]], [[[0, 0, 9, 9], [80, 80, 89, 89]]], [[0, 0]]);
  const [curve] = m.curves();
  const { svg, width, height } = prCurvesSVG([curve!]);
  assert.equal(width, 240);
  assert.equal(height, 200);
  assert.match(svg, /a {2}AP 0\.500/);
  assert.match(prCurvesSVG([flat]).svg, /flat &#60;0\.8&#62;/);
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-pr-'));
  try {
    const out = await writePRCurvesPNG([curve!], join(dir, 'sub', 'a.png'));
    const meta = await sharp(out.path).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 240, 200]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => prCurvesSVG([]), /no curves/);
});
