// The training data of train_ssd.py's get_dataloader (GluonCV scripts/detection/ssd/train_ssd.py): the dataset
// through SSDDefaultTrainTransform (or the demo's light transform) with targets made in the loader workers
// against the model's anchors, shuffled per epoch with rollover; in data-parallel training each rank reads its
// DistributedSampler share, batchSize / worldSize images per step.
import { type Tensor, onDevice } from '../tensor/index.js';
import { DataLoader, batchToTensors, ssdTrainTransformSpec, type Batch, type DetectionDataset } from '../data/index.js';
import type { AnchorSet } from '../models/index.js';
import { ssdTargetsRef, lightTrainTransformSpec } from './targetWorker.js';
import type { TrainOptions } from './trainOptions.js';
import type { TrainProcess } from './processGroup.js';

/** One step's inputs, as tensors the caller disposes (dispose()). */
export interface TrainingBatch {
  /** (b, 3, H, W) normalized images. */
  images: Tensor;
  /** (b, N) class targets: class + 1, 0 background, -1 ignored. */
  clsTargets: Tensor;
  /** (b, N, 4) encoded box targets. */
  boxTargets: Tensor;
}

/** The images each rank takes per step; the global batch must split evenly. */
export function localBatchSize(o: Pick<TrainOptions, 'batchSize'>, proc: Pick<TrainProcess, 'worldSize'>): number {
  if (o.batchSize % proc.worldSize !== 0 || o.batchSize < proc.worldSize) {
    throw new RangeError(`--batch-size ${o.batchSize} is the global batch and must be a multiple of the ${proc.worldSize} processes`);
  }
  return o.batchSize / proc.worldSize;
}

export function trainLoader(dataset: DetectionDataset, anchorSet: AnchorSet, o: TrainOptions, proc: TrainProcess): DataLoader {
  const targets = ssdTargetsRef(anchorSet.anchors, { layout: anchorSet.layout });
  const shape = { width: o.dataShape, height: o.dataShape, targets };
  return new DataLoader(dataset, {
    batchSize: localBatchSize(o, proc),
    transform: (o.augment ?? 'ssd') === 'ssd' ? ssdTrainTransformSpec(shape) : lightTrainTransformSpec(shape),
    shuffle: true,
    lastBatch: 'rollover',
    numWorkers: o.numWorkers,
    seed: o.seed,
    ...(proc.worldSize > 1 ? { shard: { rank: proc.rank, worldSize: proc.worldSize, pad: true } } : {}),
  });
}

/** Batches per epoch for every rank (the shortest share decides, so the ranks step together). */
export function batchesPerEpoch(dataset: DetectionDataset, o: TrainOptions, proc: TrainProcess): number {
  const perRank = Math.ceil(dataset.length / proc.worldSize);
  return Math.min(Math.floor(perRank / localBatchSize(o, proc)) || 1, o.maxBatchesPerEpoch ?? Infinity);
}

/** A loader batch as the step's tensors on `device` (the CPU copies are freed). */
export function trainingBatch(batch: Batch, device = 'cpu'): TrainingBatch {
  const n = batch.samples[0]?.length ?? 0;
  if (n !== 3) throw new Error(`training batch ${batch.index} has ${n} fields, expected images, class and box targets`);
  const [images, clsTargets, boxTargets] = batchToTensors(batch) as [Tensor, Tensor, Tensor];
  const move = (t: Tensor): Tensor => {
    const moved = onDevice(t, device);
    if (moved !== t) t.dispose();
    return moved;
  };
  const cls = clsTargets.long();
  clsTargets.dispose();
  return { images: move(images), clsTargets: move(cls), boxTargets: move(boxTargets) };
}
