// The training loop's device and mixed-precision switches on the CPU (issue 15): --amp with bfloat16 autocast (the
// CPU's) trains to nearly the float32 losses without being float32, and --gpus / --device cuda on a build without
// CUDA are refused naming the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, cudaIsAvailable } from '../../src/tensor/index.js';
import { makeSyntheticVOC, VOCDetection, SYNTH_CLASSES } from '../../src/data/index.js';
import { buildFromSpec, demoPreset } from '../../src/train/modelSpec.js';
import { trainSSD, type TrainOptions } from '../../src/train/trainSSD.js';
import { ROOT } from '../helpers.js';

test("--amp on the CPU: the first bfloat16 autocast step's loss is within 3% of float32's, not the same, and training goes on finite", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-amp-'));
  try {
    await makeSyntheticVOC({ out: join(dir, 'data'), images: 12, seed: 4, size: 64 });
    const train = await VOCDetection.load(join(dir, 'data'), ['2007/trainval'], { classes: SYNTH_CLASSES });
    const run = async (amp: boolean) => {
      manualSeed(3);
      const net = buildFromSpec({ name: 'amp', preset: demoPreset(64), classes: [...SYNTH_CLASSES] });
      const o: TrainOptions = {
        dataShape: 64, batchSize: 4, numWorkers: 0, epochs: 3, lr: 0.01, lrDecay: 0.1, lrDecayEpoch: [10], momentum: 0.9, wd: 5e-4,
        warmupEpochs: 0, logInterval: 0, savePrefix: join(dir, amp ? 'amp' : 'fp32'), saveInterval: 10, valInterval: 10, seed: 3,
        startEpoch: 0, lossNorm: 'batch', predictorInit: 'default', decoder: 'per-class', maxBatchesPerEpoch: 1, progress: false,
        amp, log: () => {},
      };
      const r = await trainSSD(net, train, null, o);
      net.dispose();
      return r.epochs.map((e) => e.CrossEntropy + e.SmoothL1);
    };
    // bfloat16 first, as before the cause was known: libtorch 1.13's bfloat16 conv left garbage in the weight
    // gradient of the demo net's 1x1-output stride-2 expand_conv1, NaN or not depending on the heap's history
    // (now run in float32, see conv2d in src/tensor/functional.ts).
    const bf16 = await run(true);
    const fp32 = await run(false);
    // One batch per epoch: epoch 0's loss is that of the first step, before any update.
    assert.ok(Math.abs(bf16[0]! - fp32[0]!) <= 0.03 * fp32[0]!, `first step: bf16 ${bf16[0]} vs fp32 ${fp32[0]}`);
    assert.notEqual(bf16[0], fp32[0], 'autocast changed the arithmetic');
    assert.ok(bf16.every(Number.isFinite), bf16.join(', '));
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
