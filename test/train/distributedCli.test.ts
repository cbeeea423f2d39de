// `ssdkit train` with several processes (issue 14): --nproc-per-node 2 against one process on the same seed and
// global batch (VGG16-atrous, no BatchNorm), a rank killed mid-run, and checkpoints resumed with another number
// of processes. Each run is a few steps on a small synthetic set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSafetensors, tidy } from '../../src/tensor/index.js';
import { makeSyntheticVOC } from '../../src/data/index.js';
import { ROOT, freePort } from '../helpers.js';

const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

function train(args: string[], env: NodeJS.ProcessEnv = {}, onStart?: (p: ReturnType<typeof spawn>) => void): Promise<Ran> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, [MAIN, 'train', ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout!.on('data', (d) => (stdout += d));
    p.stderr!.on('data', (d) => (stderr += d));
    onStart?.(p);
    p.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr, seconds: (Date.now() - t0) / 1000 }));
  });
}

/** max |a - b| / max |b| over each tensor of two safetensors files whose name `pick` accepts; the worst tensor. */
function worstRelative(a: string, b: string, pick: (name: string) => boolean): { rel: number; name: string } {
  const ta = loadSafetensors(a).tensors;
  const tb = loadSafetensors(b).tensors;
  assert.deepEqual([...ta.keys()].sort(), [...tb.keys()].sort());
  let worst = { rel: 0, name: '' };
  for (const [name, x] of ta) {
    if (!pick(name)) continue;
    const rel = tidy(() => x.sub(tb.get(name)!).abs().max().item() / Math.max(tb.get(name)!.abs().max().item(), 1e-12));
    if (rel > worst.rel) worst = { rel, name };
  }
  for (const t of [...ta.values(), ...tb.values()]) t.dispose();
  return worst;
}

const dir = mkdtempSync(join(tmpdir(), 'ssdkit-dcli-'));
const data = join(dir, 'synth');
const common = ['--dataset', 'synth', '--dataset-root', data, '--num-workers', '0', '--seed', '7'];
test.before(async () => {
  await makeSyntheticVOC({ out: data, images: 24, seed: 11 });
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('2 processes with --batch-size 4 reach the parameters of 1 process with --batch-size 4 (VGG16-atrous SSD300)', async () => {
  const args = [...common, '--network', 'vgg16_atrous', '--epochs', '1', '--max-batches', '2', '--batch-size', '4', '--val-limit', '2'];
  const env = { SSDKIT_THREADS: '1', SSDKIT_CONV: 'direct' };
  const one = await train([...args, '--save-prefix', join(dir, 'one')], env);
  assert.equal(one.code, 0, one.stderr);
  const two = await train([...args, '--save-prefix', join(dir, 'two'), '--nproc-per-node', '2', '--master-port', String(await freePort())], env);
  assert.equal(two.code, 0, two.stderr);
  assert.equal((two.stdout.match(/best mAP/g) ?? []).length, 1, 'only rank 0 reports');
  const logOne = readFileSync(join(dir, 'one_train.jsonl'), 'utf8');
  const logTwo = readFileSync(join(dir, 'two_train.jsonl'), 'utf8');
  const epoch = (log: string) => JSON.parse(log.split('\n').find((l) => l.includes('"event":"epoch"'))!);
  assert.equal(epoch(logTwo).images, 8, 'the global images of 2 steps of 4');
  const [ce1, ce2] = [epoch(logOne).CrossEntropy, epoch(logTwo).CrossEntropy];
  assert.ok(Math.abs(ce1 - ce2) <= 1e-4 * Math.abs(ce1), `CrossEntropy of the global batch ${ce1} vs ${ce2}`);
  // A bias's gradient sums every position of every image (22,500 terms for a 75x75 layer at batch 4), and its
  // float32 rounding depends on how the batch is split between processes: on a Zen 3 with oneDNN's AVX2 kernels
  // conv3_3's bias came out 1.6e-3 apart (weights 1e-6); gradients summed instead of averaged would be 2x apart.
  const [oneFile, twoFile] = [join(dir, 'one_best.safetensors'), join(dir, 'two_best.safetensors')];
  const w = worstRelative(oneFile, twoFile, (name) => !name.endsWith('.bias'));
  assert.ok(w.rel <= 1e-4, `worst tensor ${w.name}: ${w.rel}`);
  const bias = worstRelative(oneFile, twoFile, (name) => name.endsWith('.bias'));
  assert.ok(bias.rel <= 1e-2, `worst bias ${bias.name}: ${bias.rel}`);
});

test('a rank killed mid-run ends the other with an error naming its rank and the collective, within the timeout', async () => {
  const port = await freePort();
  const args = [...common, '--network', 'demo', '--epochs', '50', '--batch-size', '4', '--val-interval', '100', '--dist-timeout', '30'];
  const env = (rank: number) => ({ RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), SSDKIT_THREADS: '1' });
  let victim: ReturnType<typeof spawn> | null = null;
  const survivor = train([...args, '--save-prefix', join(dir, 'kill')], env(0), (p) => {
    p.stderr!.on('data', (d: Buffer) => {
      if (victim && /epoch 0|\[epoch/.test(String(d)) && victim.exitCode === null) victim.kill('SIGKILL');
    });
  });
  const killed = train([...args, '--save-prefix', join(dir, 'kill')], env(1), (p) => (victim = p));
  const [r0, r1] = await Promise.all([survivor, killed]);
  assert.equal(r1.signal, 'SIGKILL');
  assert.notEqual(r0.code, 0);
  assert.match(r0.stderr, /rank 0 of 2: (allreduce|broadcast|allgather|barrier)[^\n]*(closed|reset|timed out|Timeout|Connection)/i);
});

test('a checkpoint of a 2-process run resumes in 1 process, and one of a 1-process run in 2 processes', async () => {
  const args = [...common, '--network', 'demo', '--max-batches', '2', '--batch-size', '4', '--val-limit', '2', '--save-interval', '1'];
  const first2 = await train([...args, '--epochs', '1', '--save-prefix', join(dir, 'r2'), '--nproc-per-node', '2', '--master-port', String(await freePort())]);
  assert.equal(first2.code, 0, first2.stderr);
  const then1 = await train([...args, '--epochs', '2', '--save-prefix', join(dir, 'r2'), '--resume', join(dir, 'r2_0000.ckpt')]);
  assert.equal(then1.code, 0, then1.stderr);
  assert.match(then1.stderr, /resumed from .*r2_0000\.ckpt \(epoch 0\); continuing at epoch 1/);
  assert.ok(existsSync(join(dir, 'r2_0001.ckpt')));
  const first1 = await train([...args, '--epochs', '1', '--save-prefix', join(dir, 'r1')]);
  assert.equal(first1.code, 0, first1.stderr);
  const then2 = await train([...args, '--epochs', '2', '--save-prefix', join(dir, 'r1'), '--resume', join(dir, 'r1_0000.ckpt'), '--nproc-per-node', '2', '--master-port', String(await freePort())]);
  assert.equal(then2.code, 0, then2.stderr);
  assert.equal((then2.stderr.match(/resumed from/g) ?? []).length, 1, 'rank 0 says it once');
  assert.ok(existsSync(join(dir, 'r1_0001.ckpt')));
});
