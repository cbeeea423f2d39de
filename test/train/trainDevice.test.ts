// The training loop's device and mixed-precision switches on the CPU (issue 15): --amp with bfloat16 autocast (the
// CPU's) trains to nearly the float32 losses without being float32, channelsLast feeds NHWC-strided images that
// compute the same loss, and --gpus / --device cuda on a build without CUDA are refused naming the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, cudaIsAvailable, type Tensor } from '../../src/tensor/index.js';
import { makeSyntheticVOC, VOCDetection, SYNTH_CLASSES } from '../../src/data/index.js';
import { buildFromSpec, demoPreset } from '../../src/train/modelSpec.js';
import { trainSSD, type TrainOptions } from '../../src/train/trainSSD.js';
import { ROOT } from '../helpers.js';

/** Losses of 3 one-batch epochs of the 64-px demo SSD from seed 3, with `extra` options; `seen` gets each step's input. */
async function firstSteps(dir: string, tag: string, extra: Partial<TrainOptions>, seen?: (x: Tensor) => void): Promise<number[]> {
  const train = await VOCDetection.load(join(dir, 'data'), ['2007/trainval'], { classes: SYNTH_CLASSES });
  manualSeed(3);
  const net = buildFromSpec({ name: tag, preset: demoPreset(64), classes: [...SYNTH_CLASSES] });
  if (seen) {
    const forwardTrain = net.forwardTrain.bind(net);
    net.forwardTrain = (x) => (seen(x), forwardTrain(x));
  }
  const o: TrainOptions = {
    dataShape: 64, batchSize: 4, numWorkers: 0, epochs: 3, lr: 0.01, lrDecay: 0.1, lrDecayEpoch: [10], momentum: 0.9, wd: 5e-4,
    warmupEpochs: 0, logInterval: 0, savePrefix: join(dir, tag), saveInterval: 10, valInterval: 10, seed: 3,
    startEpoch: 0, lossNorm: 'batch', predictorInit: 'default', decoder: 'per-class', maxBatchesPerEpoch: 1, progress: false,
    log: () => {}, ...extra,
  };
  const r = await trainSSD(net, train, null, o);
  net.dispose();
  return r.epochs.map((e) => e.CrossEntropy + e.SmoothL1);
}

test("--amp on the CPU: the first bfloat16 autocast step's loss is within 3% of float32's, not the same, and training goes on finite", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-amp-'));
  try {
    await makeSyntheticVOC({ out: join(dir, 'data'), images: 12, seed: 4, size: 64 });
    // bfloat16 first, as before the cause was known: libtorch 1.13's bfloat16 conv left garbage in the weight
    // gradient of the demo net's 1x1-output stride-2 expand_conv1, NaN or not depending on the heap's history
    // (now run in float32, see conv2d in src/tensor/functional.ts).
    const bf16 = await firstSteps(dir, 'amp', { amp: true });
    const fp32 = await firstSteps(dir, 'fp32', {});
    // One batch per epoch: epoch 0's loss is that of the first step, before any update.
    assert.ok(Math.abs(bf16[0]! - fp32[0]!) <= 0.03 * fp32[0]!, `first step: bf16 ${bf16[0]} vs fp32 ${fp32[0]}`);
    assert.notEqual(bf16[0], fp32[0], 'autocast changed the arithmetic');
    assert.ok(bf16.every(Number.isFinite), bf16.join(', '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('channelsLast: the network gets channels-last images and the first step computes the NCHW loss to float32 rounding', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-cl-'));
  try {
    await makeSyntheticVOC({ out: join(dir, 'data'), images: 12, seed: 4, size: 64 });
    const layouts: boolean[] = [];
    const cl = await firstSteps(dir, 'cl', { channelsLast: true }, (x) => layouts.push(x.isChannelsLast() && !x.isContiguous()));
    const nchw = await firstSteps(dir, 'nchw', {}, (x) => layouts.push(x.isChannelsLast() && !x.isContiguous()));
    assert.deepEqual(layouts, [true, true, true, false, false, false]);
    // Before any update the two differ only by the kernels' summation order (the later steps are chaotic: BatchNorm
    // over a batch of 4 at the 1x1 grid amplifies 1e-6 input changes into % gradient changes, either layout).
    assert.ok(Math.abs(cl[0]! - nchw[0]!) <= 1e-4 * nchw[0]!, `first step: channels-last ${cl[0]} vs NCHW ${nchw[0]}`);
    assert.ok(cl.every(Number.isFinite) && cl[2]! < cl[0]!, cl.join(', '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('train --gpus, train --device cuda and ablate --device cuda without CUDA are usage errors naming the flag', { skip: cudaIsAvailable() ? 'this build has CUDA' : false }, () => {
  const main = join(ROOT, 'dist', 'src', 'cli', 'main.js');
  for (const [flag, value] of [['--gpus', '0,1'], ['--device', 'cuda']] as const) {
    const r = spawnSync(process.execPath, [main, 'train', flag, value, '--dataset-root', '/nonexistent'], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`${flag} ${value}: this ssdkit build has no CUDA`));
  }
  // ablate takes --device too, and checks it before generating any data.
  const r = spawnSync(process.execPath, [main, 'ablate', '--device', 'cuda:1', '--out', join(ROOT, 'nonexistent-ablate')], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--device cuda:1: this ssdkit build has no CUDA/);
  assert.ok(!existsSync(join(ROOT, 'nonexistent-ablate')), 'nothing written');
});
