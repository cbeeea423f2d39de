// profileOps (src/tensor/profile.ts, native/src/profiler.cc): the Chrome trace holds the ops the work ran, forward
// and autograd backward, with durations; the trace is written even when the work throws; one recording at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conv2d, noGrad, profileOps, randn, tidy, winogradAvailable, withConvAlgorithm } from '../../src/tensor/index.js';

interface TraceEvent { name: string; ph: string; dur: number; ts: number }

const read = (path: string) => (JSON.parse(readFileSync(path, 'utf8')) as TraceEvent[]).filter((e) => e.ph === 'X');

test('profileOps writes a Chrome trace of the forward and backward ops the work ran', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-profile-'));
  try {
    const path = join(dir, 'trace.json');
    const value = profileOps(path, () => tidy(() => {
      const x = randn([1, 3, 16, 16]).requiresGrad_();
      const y = conv2d(x, randn([4, 3, 3, 3]), null, { padding: 1 }).relu();
      y.sum().backward();
      return 42;
    }));
    assert.equal(value, 42);
    const events = read(path);
    const names = new Set(events.map((e) => e.name));
    for (const op of ['aten::conv2d', 'aten::relu', 'aten::threshold_backward', 'aten::convolution_backward']) assert.ok(names.has(op), `${op} in the trace (has ${[...names].slice(0, 12).join(', ')}...)`);
    assert.ok(events.every((e) => e.dur >= 0 && Number.isFinite(e.ts)));
    assert.ok(!names.has('aten::sigmoid'), 'only what ran');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("profileOps sees oneDNN's Winograd convolution, forward and backward", { skip: !winogradAvailable() && 'no oneDNN Winograd on this CPU' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-profile-'));
  try {
    const path = join(dir, 'trace.json');
    profileOps(path, () => withConvAlgorithm('winograd', () => tidy(() => {
      const w = randn([16, 16, 3, 3]).requiresGrad_();
      conv2d(randn([1, 16, 12, 12]), w, null, { padding: 1 }).sum().backward();
      noGrad(() => conv2d(randn([1, 16, 12, 12]), w, null, { padding: 1 }));
    })));
    const events = read(path);
    assert.equal(events.filter((e) => e.name === 'ssdkit::winograd_conv2d').length, 2, 'both forwards (with and without gradient)');
    assert.ok(events.some((e) => /WinogradConv2dFn/.test(e.name)), 'and its backward');
    assert.ok(!events.some((e) => e.name === 'aten::convolution_backward'), 'not the direct kernels');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('profileOps writes the trace when the work throws, and refuses a nested recording', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-profile-'));
  try {
    const path = join(dir, 'trace.json');
    assert.throws(() => profileOps(path, () => {
      tidy(() => randn([8]).exp());
      profileOps(join(dir, 'inner.json'), () => 0);
    }), /a recording is already running/);
    assert.ok(read(path).some((e) => e.name === 'aten::exp'), 'the outer trace was written');
    assert.throws(() => profileOps('', () => 0), /expected a file path/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
