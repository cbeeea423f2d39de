// Evaluation of an SSD on a dataset (train_ssd.py's validate(), spec §7.2/§7.7): the validation transform,
// inference with NMS 0.45 / top-400, boxes clipped to the input, and VOC07 11-point mAP (or area mAP) with
// difficult objects ignored. Also collects the detections, mapped back to original image pixels, so `ssdkit
// eval` and `ssdkit detect` can write them.
import { type Tensor, noGrad, onDevice, tidy } from '../tensor/index.js';
import type { SSD } from '../models/index.js';
import { DataLoader, fieldsToTensors, ssdValTransformSpec, type DetectionDataset } from '../data/index.js';
import { VOC07MApMetric, VOCMApMetric } from '../metrics/index.js';
import { ProgressBar } from '../util/progress.js';

export interface ImageDetections {
  id: string;
  imagePath: string;
  width: number;
  height: number;
  /** One row per detection: class index, class name, score, box [xmin, ymin, xmax, ymax] in image pixels. */
  detections: { classId: number; className: string; score: number; box: [number, number, number, number] }[];
}

export interface ValidateOptions {
  dataShape: number;
  batchSize?: number;
  numWorkers?: number;
  /** 'voc07' (11-point, train_ssd.py's) or 'voc' (area). */
  metric?: 'voc07' | 'voc';
  /** Keep the detections per image (for files); default false. */
  collect?: boolean;
  /** Stop after this many images (quick checks). */
  limit?: number;
  progress?: boolean;
  /** Where the network lives ('cpu' default, 'cuda:0'); input batches are moved there. */
  device?: string;
}

export interface ValidateResult {
  names: string[];
  values: number[];
  mAP: number;
  metric: VOC07MApMetric | VOCMApMetric;
  detections: ImageDetections[];
  skipped: number;
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

export async function validate(net: SSD, dataset: DetectionDataset, o: ValidateOptions): Promise<ValidateResult> {
  const metric = (o.metric ?? 'voc07') === 'voc07' ? new VOC07MApMetric({ classNames: [...dataset.classes] }) : new VOCMApMetric({ classNames: [...dataset.classes] });
  const loader = new DataLoader(dataset, {
    batchSize: o.batchSize ?? 8,
    transform: ssdValTransformSpec({ width: o.dataShape, height: o.dataShape }),
    shuffle: false,
    lastBatch: 'keep',
    numWorkers: o.numWorkers ?? 0,
  });
  const wasTraining = net.training;
  net.eval();
  net.setNms(0.45, 400, 100);
  const total = Math.min(dataset.length, o.limit ?? Infinity);
  const bar = o.progress ? new ProgressBar({ total, label: 'validate', unit: 'img' }) : null;
  const detections: ImageDetections[] = [];
  let seen = 0;
  try {
    for await (const batch of loader) {
      const [x, label] = fieldsToTensors(batch.fields);
      const [ids, scores, boxes, gt] = noGrad(() =>
        tidy(() => {
          const d = net.detect(onDevice(x!, o.device ?? 'cpu'));
          const s = o.dataShape;
          return [rowsOf(d.ids), rowsOf(d.scores), rowsOf(d.bboxes.clamp(0, s)), rowsOf(label!)];
        }),
      );
      x!.dispose();
      label!.dispose();
      metric.update(
        boxes,
        ids.map((r) => r.map((v) => v[0]!)),
        scores.map((r) => r.map((v) => v[0]!)),
        gt.map((r) => r.map((v) => v.slice(0, 4))),
        gt.map((r) => r.map((v) => v[4]!)),
        gt.map((r) => r.map((v) => v[5] ?? 0)),
      );
      if (o.collect) {
        batch.indices.forEach((di, b) => {
          const rec = dataset.record(di);
          const [w, h] = batch.sizes[b]!;
          const sx = w / o.dataShape;
          const sy = h / o.dataShape;
          detections.push({
            id: rec.id,
            imagePath: rec.imagePath,
            width: w,
            height: h,
            detections: ids[b]!.flatMap((idRow, p) => {
              const c = idRow[0]!;
              if (c < 0) return [];
              const [x0, y0, x1, y1] = boxes[b]![p]!;
              return [{ classId: c, className: dataset.classes[c] ?? String(c), score: scores[b]![p]![0]!, box: [x0! * sx, y0! * sy, x1! * sx, y1! * sy] as [number, number, number, number] }];
            }),
          });
        });
      }
      seen += batch.indices.length;
      bar?.tick(batch.indices.length);
      if (seen >= total) break;
    }
  } finally {
    await loader.close();
    net.train(wasTraining);
  }
  bar?.done();
  const [names, values] = metric.get();
  return { names, values, mAP: values[values.length - 1]!, metric, detections, skipped: loader.lastEpochStats?.skipped.length ?? 0 };
}
