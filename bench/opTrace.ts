// An op-level trace of ssdkit's SSD300 VGG16 training step (profileOps: libtorch's profiler, Chrome trace), to
// compare op by op with PyTorch's (bench/op_profile.py records torchvision's and prints the comparison):
//
//   node dist/bench/opTrace.js --batch 1 --steps 3 --out /tmp/ssdkit.json [--isa avx2]
//   /usr/bin/python3 bench/op_profile.py record --batch 1 --steps 3 --out /tmp/torch.json [--isa avx2]
//   python3 bench/op_profile.py compare /tmp/ssdkit.json /tmp/torch.json --steps 3
//
// Same network, init scale and targets as `npm run bench`'s train cases; two warm-up steps are not traced.
// The profiler adds a few microseconds per op, so op counts matter as much as the times.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromTypedArray, keep, manualSeed, noGrad, profileOps, randn, tidy, zeros } from '../src/tensor/index.js';
import { getModel } from '../src/models/index.js';
import { SSDMultiBoxLoss, SSDTargetGenerator } from '../src/detection/index.js';
import { Trainer } from '../src/nn/index.js';
import { reexecForIsa, requestedIsa } from './isa.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

function main(): void {
  const forced = reexecForIsa(requestedIsa(process.argv));
  if (forced !== null) process.exit(forced);
  const batch = Number(arg('--batch', '1')), steps = Number(arg('--steps', '3')), out = arg('--out', join(tmpdir(), 'ssdkit-trace.json'));
  manualSeed(0);
  const net = getModel('ssd_300_vgg16_atrous_voc', { pretrainedBase: false });
  net.train();
  noGrad(() => tidy(() => void net.forwardTrain(zeros([1, 3, 300, 300]))));
  const trainer = new Trainer(net.collectParams(), 'sgd', { learningRate: 1e-3, momentum: 0.9, wd: 5e-4 });
  const gen = new SSDTargetGenerator({ negativeMiningRatio: -1 });
  const lossFn = new SSDMultiBoxLoss();
  const x = keep(tidy(() => randn([batch, 3, 300, 300]).div(57.4)));
  const boxes = Array.from({ length: batch }, () => [0.1, 0.1, 0.5, 0.6, 0.3, 0.2, 0.9, 0.8]).flat();
  const gt = keep(fromTypedArray(new Float32Array(boxes), [batch, 2, 4]));
  const ids = keep(fromTypedArray(new Float32Array(Array.from({ length: batch }, () => [3, 7]).flat()), [batch, 2, 1]));
  const step = () => tidy(() => {
    const [cls, box, anchors] = net.forwardTrain(x);
    const t = noGrad(() => gen.generate(anchors, null, gt, ids));
    lossFn.compute(cls, box, t.clsTargets, t.boxTargets).sum.sum().backward();
    trainer.step(1);
  });
  step();
  step();
  const t0 = performance.now();
  profileOps(out, () => {
    for (let i = 0; i < steps; i++) step();
  });
  console.log(`ssdkit: ${steps} traced train-b${batch} steps, ${((performance.now() - t0) / steps).toFixed(0)} ms each (with the profiler) -> ${out}`);
}

main();
