// The options and results of trainSSD: train_ssd.py's command-line arguments (GluonCV scripts/detection/ssd/
// train_ssd.py parse_args) as a typed record, plus the seed tutorial's three switches and the data-parallel ones.
import type { LossNormalization } from '../detection/index.js';
import type { ValMetricKind } from './validate.js';
import type { AutocastDtype } from '../tensor/index.js';

export type PredictorInit = 'default' | 'xavier' | 'uniform' | 'normal';
export type DecoderKind = 'per-class' | 'argmax';

/** How this process takes part in data-parallel training (torchrun's RANK, WORLD_SIZE, MASTER_ADDR, ...). */
export interface DistributedOptions {
  rank: number;
  worldSize: number;
  /** Rank within this machine (torchrun's LOCAL_RANK). */
  localRank: number;
  masterAddr: string;
  masterPort: number;
  backend?: 'gloo' | 'nccl';
  /** How long a rendezvous or collective waits for the other ranks before failing (default 120 s). */
  timeoutMs?: number;
}

export interface TrainOptions {
  dataShape: number;
  /** The global batch: with W processes each takes batchSize / W (train_ssd.py's --batch-size over devices). */
  batchSize: number;
  numWorkers: number;
  epochs: number;
  lr: number;
  lrDecay: number;
  lrDecayEpoch: number[];
  momentum: number;
  wd: number;
  warmupEpochs: number;
  logInterval: number;
  /** Checkpoint files: `${savePrefix}_NNNN.ckpt`, `${savePrefix}_best.*`, `${savePrefix}_train.jsonl`. */
  savePrefix: string;
  saveInterval: number;
  valInterval: number;
  seed: number;
  /** A checkpoint from an earlier run (written by this loop, with any number of processes) to continue from. */
  resume?: string;
  startEpoch: number;
  lossNorm: LossNormalization;
  predictorInit: PredictorInit;
  decoder: DecoderKind;
  /** Validation metric: 'voc07' (train_ssd.py's for VOC), 'voc' (area) or 'coco' (AP@[.5:.95]). Default voc07. */
  valMetric?: ValMetricKind;
  /** Limit batches per epoch (quick runs); default all. */
  maxBatchesPerEpoch?: number;
  /** Limit validation images; default all. */
  valLimit?: number;
  /** Stop training after this many seconds (the demo's budget); checked between batches. */
  timeBudgetSec?: number;
  /** With a time budget: multiply the rate by lrDecay once this fraction of the budget has passed (default none). */
  decayAtBudgetFraction?: number;
  /** The learning rate at a fractional epoch, instead of lr/warmupEpochs/lrDecayEpoch (e.g. demoConfig's cosine). */
  lrAt?: (epoch: number) => number;
  /** 'sgd' (train_ssd.py's) or 'adam'. */
  optimizer?: 'sgd' | 'adam';
  /** 'ssd': GluonCV's SSDDefaultTrainTransform (default); 'light': resize + flip only (quick demo runs). */
  augment?: 'ssd' | 'light';
  /** What to do when the loss or a gradient is not finite: skip the batch (default) or stop. */
  onNonFinite?: 'skip' | 'stop';
  /** Where the model, targets, loss and optimizer state live: 'cpu' (default) or 'cuda:K' (parseDevice's form). */
  device?: string;
  /** Mixed precision (GluonCV's --amp): autocast forward and loss, float16 with dynamic loss scaling. */
  amp?: boolean;
  /** The autocast dtype: float16 (default on GPUs) or bfloat16 (the CPU's). */
  ampDtype?: AutocastDtype;
  /**
   * Feed the network channels-last images (timm's --channels-last; PyTorch's torch.channels_last): libtorch's
   * oneDNN convolutions then keep NHWC through the network. The demo SSD's step on the AVX-512 EPYC: 37.7 -> 48.6
   * images/s (README "The demo"); default false (SSD300's 3x3 convolutions take the NCHW Winograd path).
   */
  channelsLast?: boolean;
  /** Data-parallel training: this process's place in the group; absent = one process. */
  distributed?: DistributedOptions;
  /** Gradient buckets of at most this many MiB are summed across ranks as backward produces them (default 25). */
  bucketCapMb?: number;
  /** Overlap the gradient allreduce with backward (default true). */
  overlapGradReduce?: boolean;
  progress?: boolean;
  log?: (line: string) => void;
}

export interface EpochRecord {
  epoch: number;
  lr: number;
  CrossEntropy: number;
  SmoothL1: number;
  /** Images of the global batch, over all ranks. */
  images: number;
  seconds: number;
  /** Of `seconds`, the time the loop waited for the loader's next batch (detectron2's data_time, summed). */
  dataWaitSeconds: number;
  skippedBatches: number;
  mAP?: number;
  liveTensors: number;
  /** Data-parallel runs: gradient buckets, how many started during backward (last step), and the mean ms per
   * step spent waiting for the gradient sums after backward. */
  gradBuckets?: number;
  overlappedBuckets?: number;
  gradReduceWaitMs?: number;
  /** --amp with float16: steps skipped because the scaled gradients overflowed, and the loss scale at the end. */
  overflowSteps?: number;
  lossScale?: number;
}

export interface TrainResult {
  epochs: EpochRecord[];
  bestMap: number;
  bestPath: string | null;
  lastCheckpoint: string | null;
  logPath: string;
  curvesPath: string | null;
}
