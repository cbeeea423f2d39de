// What only a GPU can check (run by scripts/gpu-check.sh; skipped without CUDA): tensors, half dtypes and a
// whole SSD moved to the GPU and back; parameter files and checkpoints written from GPU tensors load on the CPU
// and back; a few SGD steps of the demo SSD on the GPU whose losses match the same steps on the CPU within
// float32 noise (TF32 off); float16 and bfloat16 --amp steps (autocast + GradScaler) that stay finite and near
// the float32 loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cudaIsAvailable, manualSeed, noGrad, parseDevice, pinMemory, randn, setAllowTF32, tensor, tidy, toDeviceAsync, withAutocast, zeros, keep, type Tensor,
} from '../../src/tensor/index.js';
import { Trainer, createAmp, saveParameters, loadParameters, saveCheckpoint, loadCheckpoint } from '../../src/nn/index.js';
import { SSDMultiBoxLoss, SSDTargetGenerator } from '../../src/detection/index.js';
import { buildFromSpec, demoPreset } from '../../src/train/modelSpec.js';
import type { SSD } from '../../src/models/index.js';
import { assertClose } from '../helpers.js';

const skip = !cudaIsAvailable() && 'no CUDA in this build or machine (scripts/gpu-check.sh runs these on a GPU)';
const SIZE = 128;
const CLASSES = ['circle', 'square', 'triangle', 'star', 'cross'];

/** The demo SSD with its deferred shapes resolved, seeded, on the CPU. */
function demoNet(seed: number): SSD {
  manualSeed(seed);
  const net = buildFromSpec({ name: 'gpu-check', preset: demoPreset(SIZE), classes: CLASSES });
  noGrad(() => tidy(() => void net.forwardTrain(zeros([1, 3, SIZE, SIZE]))));
  return net;
}

function copyWeights(from: SSD, to: SSD): void {
  const src = new Map(from.namedParameters());
  for (const [k, p] of to.namedParameters()) tidy(() => p.setData(src.get(k)!.data()));
}

/** A fixed batch: images and 1-2 boxes per image (padded with -1 rows), on `device`. */
function batch(device: string): { x: Tensor; gt: Tensor; ids: Tensor } {
  manualSeed(77);
  const [x, gt, ids] = keep([
    randn([4, 3, SIZE, SIZE]).to(device),
    tensor([[[10, 10, 60, 70], [50, 40, 120, 110]], [[0, 0, 127, 127], [-1, -1, -1, -1]], [[30, 20, 90, 100], [-1, -1, -1, -1]], [[5, 60, 50, 120], [70, 5, 125, 50]]], { dtype: 'float32', device }),
    tensor([[0, 3], [1, -1], [4, -1], [2, 2]], { dtype: 'int64', device }),
  ]);
  return { x: x!, gt: gt!, ids: ids! };
}

/** `steps` SGD steps; the losses before each update. `amp`: the forward pass under createAmp's autocast. */
function train(net: SSD, device: string, steps: number, amp: 'off' | 'float16' | 'bfloat16' = 'off'): number[] {
  net.resetDevice(device);
  net.train();
  const trainer = new Trainer(net.collectParams(), 'sgd', { learningRate: 0.01, momentum: 0.9, wd: 5e-4 });
  const a = createAmp({ device, enabled: amp !== 'off', dtype: amp === 'off' ? undefined : amp });
  const gen = new SSDTargetGenerator({ negativeMiningRatio: -1 });
  const lossFn = new SSDMultiBoxLoss();
  const { x, gt, ids } = batch(device);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    losses.push(tidy(() => {
      const [cls, box, anchors] = a.autocast(() => net.forwardTrain(x));
      if (amp !== 'off') assert.equal(cls.dtype, amp, 'predictions come out of the autocast convs in the amp dtype');
      const t = noGrad(() => gen.generate(anchors.float(), null, gt, ids));
      const total = lossFn.compute(cls.float(), box.float(), t.clsTargets, t.boxTargets).sum.sum();
      a.backward(total);
      a.step(trainer, 4);
      return total.item();
    }));
  }
  for (const t of [x, gt, ids]) t.dispose();
  trainer.dispose();
  return losses;
}

test('gpu: tensors and half dtypes go to the GPU and back unchanged; pinned async copies', { skip }, () => tidy(() => {
  const dev = parseDevice('cuda');
  const x = randn([3, 5]);
  const g = x.to(dev);
  assert.equal(g.device, dev);
  assertClose(g.mul(2).to('cpu'), x.mul(2).toArray(), 0, 0, 'x * 2');
  for (const d of ['float16', 'bfloat16'] as const) assert.deepEqual(x.to(d).to(dev).to('cpu').toTypedArray(), x.to(d).toTypedArray(), d);
  const p = pinMemory(x);
  assertClose(toDeviceAsync(p, dev).to('cpu'), x.toArray(), 0, 0, 'pinned copy');
  const y = withAutocast(dev, 'float16', () => g.matmul(g.transpose(0, 1)));
  assert.equal(y.dtype, 'float16');
}));

test('gpu: parameter files and checkpoints written from the GPU load on the CPU and back', { skip }, () => {
  const dev = parseDevice('cuda');
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-gpu-'));
  const onGpu = demoNet(1).resetDevice(dev);
  const cpu = demoNet(2);
  const back = demoNet(3).resetDevice(dev);
  try {
    saveParameters(join(dir, 'p.safetensors'), onGpu);
    loadParameters(join(dir, 'p.safetensors'), cpu);
    const want = new Map(onGpu.namedParameters());
    for (const [k, p] of cpu.namedParameters()) {
      assert.equal(p.data().device, 'cpu', k);
      tidy(() => assert.ok(p.data().equal(want.get(k)!.data().to('cpu')), k));
    }
    saveCheckpoint(join(dir, 'c.ckpt'), { net: cpu, epoch: 3 });
    loadCheckpoint(join(dir, 'c.ckpt'), { net: back });
    for (const [k, p] of back.namedParameters()) {
      assert.equal(p.data().device, dev, k);
      tidy(() => assert.ok(p.data().to('cpu').equal(want.get(k)!.data().to('cpu')), k));
    }
  } finally {
    for (const n of [onGpu, cpu, back]) n.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gpu: SGD steps of the demo SSD match the CPU run within float32 noise (TF32 off)', { skip }, () => {
  setAllowTF32(false);
  try {
    const ref = demoNet(5);
    const gpu = demoNet(6);
    copyWeights(ref, gpu);
    const onCpu = train(ref, 'cpu', 4);
    const onGpu = train(gpu, parseDevice('cuda'), 4);
    // the first loss is one forward pass: summation order only; later ones carry 1-3 updates of that noise
    assertClose(onGpu.slice(0, 1), onCpu.slice(0, 1), 1e-5, 1e-6, 'step-0 loss');
    assertClose(onGpu, onCpu, 1e-3, 1e-5, 'losses');
    assert.ok(onCpu[3]! < onCpu[0]!, `training lowers the loss (${onCpu.join(', ')})`);
    ref.dispose();
    gpu.dispose();
  } finally {
    setAllowTF32(true);
  }
});

test('gpu: --amp steps (float16 with loss scaling, bfloat16) stay finite and near the float32 loss', { skip }, () => {
  const dev = parseDevice('cuda');
  const base = demoNet(8);
  const copies = (['float16', 'bfloat16'] as const).map((dtype) => {
    const net = demoNet(9);
    copyWeights(base, net);
    return [dtype, net] as const;
  });
  const fp32 = train(base, dev, 1);
  for (const [dtype, net] of copies) {
    const losses = train(net, dev, 4, dtype);
    assert.ok(losses.every(Number.isFinite), `${dtype}: ${losses.join(', ')}`);
    assertClose(losses.slice(0, 1), fp32, 3e-2, 1e-3, `${dtype} step-0 loss vs float32`);
    net.dispose();
  }
  base.dispose();
});

test('cpu: the same --amp training path with bfloat16 autocast (the CPU autocast dtype) stays near float32', () => {
  const base = demoNet(10);
  const net = demoNet(11);
  copyWeights(base, net);
  const fp32 = train(base, 'cpu', 1);
  const bf16 = train(net, 'cpu', 2, 'bfloat16');
  assert.ok(bf16.every(Number.isFinite), bf16.join(', '));
  assertClose(bf16.slice(0, 1), fp32, 3e-2, 1e-3, 'bfloat16 step-0 loss vs float32');
  base.dispose();
  net.dispose();
});
