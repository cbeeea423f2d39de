// `ssdkit detect` (src/cli/detect.ts), detectImages and net.detect on images as a new user meets them: a zoo
// model with a weights file; images as paths, bytes or decoded RGB give the same detections; one unreadable file
// and a directory among good images are each reported by name, the good ones still written, exit status 1.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectCommand } from '../../src/cli/detect.js';
import { getModel, saveWeights } from '../../src/models/index.js';
import { decodeImage, encodeImage } from '../../src/data/index.js';
import { detectImages, detectImage } from '../../src/train/detectImages.js';
import { manualSeed } from '../../src/tensor/index.js';
import type { ImageDetections } from '../../src/train/validate.js';

const dir = mkdtempSync(join(tmpdir(), 'ssdkit-detect-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const MODEL = 'ssd_300_mobilenet0.25_custom';
const CLASSES = ['cat', 'dog'];

async function setup(): Promise<{ weights: string; images: string[] }> {
  manualSeed(3);
  const net = getModel(MODEL, { classes: CLASSES, pretrainedBase: false });
  const weights = join(dir, 'w.safetensors');
  saveWeights(weights, net);
  net.dispose();
  const images: string[] = [];
  for (const [i, [w, h]] of [[160, 120], [90, 200]].entries()) {
    const data = Uint8Array.from({ length: w * h * 3 }, (_, k) => (k * 37 + i * 91) % 251);
    const p = join(dir, `img${i}.png`);
    writeFileSync(p, await encodeImage({ data, width: w, height: h }, 'png'));
    images.push(p);
  }
  return { weights, images };
}
const ready = setup();

test('detect --model --weights: a bad file and a directory are reported, the good images written, exit 1', async (t) => {
  const { weights, images } = await ready;
  const bad = join(dir, 'broken.jpg');
  writeFileSync(bad, 'not an image at all');
  const folder = join(dir, 'a-folder');
  mkdirSync(folder, { recursive: true });
  const out = join(dir, 'out');
  const errors = t.mock.method(console, 'error', () => {});
  const logs = t.mock.method(console, 'log', () => {});
  const code = await detectCommand.run(['--model', MODEL, '--classes', CLASSES.join(','), '--weights', weights, images[0]!, bad, folder, images[1]!, '--out', out]);
  const stderr = errors.mock.calls.map((c) => String(c.arguments[0])).join('\n');
  assert.equal(code, 1);
  assert.match(stderr, /broken\.jpg: cannot decode image/);
  assert.match(stderr, /a-folder: is a directory, not an image file/);
  assert.doesNotMatch(stderr, /a-folder.*unsupported image format/);
  assert.match(stderr, /2 of 4 images could not be read/);
  assert.ok(logs.mock.callCount() > 0);
  const written = JSON.parse(readFileSync(join(out, 'detections.json'), 'utf8')) as ImageDetections[];
  assert.deepEqual(written.map((d) => d.imagePath), images);
  assert.ok(existsSync(join(out, 'img0.png')) && existsSync(join(out, 'img1.png')));

  // The same model through the API: paths, encoded bytes and decoded RGB give what the command wrote.
  const net = getModel(MODEL, { classes: CLASSES, pretrained: weights });
  const fromBytes = await detectImages(net, images.map((p) => readFileSync(p)));
  const fromRGB = await detectImage(net, await decodeImage(images[1]!));
  const viaNet = await net.detect(readFileSync(images[0]!));
  net.dispose();
  assert.deepEqual(viaNet, written[0]!.detections);
  assert.deepEqual(fromBytes.map((d) => d.detections), written.map((d) => d.detections));
  assert.deepEqual(fromBytes.map((d) => [d.id, d.width, d.height]), [['image0', 160, 120], ['image1', 90, 200]]);
  assert.deepEqual(fromRGB, written[1]!.detections);
  assert.ok(written[0]!.detections.length > 0, 'the random model detects something at score > 0.01');
});

test('detectImages without onError throws for an unreadable input, naming it', async () => {
  const net = getModel(MODEL, { classes: CLASSES, pretrainedBase: false });
  await assert.rejects(detectImages(net, [dir]), /ssdkit-detect-.*: is a directory/);
  await assert.rejects(detectImages(net, [Buffer.from('nope')]), /<4-byte buffer>: cannot read|cannot decode/);
  await assert.rejects(detectImages(net, [{ data: new Uint8Array(5), width: 2, height: 2 }]), /needs 12 RGB values, got 5/);
  net.dispose();
});

test('detect: --prefix and --model together, or neither, is a usage error', async () => {
  await assert.rejects(async () => detectCommand.run(['x.png']), /exactly one of --prefix/);
  await assert.rejects(async () => detectCommand.run(['--prefix', 'a', '--model', 'b', 'x.png']), /exactly one of --prefix/);
  await assert.rejects(async () => detectCommand.run(['--model', 'torchvision:ssd300_vgg16', '--classes', 'a', 'x.png']), /--classes does not apply to torchvision:ssd300_vgg16/);
});
