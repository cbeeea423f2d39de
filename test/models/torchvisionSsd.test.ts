// torchvision:ssd300_vgg16 (src/models/torchvision/) against Debian's python3-torchvision 0.14
// (scripts/fixtures/make_torchvision_ssd_fixture.py): the default boxes and the input transform against the
// committed fixture, and — where /usr/bin/python3 has torchvision (scripts/setup.sh installs it as root) — the
// whole detector: the script's seeded random weights, saved with torch.save(model.state_dict()) into a temp dir
// (~140 MB, never committed), loaded from the .pth and run on the same image give torchvision's 200 detections:
// the same labels in the same order, scores within 1e-4 relative, each box within 1e-4 of its own scale.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getModel, SSD300_VGG16_CONFIG, TORCHVISION_COCO_CATEGORIES, TorchvisionSSD300, WeightsError } from '../../src/models/index.js';
import { detectCommand } from '../../src/cli/detect.js';
import type { ImageDetections } from '../../src/train/validate.js';
import { transformImage } from '../../src/models/torchvision/transform.js';
import { decodeImage } from '../../src/data/index.js';
import { assertClose, fixturePath, loadFixture, ROOT } from '../helpers.js';

interface Fixture {
  transformed: { shape: number[]; sum: number; first: number[] };
  anchors: { count: number; rows: Record<string, number[]> };
  detections: { boxes: number[][]; scores: number[]; labels: number[] };
}
const fx = loadFixture<Fixture>('torchvision_ssd300.json');
const dir = mkdtempSync(join(tmpdir(), 'ssdkit-tv-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('DefaultBoxGenerator: 8732 default boxes, rows as torchvision computes them', () => {
  const net = new TorchvisionSSD300();
  const a = net.anchors();
  assert.deepEqual(a.shape, [fx.anchors.count, 4]);
  for (const [i, row] of Object.entries(fx.anchors.rows)) assertClose(a.narrow(0, Number(i), 1), row, 0, 1e-6, `anchor ${i}`);
  net.dispose();
});

test('GeneralizedRCNNTransform: normalize then bilinear resize to 300x300', async () => {
  const img = await decodeImage(fixturePath("torchvision_ssd300_input.png"));
  const x = transformImage(img, SSD300_VGG16_CONFIG.transform);
  assert.deepEqual(x.shape, fx.transformed.shape);
  assertClose(x.narrow(2, 0, 1).narrow(3, 0, 4), fx.transformed.first, 1e-6, 1e-4, 'first pixels');
  assertClose([x.double().sum().item()], [fx.transformed.sum], 1e-6, 0, 'sum');
  x.dispose();
});

/**
 * Each box within 1e-4 relative to its own scale (its largest absolute coordinate): a corner is a centre minus a
 * half-size, so a coordinate near 0 carries the rounding of both and per-coordinate relative error means little.
 */
function assertBoxesClose(actual: ArrayLike<number>, expected: number[][], what: string): void {
  assert.equal(actual.length, expected.length * 4, `${what}: ${actual.length / 4} boxes, expected ${expected.length}`);
  expected.forEach((e, k) => {
    const tol = 1e-4 * Math.max(...e.map(Math.abs));
    e.forEach((v, j) => assert.ok(Math.abs(actual[k * 4 + j]! - v) <= tol, `${what}[${k}][${j}]: ${actual[k * 4 + j]} vs expected ${v} (tolerance ${tol})`));
  });
}

function haveTorchvision(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import torchvision'], { stdio: 'ignore' }).status === 0;
}

test('the detector equals torchvision 0.14 on a torch.save state dict (boxes, scores <= 1e-4 relative)', async (t) => {
  if (!haveTorchvision()) {
    t.skip('/usr/bin/python3 has no torchvision (scripts/setup.sh installs python3-torchvision as root)');
    return;
  }
  const made = spawnSync('/usr/bin/python3', [join(ROOT, 'scripts/fixtures/make_torchvision_ssd_fixture.py'), '--weights', dir], { encoding: 'utf8', timeout: 600_000 });
  assert.equal(made.status, 0, made.stderr);
  const net = getModel('torchvision:ssd300_vgg16', { pretrained: join(dir, 'ssd300_vgg16_seed17.pth') });
  const d = net.detectImage(await decodeImage(fixturePath('torchvision_ssd300_input.png')));
  net.dispose();
  assert.deepEqual(Array.from(d.labels), fx.detections.labels);
  assertClose(d.scores, fx.detections.scores, 1e-4, 0, 'scores');
  assertBoxesClose(d.boxes, fx.detections.boxes, 'boxes');

  // The same through `ssdkit detect --model torchvision:ssd300_vgg16 --weights FILE`.
  t.mock.method(console, 'log', () => {});
  const out = join(dir, 'out');
  const png = fixturePath('torchvision_ssd300_input.png');
  assert.equal(await detectCommand.run(['--model', 'torchvision:ssd300_vgg16', '--weights', join(dir, 'ssd300_vgg16_seed17.pth'), png, '--out', out]), 0);
  const [written] = JSON.parse(readFileSync(join(out, 'detections.json'), 'utf8')) as ImageDetections[];
  assert.deepEqual(written!.detections.map((r) => r.classId), fx.detections.labels);
  assert.equal(written!.detections[0]!.className, TORCHVISION_COCO_CATEGORIES[fx.detections.labels[0]!]);
  assertClose(written!.detections.map((r) => r.score), fx.detections.scores, 1e-4, 0, 'CLI scores');
  assertBoxesClose(written!.detections.flatMap((r) => r.box), fx.detections.boxes, 'CLI boxes');
});

test('a state dict for another model is refused, naming the missing and mis-shaped tensors', () => {
  assert.throws(
    () => getModel('torchvision:ssd300_vgg16', { pretrained: fixturePath('pth/conv_bad.pth') }),
    (e: unknown) => e instanceof WeightsError && /conv_bad\.pth.*not in the model \(1\): weight/s.test(e.message) && /missing from .*backbone\.features\.0\.weight/.test(e.message),
  );
  assert.throws(() => getModel('torchvision:ssd300_vgg16', { pretrained: true, root: dir }), /put torchvision's ssd300_vgg16_coco-b556d3b4\.pth at /);
});
