// How a loader's per-sample transform is named so that worker threads can load it (spec §7.3 / issue #85:
// decoding, augmentation and target generation run in the data workers). Functions cannot cross threads, so a
// transform is a module URL, the name of a factory it exports, and JSON/structured-clone-able options; each
// worker imports the module once and calls the factory to get its SampleTransform.
import type { Random } from './random.js';
import type { Sample } from './sample.js';
import type { DetectionRecord, Field } from './types.js';
import type { BatchifySpec } from './batchify.js';

/** A module export plus its options: `(await import(module))[export](options)`. */
export interface ModuleRef<O = unknown> {
  module: string;
  export: string;
  options?: O;
}

/**
 * Turns a decoded sample into output fields (image, label or targets...), drawing randomness from `rng`.
 * `fromRecord`, when a transform has it, is asked first with the undecoded record: it returns the fields when it
 * can make them without the pixels (a transform that keeps its deterministic work per record), with the decoded
 * image's size, else undefined, and must then leave `rng` as it found it.
 */
export type SampleTransform = ((sample: Sample, rng: Random) => Field[] | Promise<Field[]>) & {
  fromRecord?: (record: DetectionRecord, rng: Random) => { fields: Field[]; width: number; height: number } | undefined;
};

/**
 * Buffers a transform keeps (a cache) and hands out as fields without copying: the loader copies them instead of
 * moving them out of a worker, and a batch never exposes them (its fields are fresh arrays or tensors).
 */
const retained = new WeakSet<ArrayBufferLike>();

/** Marks the array's buffer as the transform's own (see `retained`); returns the array. */
export function retainBuffer<T extends Float32Array>(a: T): T {
  retained.add(a.buffer);
  return a;
}

/** Whether a field's buffer belongs to the transform that made it (it must be copied, not transferred). */
export function isRetained(a: Float32Array): boolean {
  return retained.has(a.buffer);
}

/** What a ModuleRef for a transform must export. */
export type SampleTransformFactory<O = unknown> = (options: O) => SampleTransform | Promise<SampleTransform>;

/** A loader transform: the factory reference, and how its fields batch (default 'auto' for each). */
export interface TransformSpec<O = unknown> extends ModuleRef<O> {
  batchify?: BatchifySpec[];
}

/** Imports a ModuleRef's export and calls it with its options. */
export async function loadModuleRef<T>(ref: ModuleRef): Promise<T> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(ref.module)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`cannot import transform module ${ref.module}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const factory = mod[ref.export];
  if (typeof factory !== 'function') throw new Error(`module ${ref.module} has no function export '${ref.export}'`);
  return (await (factory as (o: unknown) => unknown)(ref.options)) as T;
}
