// The process side of data-parallel training (GluonCV's train_ssd.py with several --gpus or Horovod; here
// torch.distributed's model): this process's rank in a c10d process group, rank 0's parameters broadcast at
// the start, and the few collectives the loop needs (sums of step statistics, gathering validation records).
// One process without `distributed` options gets the same interface with local no-ops.
import { type ProcessGroup, type Tensor, cat, initProcessGroup, noGrad, tidy, fromTypedArray } from '../tensor/index.js';
import type { SSD } from '../models/index.js';
import type { DistributedOptions } from './trainOptions.js';

export interface TrainProcess {
  rank: number;
  worldSize: number;
  localRank: number;
  /** Rank 0: the one that writes checkpoints, logs and the progress bar. */
  isMain: boolean;
  /** The c10d group; null for one process. */
  group: ProcessGroup | null;
  /** Element-wise sums across ranks (float64), in one allreduce. */
  sum(values: number[]): number[];
  /** all_gather_object: one JSON value per rank, in rank order. */
  gather<T>(value: T): T[];
  /** Copies rank 0's parameters and constants (BatchNorm statistics, anchors) to every rank. */
  broadcastParameters(net: SSD): void;
  close(): void;
}

/** Broadcasts rank 0's values of many tensors as one flat buffer per dtype (one collective each). */
function broadcastFlat(group: ProcessGroup, tensors: Tensor[]): void {
  noGrad(() => {
    for (const dtype of new Set(tensors.map((t) => t.dtype))) {
      const same = tensors.filter((t) => t.dtype === dtype);
      tidy(() => {
        const flat = cat(same.map((t) => t.reshape(-1)), 0);
        group.broadcast([flat], 0);
        let offset = 0;
        for (const t of same) {
          t.copy_(flat.narrow(0, offset, t.numel()).reshape(...t.shape));
          offset += t.numel();
        }
      });
    }
  });
}

/** Joins the process group described by `o` (or stands alone without it). */
export function joinTrainProcess(o: DistributedOptions | undefined): TrainProcess {
  if (!o || o.worldSize <= 1) {
    return {
      rank: 0,
      worldSize: 1,
      localRank: 0,
      isMain: true,
      group: null,
      sum: (v) => [...v],
      gather: (v) => [v],
      broadcastParameters: () => {},
      close: () => {},
    };
  }
  const group = initProcessGroup({ backend: o.backend, masterAddr: o.masterAddr, masterPort: o.masterPort, rank: o.rank, worldSize: o.worldSize, timeoutMs: o.timeoutMs });
  return {
    rank: o.rank,
    worldSize: o.worldSize,
    localRank: o.localRank,
    isMain: o.rank === 0,
    group,
    sum: (values) =>
      tidy(() => {
        const t = fromTypedArray(Float64Array.from(values), [values.length], { copy: true });
        group.allReduce([t], 'sum');
        return t.toArray() as number[];
      }),
    gather: (value) => group.allGatherObject(value),
    broadcastParameters: (net) => broadcastFlat(group, [...net.collectParams().values()].filter((p) => p.isInitialized).map((p) => p.data())),
    close: () => group.destroy(),
  };
}
