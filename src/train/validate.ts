// Evaluation of an SSD on a dataset (train_ssd.py's validate(), GluonCV scripts/detection/ssd/train_ssd.py; spec
// §7.2/§7.7): the validation transform, inference with NMS 0.45 / top-400, boxes clipped to the input, and the
// VOC07 11-point mAP (or area mAP, or COCO's AP@[.5:.95]: valMetric.ts) with difficult objects ignored. In
// data-parallel training each rank predicts its share of the images (every worldSize-th) and the per-image records are gathered to every rank and fed to
// the metric in dataset order, so the mAP equals a one-process evaluation. Also collects the detections, mapped
// back to original image pixels, so `ssdkit eval` and `ssdkit detect` can write them.
import { type Tensor, cat, noGrad, onDevice, tidy } from '../tensor/index.js';
import type { SSD } from '../models/index.js';
import { DataLoader, batchToTensors, ssdValTransformSpec, type Batch, type DetectionDataset, type Shard } from '../data/index.js';
import { createValMetric, type ValMetric, type ValMetricKind } from './valMetric.js';
import { ProgressBar } from '../util/progress.js';

export type { ValMetricKind } from './valMetric.js';

export interface ImageDetections {
  id: string;
  imagePath: string;
  width: number;
  height: number;
  /** One row per detection: class index, class name, score, box [xmin, ymin, xmax, ymax] in image pixels. */
  detections: { classId: number; className: string; score: number; box: [number, number, number, number] }[];
}

/** The ranks that share a validation (from the training's TrainProcess). */
export interface ValidationShard {
  rank: number;
  worldSize: number;
  /** all_gather_object: one value per rank, in rank order. */
  gather<T>(value: T): T[];
}

export interface ValidateOptions {
  dataShape: number;
  batchSize?: number;
  numWorkers?: number;
  /** 'voc07' (11-point, train_ssd.py's default for VOC), 'voc' (area) or 'coco' (COCO datasets; valMetric.ts). */
  metric?: ValMetricKind;
  /** Keep the detections per image (for files); default false. */
  collect?: boolean;
  /** Stop after this many images (quick checks). */
  limit?: number;
  progress?: boolean;
  /** Data-parallel validation: this rank predicts its share; every rank gets the whole metric. */
  shard?: ValidationShard;
  /** Where the network lives ('cpu' default, 'cuda:0'); input batches are moved there. */
  device?: string;
}

export interface ValidateResult {
  names: string[];
  values: number[];
  mAP: number;
  metric: ValMetric;
  /** COCO metric: the 12 standard numbers. */
  cocoStats?: number[];
  detections: ImageDetections[];
  skipped: number;
}

/** What the metric needs of one image, as plain numbers (gathered across ranks as JSON). */
interface ImageRecord {
  index: number;
  size: [number, number];
  /** Detections: [classId, score, xmin, ymin, xmax, ymax] in input pixels, clipped; classId -1 rows dropped. */
  rows: number[][];
  /** Ground truth: [xmin, ymin, xmax, ymax, classId, difficult] in input pixels. */
  gt: number[][];
}

/** Per-image rows of a (B, P, k) tensor as plain arrays. */
function rowsOf(t: Tensor): number[][][] {
  const [B, P, k] = t.shape as [number, number, number];
  const flat = t.toArray();
  const out: number[][][] = [];
  for (let b = 0; b < B; b++) {
    const img: number[][] = [];
    for (let p = 0; p < P; p++) img.push(flat.slice((b * P + p) * k, (b * P + p + 1) * k));
    out.push(img);
  }
  return out;
}

/** Detections and ground truth of one batch as image records. */
function batchRecords(net: SSD, batch: Batch, dataShape: number, device: string): ImageRecord[] {
  const [x, label] = batchToTensors(batch);
  try {
    const [det, gt] = noGrad(() =>
      tidy(() => {
        const d = net.detect(onDevice(x!, device));
        const rows = rowsOf(cat([d.ids, d.scores, d.bboxes.clamp(0, dataShape)], 2));
        return [rows, rowsOf(label!)];
      }),
    );
    return batch.indices.map((index, b) => ({
      index,
      size: batch.sizes[b]!,
      rows: det[b]!.filter((r) => r[0]! >= 0),
      gt: gt[b]!.filter((r) => r[4]! >= 0).map((r) => [...r.slice(0, 5), r[5] ?? 0]),
    }));
  } finally {
    x!.dispose();
    label!.dispose();
  }
}

/** This rank's image records: every image of the first `total`, or its share of them. */
async function predictShare(net: SSD, dataset: DetectionDataset, o: ValidateOptions, total: number, bar: ProgressBar | null): Promise<{ records: ImageRecord[]; skipped: number }> {
  const shard: Shard | undefined = o.shard && o.shard.worldSize > 1 ? { rank: o.shard.rank, worldSize: o.shard.worldSize, pad: false } : undefined;
  const loader = new DataLoader(total < dataset.length ? { classes: dataset.classes, length: total, record: (i: number) => dataset.record(i) } : dataset, {
    batchSize: o.batchSize ?? 8,
    transform: ssdValTransformSpec({ width: o.dataShape, height: o.dataShape }),
    shuffle: false,
    lastBatch: 'keep',
    numWorkers: o.numWorkers ?? 0,
    ...(shard ? { shard } : {}),
  });
  const records: ImageRecord[] = [];
  try {
    for await (const batch of loader) {
      records.push(...batchRecords(net, batch, o.dataShape, o.device ?? 'cpu'));
      bar?.tick(batch.indices.length * (shard?.worldSize ?? 1));
    }
  } finally {
    await loader.close();
  }
  return { records, skipped: loader.lastEpochStats?.skipped.length ?? 0 };
}

function detectionsOf(r: ImageRecord, dataset: DetectionDataset, dataShape: number): ImageDetections {
  const rec = dataset.record(r.index);
  const [w, h] = r.size;
  const sx = w / dataShape;
  const sy = h / dataShape;
  return {
    id: rec.id,
    imagePath: rec.imagePath,
    width: w,
    height: h,
    detections: r.rows.map(([c, score, x0, y0, x1, y1]) => ({
      classId: c!,
      className: dataset.classes[c!] ?? String(c),
      score: score!,
      box: [x0! * sx, y0! * sy, x1! * sx, y1! * sy] as [number, number, number, number],
    })),
  };
}

export async function validate(net: SSD, dataset: DetectionDataset, o: ValidateOptions): Promise<ValidateResult> {
  const metric = createValMetric(o.metric ?? 'voc07', dataset, { dataShape: o.dataShape });
  const wasTraining = net.training;
  net.eval();
  net.setNms(0.45, 400, 100);
  const total = Math.min(dataset.length, o.limit ?? Infinity);
  const bar = o.progress && (o.shard?.rank ?? 0) === 0 ? new ProgressBar({ total, label: 'validate', unit: 'img' }) : null;
  let share: { records: ImageRecord[]; skipped: number };
  try {
    share = await predictShare(net, dataset, o, total, bar);
  } finally {
    net.train(wasTraining);
  }
  bar?.done();
  const shares = o.shard && o.shard.worldSize > 1 ? o.shard.gather(share) : [share];
  const records = shares.flatMap((s) => s.records).sort((a, b) => a.index - b.index);
  for (const r of records) {
    metric.update({
      boxes: [r.rows.map((d) => d.slice(2, 6))],
      classIds: [r.rows.map((d) => d[0]!)],
      scores: [r.rows.map((d) => d[1]!)],
      gtBoxes: [r.gt.map((g) => g.slice(0, 4))],
      gtIds: [r.gt.map((g) => g[4]!)],
      difficult: [r.gt.map((g) => g[5]!)],
      images: [{ id: dataset.record(r.index).id, width: r.size[0], height: r.size[1] }],
    });
  }
  const { names, values, mAP, cocoStats } = metric.get();
  const detections = o.collect ? records.map((r) => detectionsOf(r, dataset, o.dataShape)) : [];
  return { names, values, mAP, metric, cocoStats, detections, skipped: shares.reduce((n, s) => n + s.skipped, 0) };
}
