// The per-sample work of a loader (spec §7.3, moved into workers per gluon-cv #85/PR #99): decode a record,
// run the transform with the sample's own seeded generator, report success or a message naming the record.
// The same code runs in worker threads (loaderWorker.ts) and in-process (numWorkers 0).
import { Random } from './random.js';
import { readSample, describeRecord } from './sample.js';
import { loadModuleRef, type SampleTransform, type TransformSpec } from './workerTransform.js';
import type { DetectionRecord, Field } from './types.js';

export type SampleOutcome =
  | { ok: true; fields: Field[]; width: number; height: number }
  | { ok: false; error: string };

export type SampleRunner = (record: DetectionRecord, seed: number) => Promise<SampleOutcome>;

export async function makeSampleRunner(spec: TransformSpec, maxPixels: number | undefined): Promise<SampleRunner> {
  const transform = await loadModuleRef<SampleTransform>(spec);
  if (typeof transform !== 'function') throw new Error(`${spec.module} ${spec.export}(options) did not return a function`);
  return async (record, seed) => {
    try {
      const rng = new Random(seed);
      const known = transform.fromRecord?.(record, rng);
      if (known !== undefined) return { ok: true, ...known };
      const sample = await readSample(record, maxPixels === undefined ? {} : { maxPixels });
      const fields = await transform(sample, rng);
      for (const f of fields) {
        const n = f.shape.reduce((a, b) => a * b, 1);
        if (!(f.data instanceof Float32Array) || f.data.length !== n) throw new Error(`transform returned a field of shape [${f.shape}] with ${f.data?.length} values`);
      }
      return { ok: true, fields, width: sample.image.width, height: sample.image.height };
    } catch (err) {
      const m = err instanceof Error ? err.message : String(err);
      return { ok: false, error: m.includes(record.imagePath) ? m : `${describeRecord(record)}: ${m}` };
    }
  };
}
