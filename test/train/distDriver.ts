// A worker process for test/train/distributed.test.ts: joins a 2-rank Gloo group from torchrun's environment and
// runs one scenario, printing one JSON line of results (or the error's message) for the test to check.
import { fromTypedArray, initProcessGroup, tidy } from '../../src/tensor/index.js';

const rank = Number(process.env.RANK);
const worldSize = Number(process.env.WORLD_SIZE);
const scenario = process.argv[2];
const timeoutMs = Number(process.env.SSDKIT_DIST_TIMEOUT ?? 20) * 1000;

function main(): unknown {
  const pg = initProcessGroup({ masterAddr: '127.0.0.1', masterPort: Number(process.env.MASTER_PORT), rank, worldSize, timeoutMs });
  if (scenario === 'collectives') {
    return tidy(() => {
      const a = fromTypedArray(new Float32Array([rank + 1, 10 * (rank + 1), -rank]), [3], { copy: true });
      pg.allReduce([a], 'sum');
      const avg = fromTypedArray(new Float64Array([rank, 2 * rank]), [2], { copy: true });
      pg.allReduce([avg], 'avg');
      const mx = fromTypedArray(new Float32Array([rank, -rank]), [2], { copy: true });
      pg.allReduce([mx], 'max');
      const b = fromTypedArray(new Float32Array([rank + 5, rank + 6]), [2], { copy: true });
      pg.broadcast([b], 1);
      const g = pg.allGather(fromTypedArray(new Int32Array([rank, rank * 7]), [2], { copy: true })).map((t) => t.toArray());
      const objects = pg.allGatherObject({ rank, text: 'x'.repeat(rank * 1000 + 1) }).map((o) => [o.rank, o.text.length]);
      pg.barrier();
      pg.destroy();
      return { sum: a.toArray(), avg: avg.toArray(), max: mx.toArray(), broadcast: b.toArray(), gather: g, objects };
    });
  }
  if (scenario === 'peer-dies') {
    pg.barrier();
    if (rank === 1) process.exit(3);
    const t0 = Date.now();
    try {
      for (let i = 0; i < 100; i++) tidy(() => pg.allReduce([fromTypedArray(new Float32Array(1000), [1000], { copy: true })], 'sum'));
      return { error: null };
    } catch (e) {
      return { error: (e as Error).message, seconds: (Date.now() - t0) / 1000 };
    }
  }
  if (scenario === 'peer-hangs') {
    pg.barrier();
    if (rank === 1) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, timeoutMs + 4000); // alive but silent
      return { error: null };
    }
    const t0 = Date.now();
    try {
      tidy(() => pg.allReduce([fromTypedArray(new Float32Array(10), [10], { copy: true })], 'sum'));
      return { error: null };
    } catch (e) {
      return { error: (e as Error).message, seconds: (Date.now() - t0) / 1000 };
    }
  }
  throw new Error(`unknown scenario ${scenario}`);
}

try {
  console.log(JSON.stringify(main()));
} catch (e) {
  console.log(JSON.stringify({ error: (e as Error).message }));
}
