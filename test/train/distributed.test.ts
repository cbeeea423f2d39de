// Data-parallel training (issue 14): c10d collectives between processes over 127.0.0.1, DistributedSampler shards,
// the global batch's positives in batch-wise normalization, sharded validation, and `ssdkit train
// --nproc-per-node 2` against one process: same best weights, a dying rank reported by the other, checkpoints
// that resume with another number of processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initProcessGroup, manualSeed, randn, tensor, tidy } from '../../src/tensor/index.js';
import { shardOrder, makeSyntheticVOC, VOCDetection, SYNTH_CLASSES } from '../../src/data/index.js';
import { SSDMultiBoxLoss } from '../../src/detection/index.js';
import { validate, type ValidationShard } from '../../src/train/validate.js';
import { buildFromSpec, demoPreset } from '../../src/train/modelSpec.js';
import { freePort } from '../helpers.js';

const DRIVER = fileURLToPath(new URL('./distDriver.js', import.meta.url));

function rankEnv(rank: number, port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), SSDKIT_THREADS: '1', ...extra };
}

/** Runs a command, resolving with its exit code and output. */
function run(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args, { env, cwd });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function driverPair(scenario: string, extra: Record<string, string> = {}): Promise<any[]> {
  const port = await freePort();
  const outs = await Promise.all([0, 1].map((r) => run([DRIVER, scenario], rankEnv(r, port, extra))));
  return outs.map((o) => (o.stdout.trim() ? JSON.parse(o.stdout.trim().split('\n').at(-1)!) : { code: o.code, stderr: o.stderr }));
}

test('collectives between 2 processes: allreduce sum/avg/max, broadcast from rank 1, allgather, allGatherObject, barrier', async () => {
  const [a, b] = await driverPair('collectives');
  for (const r of [a, b]) {
    assert.deepEqual(r.sum, [3, 30, -1]);
    assert.deepEqual(r.avg, [0.5, 1]);
    assert.deepEqual(r.max, [1, 0]);
    assert.deepEqual(r.broadcast, [6, 7]);
    assert.deepEqual(r.gather, [[0, 0], [1, 7]]);
    assert.deepEqual(r.objects, [[0, 1], [1, 1001]]);
  }
});

test('a rank that dies makes the other fail with an error naming its rank and the collective, within the timeout', async () => {
  const [a] = await driverPair('peer-dies');
  assert.match(a.error, /^rank 0 of 2: allreduce: /);
  assert.ok(a.seconds < 20, `failed after ${a.seconds} s`);
});

test('a rank that stops answering makes the collective time out with an error naming the rank', async () => {
  const [a] = await driverPair('peer-hangs', { SSDKIT_DIST_TIMEOUT: '3' });
  assert.match(a.error, /^rank 0 of 2: allreduce: .*[Tt]imed out/);
  assert.ok(a.seconds >= 2.5 && a.seconds < 15, `failed after ${a.seconds} s`);
});

test('a rendezvous port in use is reported with the rank, the address and the port', async () => {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as { port: number }).port;
  try {
    assert.throws(() => initProcessGroup({ masterAddr: '127.0.0.1', masterPort: port, rank: 0, worldSize: 2, timeoutMs: 2000 }), (e: Error) => {
      assert.match(e.message, new RegExp(`^rank 0 of 2: init_process_group\\(gloo, 127\\.0\\.0\\.1:${port}\\): `));
      return true;
    });
  } finally {
    server.close();
  }
});

test('shards: DistributedSampler split — same order on every rank, padded with its start, disjoint, covering', () => {
  const order = [9, 3, 7, 1, 0, 5, 8, 2, 6, 4];
  const shards = [0, 1, 2].map((rank) => shardOrder(order, { rank, worldSize: 3, pad: true }));
  assert.deepEqual(shards.map((s) => s.indices), [[9, 1, 8, 4], [3, 0, 2, 9], [7, 5, 6, 3]]);
  assert.deepEqual(shards.map((s) => s.positions), [[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]]);
  const unpadded = [0, 1, 2].map((rank) => shardOrder(order, { rank, worldSize: 3, pad: false }).indices);
  assert.deepEqual(unpadded.flat().sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'without padding: disjoint and covering');
  for (let n = 1; n < 12; n++) {
    const o = Array.from({ length: n }, (_, i) => i);
    const parts = [0, 1].map((rank) => shardOrder(o, { rank, worldSize: 2, pad: true }).indices);
    assert.equal(parts[0]!.length, parts[1]!.length, `n=${n}: equal shares`);
    assert.deepEqual([...new Set(parts.flat())].sort((x, y) => x - y), o, `n=${n}: covering`);
  }
  assert.throws(() => shardOrder(order, { rank: 2, worldSize: 2, pad: true }), /rank must be in \[0, worldSize\)/);
});

test("tip 1 across ranks: batch-wise loss over halves normalized by the global batch's positives sums to the whole batch's loss and gradient", () => {
  tidy(() => {
    manualSeed(5);
    const B = 4, N = 30, C1 = 4;
    const cls = randn([B, N, C1]).requiresGrad_();
    const box = randn([B, N, 4]).requiresGrad_();
    // very unequal positives per image: 1, 9, 0, 4
    const targets = tensor([1, 9, 0, 4].map((k, b) => Array.from({ length: N }, (_, n) => (n < k ? 1 + ((n + b) % 3) : 0))), { dtype: 'int64' });
    const boxT = randn([B, N, 4]);
    const loss = new SSDMultiBoxLoss();
    const whole = loss.compute(cls, box, targets, boxT);
    whole.sum.sum().backward();
    const gWhole = [cls.grad!.clone(), box.grad!.clone()];
    cls.grad!.zero_();
    box.grad!.zero_();
    const positives = 14;
    let parts = 0;
    for (const [s, n] of [[0, 2], [2, 2]] as const) {
      const l = loss.compute(cls.narrow(0, s, n), box.narrow(0, s, n), targets.narrow(0, s, n), boxT.narrow(0, s, n), { batchPositives: positives });
      parts += l.sum.sum().item();
      l.sum.sum().backward();
    }
    assert.ok(Math.abs(parts - whole.sum.sum().item()) < 1e-5 * Math.abs(parts), `${parts} vs ${whole.sum.sum().item()}`);
    assert.ok(cls.grad!.sub(gWhole[0]!).abs().max().item() < 1e-7);
    assert.ok(box.grad!.sub(gWhole[1]!).abs().max().item() < 1e-7);
    // Normalized by its own 10 positives instead, the first half's loss is 14/10 of its share of the global one.
    const half = (o: { batchPositives?: number }) => loss.compute(cls.narrow(0, 0, 2), box.narrow(0, 0, 2), targets.narrow(0, 0, 2), boxT.narrow(0, 0, 2), o).sum.sum().item();
    assert.ok(Math.abs(half({}) - (half({ batchPositives: positives }) * positives) / 10) < 1e-5 * half({}));
  });
});

test('sharded validation: each rank predicts its share, the gathered records give the one-process mAP', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssdkit-dval-'));
  try {
    await makeSyntheticVOC({ out: dir, images: 14, seed: 3 });
    const val = await VOCDetection.load(dir, ['2007/test', '2007/trainval'], { classes: SYNTH_CLASSES });
    manualSeed(1);
    const net = buildFromSpec({ name: 'ssd_256_mobilenet0.25_demo', preset: demoPreset(), classes: [...SYNTH_CLASSES] });
    const o = { dataShape: 128, batchSize: 3, collect: true };
    const whole = await validate(net, val, o);
    let share0: unknown = null;
    const rank0: ValidationShard = { rank: 0, worldSize: 2, gather: <T>(v: T) => ((share0 = v), [v, v] as T[]) };
    await validate(net, val, { ...o, shard: rank0 });
    let seen: unknown[] = [];
    const rank1: ValidationShard = { rank: 1, worldSize: 2, gather: <T>(v: T) => ((seen = [share0, v]), [share0 as T, v]) };
    const sharded = await validate(net, val, { ...o, shard: rank1 });
    const counts = seen.map((s) => (s as { records: unknown[] }).records.length);
    assert.deepEqual(counts, [Math.ceil(val.length / 2), Math.floor(val.length / 2)], 'each rank predicted its share only');
    assert.deepEqual(sharded.values, whole.values);
    assert.deepEqual(sharded.detections, whole.detections);
    assert.ok(whole.detections.some((d) => d.detections.length > 0), 'the untrained model still detects something to compare');
    net.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
