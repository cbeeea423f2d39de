// The shared shape of the detection datasets (VOC, COCO, LST; spec §8): preloaded records, their classes and
// the warnings raised while loading, with index checking that names the dataset kind.
import type { DetectionDataset, DetectionRecord } from './types.js';
import type { DataWarnings } from './warnings.js';

export abstract class RecordDataset implements DetectionDataset {
  readonly classes: readonly string[];
  readonly warnings: DataWarnings;
  readonly #records: DetectionRecord[];
  readonly #kind: string;

  protected constructor(kind: string, classes: readonly string[], records: DetectionRecord[], warnings: DataWarnings) {
    this.#kind = kind;
    this.classes = classes;
    this.#records = records;
    this.warnings = warnings;
  }

  get length(): number {
    return this.#records.length;
  }

  record(index: number): DetectionRecord {
    const r = this.#records[index];
    if (r === undefined) throw new RangeError(`${this.#kind} index ${index} out of range [0, ${this.#records.length})`);
    return r;
  }
}
