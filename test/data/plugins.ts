// Worker-loadable test transforms for loader.test.ts (loaded by URL inside loader worker threads).
import type { SampleTransform } from '../../src/data/workerTransform.js';
import type { TargetGenerator } from '../../src/data/transforms/ssdPresets.js';
import type { Label } from '../../src/data/types.js';

/** A stand-in for SSD target generation: cls target i = class+1 of object i (0 beyond), box target i = its box / size. */
export function createFakeTargets(o: { anchors: number }): TargetGenerator {
  return (label: Label, width: number, height: number) => {
    const cls = new Float32Array(o.anchors);
    const box = new Float32Array(o.anchors * 4);
    label.slice(0, o.anchors).forEach((r, i) => {
      cls[i] = r[4]! + 1;
      box.set([r[0]! / width, r[1]! / height, r[2]! / width, r[3]! / height], i * 4);
    });
    return [
      { data: cls, shape: [o.anchors] },
      { data: box, shape: [o.anchors, 4] },
    ];
  };
}

/** Cheap transform: one field [seed-derived draw, image width, height, object count]. */
export function createInfoTransform(): SampleTransform {
  return (s, rng) => [{ data: Float32Array.from([rng.random(), s.image.width, s.image.height, s.label.length]), shape: [4] }];
}

/** Ends its worker thread on one record (simulates a crash), otherwise like createInfoTransform. */
export function createCrashingTransform(o: { crashId: string }): SampleTransform {
  const info = createInfoTransform();
  return (s, rng) => {
    if (s.record.id === o.crashId) process.exit(3);
    return info(s, rng);
  };
}

/** A factory that throws: the loader must fail clearly, not hang. */
export function createBrokenTransform(): SampleTransform {
  throw new Error('this transform cannot be built');
}
