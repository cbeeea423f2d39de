// Image I/O (src/data/imageIO.ts): lossless round trips, colour-space normalization to RGB, bounded decoding
// (huge headers refused before decoding), clear errors for truncated/corrupt files, box drawing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { decodeImage, imageInfo, encodeImage, writeImage, resizeImage, drawBoxes, boxesSvg, ImageDecodeError } from '../../src/data/imageIO.js';
import { noiseImage, tempDir } from './util.js';

const tmp = tempDir('imageio');
after(() => tmp.cleanup());
const img = noiseImage(17, 9, 5);
let pngPath = '';
let jpgPath = '';

before(async () => {
  pngPath = join(tmp.dir, 'a.png');
  jpgPath = join(tmp.dir, 'a.jpg');
  await writeImage(pngPath, img);
  await writeImage(jpgPath, img, 95);
});

test('PNG round trip is exact; JPEG decodes to the right size and close values', async () => {
  const back = await decodeImage(pngPath);
  assert.equal(back.width, 17);
  assert.equal(back.height, 9);
  assert.deepEqual(Array.from(back.data), Array.from(img.data));
  const j = await decodeImage(readFileSync(jpgPath));
  assert.deepEqual([j.width, j.height, j.data.length], [17, 9, 17 * 9 * 3]);
  assert.deepEqual(await imageInfo(jpgPath), { width: 17, height: 9, format: 'jpeg' });
});

test('grey and RGBA inputs decode to 3-channel RGB', async () => {
  const grey = await sharp(Buffer.from([0, 100, 200, 255]), { raw: { width: 2, height: 2, channels: 1 } }).png().toBuffer();
  const g = await decodeImage(grey);
  assert.deepEqual(Array.from(g.data), [0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255]);
  const rgba = await sharp(Buffer.from([10, 20, 30, 0, 40, 50, 60, 255]), { raw: { width: 2, height: 1, channels: 4 } }).png().toBuffer();
  const c = await decodeImage(rgba);
  assert.deepEqual(Array.from(c.data), [10, 20, 30, 40, 50, 60]);
});

test('truncated, corrupt and missing files are errors naming the file', async () => {
  const bytes = readFileSync(jpgPath);
  const trunc = join(tmp.dir, 'trunc.jpg');
  writeFileSync(trunc, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  await assert.rejects(decodeImage(trunc), (e: Error) => e instanceof ImageDecodeError && e.message.includes(trunc));
  const junk = join(tmp.dir, 'junk.jpg');
  writeFileSync(junk, Buffer.from('this is not an image at all'));
  await assert.rejects(decodeImage(junk), (e: Error) => e instanceof ImageDecodeError && e.message.includes(junk));
  await assert.rejects(decodeImage(join(tmp.dir, 'nope.png')), (e: Error) => e.message.includes('nope.png'));
});

test('an image whose header claims huge dimensions is refused before decoding', async () => {
  // A valid 1×1 PNG whose IHDR is rewritten to claim 60000×60000 (3.6 gigapixels), CRC fixed up.
  const png = Buffer.from(await sharp(Buffer.from([1, 2, 3]), { raw: { width: 1, height: 1, channels: 3 } }).png().toBuffer());
  png.writeUInt32BE(60000, 16);
  png.writeUInt32BE(60000, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)) >>> 0, 29);
  const huge = join(tmp.dir, 'huge.png');
  writeFileSync(huge, png);
  await assert.rejects(decodeImage(huge), (e: Error) => e instanceof ImageDecodeError && /pixel/i.test(e.message) && e.message.includes(huge));
  await assert.rejects(imageInfo(huge), (e: Error) => /60000x60000/.test(e.message) && e.message.includes(huge));
  // The limit is configurable: a 17×9 image is refused under a 100-pixel limit.
  await assert.rejects(decodeImage(pngPath, { maxPixels: 100 }), /larger than the 100 pixels allowed/);
});

test('encode, resize and float images (rounded and clipped) work', async () => {
  const f = { data: Float32Array.from([-5, 10.4, 300, 0, 0, 0]), width: 2, height: 1 };
  const back = await decodeImage(await encodeImage(f, 'png'));
  assert.deepEqual(Array.from(back.data), [0, 10, 255, 0, 0, 0]);
  const r = await resizeImage(img, 34, 18, 'nearest');
  assert.deepEqual([r.width, r.height], [34, 18]);
  assert.deepEqual(Array.from(r.data.subarray(0, 3)), Array.from(img.data.subarray(0, 3)));
});

test('drawBoxes outlines the box in the palette colour and keeps other pixels', async () => {
  const base = { data: new Uint8Array(40 * 30 * 3).fill(255), width: 40, height: 30 };
  const out = await decodeImage(await drawBoxes(base, [{ box: [10, 12, 30, 25], label: 'star', score: 0.93, colorIndex: 0 }], 'png', 2));
  const at = (x: number, y: number): number[] => Array.from(out.data.subarray((y * 40 + x) * 3, (y * 40 + x) * 3 + 3));
  const edge = at(20, 25); // bottom edge, away from the caption
  assert.ok(edge[0]! > 150 && edge[1]! < 120 && edge[2]! < 140, `edge pixel ${edge} is red-ish (#e6194b)`);
  assert.deepEqual(at(20, 18), [255, 255, 255], 'inside untouched');
  assert.deepEqual(at(2, 28), [255, 255, 255], 'outside untouched');
  assert.match(boxesSvg(40, 30, [{ box: [0, 0, 1, 1], label: 'a<b&c' }]), /a&lt;b&amp;c/);
});
