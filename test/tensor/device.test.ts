// Device flags: parseDevice/parseGpus accept PyTorch's and GluonCV's forms, and name the flag when the value is
// malformed or asks for CUDA that this build or machine lacks; `ssdkit eval/detect --device cuda` fail that way
// before loading anything. The CUDA-only cases run on a GPU machine (scripts/gpu-check.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseDevice, parseGpus, cudaIsAvailable, cudaInfo, torchVersion, DeviceError, onDevice, tensor, tidy } from '../../src/tensor/index.js';
import { ROOT } from '../helpers.js';

const cuda = cudaIsAvailable();

test('parseDevice: cpu, and malformed values name the flag', () => {
  assert.equal(parseDevice('cpu'), 'cpu');
  for (const bad of ['gpu', 'cuda:', 'cuda:-1', 'cpu:0', 'CUDA', '']) {
    assert.throws(() => parseDevice(bad, '--device'), (e: Error) => e instanceof DeviceError && e.message.startsWith(`--device must be cpu, cuda or cuda:K`) && e.message.includes(`'${bad}'`), bad);
  }
});

test('parseGpus: GluonCV list form; malformed or repeated indices name the flag', () => {
  assert.deepEqual(parseGpus(''), []);
  assert.throws(() => parseGpus('0,a'), /^DeviceError: --gpus must be a comma-separated list of GPU indices/);
  assert.throws(() => parseGpus('1,1'), /--gpus 1,1: a GPU is listed twice/);
});

test('without CUDA: cuda devices and GPU lists are refused, naming the flag and the build', { skip: cuda && 'this build has CUDA' }, () => {
  assert.throws(() => parseDevice('cuda', '--device'), /--device cuda: this ssdkit build has no CUDA \(libtorch 1\.13\.\d+, CPU only;.*use --device cpu/);
  assert.throws(() => parseDevice('cuda:1'), /--device cuda:1: this ssdkit build has no CUDA/);
  assert.throws(() => parseGpus('0,1'), /--gpus 0,1: this ssdkit build has no CUDA/);
  const info = cudaInfo();
  assert.equal(info.available, false);
  assert.equal(info.runtime, null);
  assert.deepEqual(info.gpus, []);
  assert.ok(info.problem);
  assert.match(torchVersion(), /^\d+\.\d+\.\d+$/);
});

test('with CUDA: cuda means cuda:0 and indices past the last GPU are refused', { skip: !cuda && 'no CUDA in this build' }, () => {
  const n = cudaInfo().gpus.length;
  assert.equal(parseDevice('cuda'), 'cuda:0');
  assert.throws(() => parseDevice(`cuda:${n}`), new RegExp(`--device cuda:${n}: there (is|are) ${n} GPU`));
  assert.deepEqual(parseGpus('0'), [0]);
});

test('onDevice keeps a tensor already on the device', () => tidy(() => {
  const t = tensor([1, 2]);
  assert.equal(onDevice(t, 'cpu'), t);
}));

test('ssdkit eval/detect --device: a bad value is a usage error naming the flag (exit 2)', () => {
  const main = join(ROOT, 'dist', 'src', 'cli', 'main.js');
  for (const argv of [['eval', '--prefix', 'nowhere', '--device', 'gpu0'], ['detect', '--prefix', 'nowhere', 'x.jpg', '--device', cuda ? 'cuda:99' : 'cuda']]) {
    const r = spawnSync(process.execPath, [main, ...argv], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`ssdkit ${argv[0]}: --device `));
  }
});
