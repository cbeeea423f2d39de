// Entry point of a loader worker thread (spec §7.3 num_workers): receives the transform spec once, then
// records with seeds; answers each with the sample's fields (fresh buffers transferred, not copied) or an error.
import { parentPort, workerData } from 'node:worker_threads';
import { makeSampleRunner, type SampleOutcome } from './sampleRunner.js';
import { isRetained, type TransformSpec } from './workerTransform.js';
import type { DetectionRecord } from './types.js';

export interface WorkerInit {
  spec: TransformSpec;
  maxPixels?: number;
}

export type WorkerRequest = { id: number; record: DetectionRecord; seed: number };
export type WorkerReply = { type: 'ready' } | { type: 'initError'; message: string } | ({ type: 'result'; id: number } & SampleOutcome);

const port = parentPort;
if (!port) throw new Error('loaderWorker.js must run in a worker thread');
const init = workerData as WorkerInit;

const runner = makeSampleRunner(init.spec, init.maxPixels);
runner.then(
  () => port.postMessage({ type: 'ready' } satisfies WorkerReply),
  (err: unknown) => port.postMessage({ type: 'initError', message: err instanceof Error ? err.message : String(err) } satisfies WorkerReply),
);

// Two samples at a time: one decodes (libvips, off this thread) while the other is augmented here.
const queue: WorkerRequest[] = [];
let active = 0;
const CONCURRENCY = 2;

async function process1(req: WorkerRequest): Promise<void> {
  let out: SampleOutcome;
  try {
    out = await (await runner)(req.record, req.seed);
  } catch (err) {
    out = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  const reply: WorkerReply = { type: 'result', id: req.id, ...out };
  // Fresh buffers move to the main thread; a transform's kept ones (retainBuffer) are copied by postMessage.
  const movable = out.ok ? out.fields.filter((f) => !isRetained(f.data)).map((f) => f.data.buffer as ArrayBuffer) : [];
  port!.postMessage(reply, [...new Set(movable)]);
}

function pump(): void {
  while (active < CONCURRENCY && queue.length > 0) {
    const req = queue.shift()!;
    active++;
    void process1(req).finally(() => {
      active--;
      pump();
    });
  }
}

port.on('message', (req: WorkerRequest) => {
  queue.push(req);
  pump();
});
