// Checkpoints: a save/load round trip resumes training bit-for-bit (parameters, BatchNorm statistics, momentum,
// update counts, schedule, epoch, RNG), files are written atomically, and damaged or mismatched files give
// precise errors without touching the model.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Tensor, randn, tidy, manualSeed, zeros } from '../../src/tensor/index.js';
import {
  Block, Conv2D, BatchNorm, L2Normalization, Dense, L2Loss, Trainer, MultiStepEpochDecay, Parameter, init,
  saveCheckpoint, loadCheckpoint, saveParameters, loadParameters, describeParameterFile, CheckpointError,
} from '../../src/nn/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ssdkit-nn-ckpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

class Tiny extends Block {
  readonly conv: Conv2D;
  readonly bn: BatchNorm;
  readonly norm: L2Normalization;
  readonly dense: Dense;
  readonly extra: Conv2D | null;
  readonly scale: Parameter;
  constructor(channels = 4, withExtra = false) {
    super();
    this.scale = this.constant('scale', [[[[2]], [[3]], [[4]]]]);
    const b = this.nameScope(() => ({
      conv: new Conv2D({ channels, inChannels: 3, kernelSize: 3, padding: 1, weightInitializer: init.Xavier({ rndType: 'gaussian', factorType: 'out', magnitude: 2 }) }),
      bn: new BatchNorm({ inChannels: channels }),
      norm: new L2Normalization({ channels, initial: 5 }),
      dense: new Dense({ units: 2, inUnits: channels }),
      extra: withExtra ? new Conv2D({ channels: 1, inChannels: 1, kernelSize: 1 }) : null,
    }));
    this.conv = this.registerChild('conv', b.conv);
    this.bn = this.registerChild('bn', b.bn);
    this.norm = this.registerChild('norm', b.norm);
    this.dense = this.registerChild('dense', b.dense);
    this.extra = b.extra ? this.registerChild('extra', b.extra) : null;
  }
  forward(x: Tensor): Tensor {
    const f = this.norm.forward(this.bn.forward(this.conv.forward(x.mul(this.scale.data()))).relu());
    return this.dense.forward(f.mean([2, 3]));
  }
}

function trainEpoch(net: Tiny, trainer: Trainer, schedule: MultiStepEpochDecay, epoch: number): void {
  trainer.setLearningRate(schedule.lrAt(epoch));
  tidy(() => {
    const x = randn([2, 3, 5, 5]);
    new L2Loss().forward(net.forward(x), zeros([2, 2]).add(1)).sum().backward();
  });
  trainer.step(2);
}

function snapshot(net: Block): Map<string, number[]> {
  return new Map([...net.namedParameters()].map(([k, p]) => [k, p.data().toArray()]));
}

function setup(seed: number, channels = 4, withExtra = false): { net: Tiny; trainer: Trainer; schedule: MultiStepEpochDecay } {
  manualSeed(seed);
  const net = new Tiny(channels, withExtra).initialize().train();
  const trainer = new Trainer(net.collectParams(), 'sgd', { learningRate: 0.1, momentum: 0.9, wd: 5e-4 });
  return { net, trainer, schedule: new MultiStepEpochDecay({ baseLr: 0.1, steps: [2], factor: 0.1 }) };
}

const CKPT = join(dir, 'tiny.safetensors');

test('a checkpoint round trip resumes training exactly: params, BN stats, momentum, counts, schedule, epoch, RNG', () => {
  const a = setup(1);
  const b = setup(77); // a second model: different MXNet prefix (tiny1_) and different values
  try {
    trainEpoch(a.net, a.trainer, a.schedule, 0);
    trainEpoch(a.net, a.trainer, a.schedule, 1);
    saveCheckpoint(CKPT, { net: a.net, trainer: a.trainer, schedule: a.schedule, epoch: 2, extra: { bestMap: 0.25 } });
    assert.deepEqual(readdirSync(dir), ['tiny.safetensors'], 'no temporary file left behind');
    const saved = snapshot(a.net);
    // the uninterrupted run: epoch 2 (lr decays to 0.01) and one more draw
    trainEpoch(a.net, a.trainer, a.schedule, 2);
    const continued = snapshot(a.net);
    const nextDraw = tidy(() => randn([4]).toArray());

    assert.equal(b.net.prefix, 'tiny1_');
    manualSeed(999);
    const info = loadCheckpoint(CKPT, { net: b.net, trainer: b.trainer, schedule: b.schedule });
    assert.deepEqual(info, { epoch: 2, extra: { bestMap: 0.25 }, hasTrainer: true, hasSchedule: true, hasRng: true });
    assert.deepEqual(snapshot(b.net), saved, 'parameters and running statistics restored');
    assert.equal(b.trainer.optimizer.numUpdate, 2);
    assert.equal(b.trainer.optimizer.updateCount(b.trainer.params.indexOf(b.net.conv.weight)), 2);
    assert.equal(b.trainer.optimizer.updateCount(b.trainer.params.indexOf(b.net.scale)), 0, "constants are not updated");
    assert.deepEqual(b.schedule.stateDict(), { baseLr: 0.1, steps: [2], factor: 0.1, epoch: 1 });

    trainEpoch(b.net, b.trainer, b.schedule, info.epoch);
    assert.deepEqual(snapshot(b.net), continued, 'the resumed step equals the uninterrupted one (momentum and RNG restored)');
    assert.deepEqual(tidy(() => randn([4]).toArray()), nextDraw);
  } finally {
    for (const s of [a, b]) {
      s.trainer.dispose();
      s.net.dispose();
    }
  }
});

test('saving again replaces the file whole', () => {
  const a = setup(2);
  try {
    saveCheckpoint(CKPT, { net: a.net, epoch: 7, rng: false });
    const info = loadCheckpoint(CKPT, { net: a.net });
    assert.deepEqual(info, { epoch: 7, extra: {}, hasTrainer: false, hasSchedule: false, hasRng: false });
    assert.deepEqual(readdirSync(dir), ['tiny.safetensors']);
    saveCheckpoint(CKPT, { net: a.net, trainer: a.trainer, epoch: 8 });
    assert.equal(loadCheckpoint(CKPT, { net: a.net, trainer: a.trainer }).epoch, 8);
  } finally {
    a.trainer.dispose();
    a.net.dispose();
  }
});

/** The absolute byte range of a tensor's data in a safetensors file. */
function dataRange(bytes: Buffer, name: string): [number, number] {
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  const [b, e] = header[name].data_offsets as [number, number];
  return [8 + n + b, 8 + n + e];
}

test('damaged files are reported precisely and leave the model untouched', () => {
  const a = setup(3);
  const b = setup(4);
  try {
    trainEpoch(a.net, a.trainer, a.schedule, 0);
    saveCheckpoint(CKPT, { net: a.net, trainer: a.trainer, schedule: a.schedule, epoch: 1 });
    const good = readFileSync(CKPT);
    const before = snapshot(b.net);

    const flipped = Buffer.from(good);
    const [s, e] = dataRange(flipped, 'param/conv.weight');
    flipped[(s + e) >> 1] ^= 0x40;
    const bad = join(dir, 'flipped.safetensors');
    writeFileSync(bad, flipped);
    assert.throws(
      () => loadCheckpoint(bad, { net: b.net, trainer: b.trainer }),
      (err: unknown) => err instanceof CheckpointError && /flipped\.safetensors is corrupted:\n {2}'param\/conv\.weight' does not match its SHA-256 digest$/.test(err.message),
    );

    const cut = join(dir, 'truncated.safetensors');
    writeFileSync(cut, good.subarray(0, good.length - 100));
    assert.throws(() => loadCheckpoint(cut, { net: b.net }), /truncated\.safetensors is corrupted or truncated \(.*not a valid safetensors file/);
    writeFileSync(cut, Buffer.from('not a checkpoint at all'));
    assert.throws(() => loadCheckpoint(cut, { net: b.net }), /corrupted or truncated/);
    assert.throws(() => loadCheckpoint(join(dir, 'absent.safetensors'), { net: b.net }), /absent\.safetensors: no such file/);

    assert.deepEqual(snapshot(b.net), before, 'nothing was loaded');
    rmSync(bad);
    rmSync(cut);
  } finally {
    for (const s of [a, b]) {
      s.trainer.dispose();
      s.net.dispose();
    }
  }
});

test('a checkpoint that does not fit the model lists every difference, and nothing is loaded', () => {
  const a = setup(5);
  const other = setup(6, 5, true); // conv has 5 channels and there is an extra layer
  const adamNet = setup(7);
  const adam = new Trainer(adamNet.net.collectParams(), 'adam');
  try {
    trainEpoch(a.net, a.trainer, a.schedule, 0);
    saveCheckpoint(CKPT, { net: a.net, trainer: a.trainer, epoch: 1 });
    const before = snapshot(other.net);
    let err: CheckpointError | null = null;
    try {
      loadCheckpoint(CKPT, { net: other.net, schedule: other.schedule });
    } catch (e) {
      err = e as CheckpointError;
    }
    assert.ok(err instanceof CheckpointError, 'throws a CheckpointError');
    assert.deepEqual(err.problems, [
      'parameters: missing from the file (2): extra.weight, extra.bias',
      'parameters: shape mismatch for conv.weight: file [4, 3, 3, 3], model [5, 3, 3, 3]',
      'parameters: shape mismatch for conv.bias: file [4], model [5]',
      'parameters: shape mismatch for bn.gamma: file [4], model [5]',
      'parameters: shape mismatch for bn.beta: file [4], model [5]',
      'parameters: shape mismatch for bn.runningMean: file [4], model [5]',
      'parameters: shape mismatch for bn.runningVar: file [4], model [5]',
      'parameters: shape mismatch for norm.scale: file [1, 4, 1, 1], model [1, 5, 1, 1]',
      'parameters: shape mismatch for dense.weight: file [2, 4], model [2, 5]',
      'schedule: the checkpoint has no schedule state',
    ]);
    assert.match(err.message, /^checkpoint .*tiny\.safetensors does not match the model:\n {2}parameters: missing/);
    assert.deepEqual(snapshot(other.net), before, 'nothing was loaded');

    assert.throws(() => loadCheckpoint(CKPT, { net: adamNet.net, trainer: adam }), /trainer: optimizer is 'sgd' in the checkpoint, 'adam' here/);
    saveCheckpoint(CKPT, { net: a.net, epoch: 1 });
    assert.throws(() => loadCheckpoint(CKPT, { net: a.net, trainer: a.trainer }), /trainer: the checkpoint has no optimizer state/);
  } finally {
    adam.dispose();
    for (const s of [a, other, adamNet]) {
      s.trainer.dispose();
      s.net.dispose();
    }
  }
});

test('saveParameters/loadParameters: structural names, allowMissing and ignoreExtra', () => {
  const a = setup(8);
  const b = setup(9);
  const big = setup(10, 4, true);
  const path = join(dir, 'tiny.params.safetensors');
  try {
    saveParameters(path, a.net);
    assert.deepEqual(
      describeParameterFile(path).map((d) => d.name),
      ['bn.beta', 'bn.gamma', 'bn.runningMean', 'bn.runningVar', 'conv.bias', 'conv.weight', 'dense.bias', 'dense.weight', 'norm.scale', 'scale'],
    );
    loadParameters(path, b.net);
    assert.deepEqual(snapshot(b.net), snapshot(a.net));
    assert.throws(() => loadParameters(path, big.net), /missing from the file \(2\): extra\.weight, extra\.bias/);
    loadParameters(path, big.net, { allowMissing: true });
    assert.deepEqual(big.net.conv.weight.data().toArray(), a.net.conv.weight.data().toArray());
    saveParameters(path, big.net);
    assert.throws(() => loadParameters(path, a.net), /not in the model \(2\): extra\.bias, extra\.weight/);
    loadParameters(path, a.net, { ignoreExtra: true });
    // a checkpoint's parameters load too
    saveCheckpoint(CKPT, { net: b.net, epoch: 0 });
    loadParameters(CKPT, a.net);
    rmSync(path);
  } finally {
    for (const s of [a, b, big]) {
      s.trainer.dispose();
      s.net.dispose();
    }
  }
});
