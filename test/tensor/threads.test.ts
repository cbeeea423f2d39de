// Intra-op threads per JS thread: the main thread runs SSDKIT_THREADS; a worker thread (the data loader's) runs
// its libtorch ops on one, as PyTorch's DataLoader workers do, without changing the main thread's count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

test('threads: a worker thread computes on one intra-op thread, the main thread keeps SSDKIT_THREADS', () => {
  const native = new URL('../../src/tensor/native.js', import.meta.url).href;
  const probe = `import { Worker } from 'node:worker_threads';
    import { N } from '${native}';
    const count = () => [N.getNumThreads(), N.ops.parallelForThreads(8)];
    const before = count();
    const w = new Worker(\`import { parentPort } from 'node:worker_threads'; import { N } from '${native}';
      parentPort.postMessage([N.getNumThreads(), N.ops.parallelForThreads(8)]);\`, { eval: true, type: 'module' });
    w.on('message', (inWorker) => { console.log(JSON.stringify({ before, inWorker, after: count() })); void w.terminate(); });`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8', env: { ...process.env, SSDKIT_THREADS: '2' } });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { before: [2, 2], inWorker: [1, 1], after: [2, 2] }, '[getNumThreads, threads that ran 8 chunks]');
});

test('threads: a count below one is a RangeError naming the function once', async () => {
  const { N } = await import('../../src/tensor/native.js');
  assert.throws(() => N.setNumThreads(0), { name: 'RangeError', message: 'setNumThreads: need at least one thread' });
  assert.throws(() => N.setThreadNumThreads(0), { name: 'RangeError', message: 'setThreadNumThreads: need at least one thread' });
});
