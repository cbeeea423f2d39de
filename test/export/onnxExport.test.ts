// ONNX export (src/export, issue 17 part 3) checked against an independent runtime: onnxruntime-node (CPU) runs
// the exported file and its pre-NMS outputs must equal ssdkit's own forward (NormalizedBoxCenterDecoder boxes,
// softmax foreground scores) to 1e-4 relative (a box's corners relative to its largest coordinate, since
// xmin = ctr - half can cancel to near 0 with an absolute float32 error of the operands' size); ONNX's own checker (Debian python3-onnx, full_check) must accept the file.
// Models: the zoo's VGG16-atrous SSD300, ResNet50-v1 SSD512, MobileNet1.0 SSD512 and ResNet34-v1b SSD300 with
// random weights (batch norms get random statistics so that they are exercised), at small input sizes (VGG and
// ResNet34 268, the smallest their extra layers allow; the others 128) and batch 2 for a dynamic-batch check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { manualSeed, noGrad, randn, tidy } from '../../src/tensor/index.js';
import { getModel, type SSD } from '../../src/models/index.js';
import { init } from '../../src/nn/index.js';
import { NormalizedBoxCenterDecoder } from '../../src/detection/index.js';
import { exportSSDToOnnx, parseOnnxMetadata } from '../../src/export/exportOnnx.js';
import { readModelMetadata } from '../../src/export/onnxWriter.js';
import { randomizeBatchNorms, spread } from './randomStats.js';
import { perClassNms } from '../../src/detection/nmsArrays.js';
import { buildFromSpec, demoPreset, type ModelSpec } from '../../src/train/modelSpec.js';

const PYTHON = '/usr/bin/python3';
const hasOnnxChecker = spawnSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;

/** ssdkit's pre-NMS outputs: decoded corner boxes (B, N, 4) and foreground probabilities (B, N, C). */
function reference(net: SSD, x: ReturnType<typeof randn>): { bboxes: Float32Array; scores: Float32Array } {
  return noGrad(() =>
    tidy(() => {
      const [cls, box, anchors] = net.forwardTrain(x);
      const bboxes = new NormalizedBoxCenterDecoder({ stds: net.stds }).decode(box, anchors);
      const probs = cls.softmax(-1);
      const scores = probs.narrow(2, 1, probs.shape[2]! - 1).contiguous();
      return { bboxes: bboxes.toTypedArray() as Float32Array, scores: scores.toTypedArray() as Float32Array };
    }),
  );
}

/** Largest |a - e| / max(1, |e|) over groups of `group` values, |e| the group's largest magnitude. */
function maxRelError(a: ArrayLike<number>, e: ArrayLike<number>, group = 1): number {
  assert.equal(a.length, e.length);
  let m = 0;
  for (let i = 0; i < a.length; i += group) {
    let scale = 1;
    for (let k = i; k < i + group; k++) scale = Math.max(scale, Math.abs(e[k]!));
    for (let k = i; k < i + group; k++) m = Math.max(m, Math.abs(a[k]! - e[k]!) / scale);
  }
  return m;
}

function checkWithOnnx(bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-onnx-'));
  try {
    const file = join(dir, 'model.onnx');
    writeFileSync(file, bytes);
    const code = 'import sys, onnx\nm = onnx.load(sys.argv[1])\nonnx.checker.check_model(m, full_check=True)\nprint(m.opset_import[0].version, m.graph.input[0].type.tensor_type.shape.dim[0].dim_param)';
    const r = spawnSync(PYTHON, ['-c', code, file], { encoding: 'utf8' });
    assert.equal(r.status, 0, `onnx.checker rejected the export:\n${r.stderr}`);
    return r.stdout.trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CASES: { name: string; dataShape: number; batch: number; checker: boolean; heInit?: boolean }[] = [
  { name: 'ssd_300_vgg16_atrous_voc', dataShape: 268, batch: 1, checker: true },
  { name: 'ssd_512_resnet50_v1_voc', dataShape: 128, batch: 2, checker: true },
  { name: 'ssd_512_mobilenet1.0_voc', dataShape: 128, batch: 2, checker: true },
  // The ResNetV1bSSD extractor; its ops are those the checker already saw (Conv, BatchNormalization, Relu, Add, MaxPool).
  // Its backbone convs have no initializer of their own: with the default Uniform(0.07) its box codes reach 4e5 and
  // exp overflows in both runtimes, so the backbone gets He-scaled Gaussian weights (codes below 100).
  { name: 'ssd_300_resnet34_v1b_voc', dataShape: 268, batch: 1, checker: false, heInit: true },
];

for (const c of CASES) {
  test(`ONNX export of ${c.name} at ${c.dataShape}: onnxruntime equals ssdkit (<= 1e-4)${c.checker ? ', the ONNX checker accepts it' : ''}`, async (t) => {
    manualSeed(17);
    const defaultInit = c.heInit ? init.Xavier({ rndType: 'gaussian', factorType: 'in', magnitude: 1 }) : undefined;
    const net = getModel(c.name, { pretrainedBase: false, defaultInit });
    try {
      randomizeBatchNorms(net);
      const bytes = exportSSDToOnnx(net, { dataShape: c.dataShape });
      const x = randn([c.batch, 3, c.dataShape, c.dataShape]);
      const ref = reference(net, x);
      assert.ok(spread(ref.scores) > 0.01, 'the reference scores vary (not a degenerate network)');
      const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2 });
      assert.deepEqual(session.inputNames, ['data']);
      assert.deepEqual(session.outputNames, ['bboxes', 'scores']);
      const out = await session.run({ data: new ort.Tensor('float32', x.toTypedArray() as Float32Array, [c.batch, 3, c.dataShape, c.dataShape]) });
      const N = ref.bboxes.length / 4 / c.batch;
      assert.deepEqual(out.bboxes!.dims, [c.batch, N, 4]);
      assert.deepEqual(out.scores!.dims, [c.batch, N, 20]);
      // A corner is ctr - half, both up to hundreds of pixels: its error is relative to the box's own scale.
      const boxErr = maxRelError(out.bboxes!.data as Float32Array, ref.bboxes, 4);
      const scoreErr = maxRelError(out.scores!.data as Float32Array, ref.scores);
      t.diagnostic(`${N} anchors; max relative error: boxes ${boxErr.toExponential(2)}, scores ${scoreErr.toExponential(2)}`);
      assert.ok(boxErr <= 1e-4, `boxes differ by ${boxErr}`);
      assert.ok(scoreErr <= 1e-4, `scores differ by ${scoreErr}`);
      x.dispose();
      await session.release();
      const meta = parseOnnxMetadata(readModelMetadata(bytes, c.name), c.name);
      assert.equal(meta.dataShape, c.dataShape);
      assert.deepEqual(meta.classes, [...net.classes]);
      if (!c.checker) return;
      if (!hasOnnxChecker) {
        t.skip(`${PYTHON} has no onnx module (install Debian's python3-onnx; scripts/setup.sh does as root)`);
        return;
      }
      assert.equal(checkWithOnnx(bytes), '13 batch');
    } finally {
      net.dispose();
    }
  });
}

test('ONNX export with nms: NonMaxSuppression keeps per class what box_nms (perClassNms) keeps', async () => {
  manualSeed(5);
  const spec: ModelSpec = { name: 'ssd_128_mobilenet0.25_demo', preset: demoPreset(128), classes: ['a', 'b', 'c'] };
  const net = buildFromSpec(spec);
  try {
    randomizeBatchNorms(net);
    net.setNms(0.45, -1, -1); // every survivor: ONNX's NMS has no cross-class top-k
    const bytes = exportSSDToOnnx(net, { nms: true, dataShape: 128 });
    const x = randn([2, 3, 128, 128]);
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2 });
    assert.deepEqual(session.outputNames, ['bboxes', 'scores', 'selected_indices']);
    const out = await session.run({ data: new ort.Tensor('float32', x.toTypedArray() as Float32Array, [2, 3, 128, 128]) });
    x.dispose();
    await session.release();
    const [, N, C] = out.scores!.dims as [number, number, number];
    const sel = Array.from(out.selected_indices!.data as BigInt64Array, Number);
    for (let b = 0; b < 2; b++) {
      const boxes = (out.bboxes!.data as Float32Array).subarray(b * N * 4, (b + 1) * N * 4);
      const scores = (out.scores!.data as Float32Array).subarray(b * N * C, (b + 1) * N * C);
      const fromOnnx: string[] = [];
      for (let i = 0; i < sel.length; i += 3) if (sel[i] === b) fromOnnx.push(`${sel[i + 1]}:${scores[sel[i + 2]! * C + sel[i + 1]!]}`);
      const fromJs = perClassNms(boxes, scores, N, C, { nmsThresh: 0.45, nmsTopk: -1, postNms: -1 }).map((d) => `${d.classId}:${d.score}`);
      assert.ok(fromJs.length > 20, `${fromJs.length} survivors`);
      assert.deepEqual(fromOnnx.sort(), fromJs.sort(), `image ${b}`);
    }
  } finally {
    net.dispose();
  }
});
