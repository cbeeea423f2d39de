// One rank of bench/dist.ts's allreduce measurement: SSD300's gradient count (26,285,486 float32) summed across
// the ranks of a Gloo group, as one flat tensor, reps times after a warm-up; prints the times (ms) as JSON.
import { initProcessGroup, ones, tidy } from '../src/tensor/index.js';
import { nowMs } from './timing.js';

const numel = Number(process.argv[2] ?? 26285486);
const reps = Number(process.argv[3] ?? 5);
const pg = initProcessGroup({ masterAddr: '127.0.0.1', masterPort: Number(process.env.MASTER_PORT), rank: Number(process.env.RANK), worldSize: Number(process.env.WORLD_SIZE) });
const t = ones([numel]); // libtorch's allocation, as the gradient buckets'
pg.allReduce([t], 'sum');
const ms: number[] = [];
for (let i = 0; i < reps; i++) {
  pg.barrier();
  const t0 = nowMs();
  pg.allReduce([t], 'sum');
  ms.push(nowMs() - t0);
}
const ok = tidy(() => t.narrow(0, 0, 1).item() === 2 ** (reps + 1));
pg.destroy();
console.log(JSON.stringify({ ms, ok }));
