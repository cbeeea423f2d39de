// Scores a detections file (what `ssdkit detect` writes: per image {id, detections: [{classId | className,
// score, box}]}, boxes in the image's own pixels) against a dataset's ground truth with the VOC metric
// (spec §7.7), without any model — so detections made elsewhere can be evaluated.
import { readFileSync } from 'node:fs';
import type { DetectionDataset } from '../data/index.js';
import { VOC07MApMetric, VOCMApMetric } from '../metrics/index.js';

export interface ScoredDetections {
  names: string[];
  values: number[];
  metric: VOC07MApMetric | VOCMApMetric;
  /** Images of the dataset with no entry in the file (scored as no detections). */
  missing: number;
  /** Entries whose id is not in the dataset (ignored). */
  unknown: string[];
}

export function scoreDetectionsFile(path: string, dataset: DetectionDataset, metricKind: 'voc07' | 'voc' = 'voc07'): ScoredDetections {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: cannot read detections (${(e as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${path}: expected a JSON array of {id, detections: [...]}`);
  const classes = dataset.classes;
  const byId = new Map<string, { ids: number[]; scores: number[]; boxes: number[][] }>();
  parsed.forEach((entry: any, i: number) => {
    const where = `${path}: entry ${i}`;
    if (typeof entry?.id !== 'string' || !Array.isArray(entry.detections)) throw new Error(`${where}: expected {id: string, detections: [...]}`);
    const rec = { ids: [] as number[], scores: [] as number[], boxes: [] as number[][] };
    entry.detections.forEach((d: any, k: number) => {
      const cls = typeof d?.className === 'string' ? classes.indexOf(d.className) : d?.classId;
      if (!Number.isInteger(cls) || cls < 0 || cls >= classes.length) throw new Error(`${where} (${entry.id}) detection ${k}: unknown class ${JSON.stringify(d?.className ?? d?.classId)}`);
      if (!Array.isArray(d.box) || d.box.length !== 4 || !d.box.every(Number.isFinite) || typeof d.score !== 'number') {
        throw new Error(`${where} (${entry.id}) detection ${k}: expected box [xmin, ymin, xmax, ymax] and a numeric score`);
      }
      rec.ids.push(cls);
      rec.scores.push(d.score);
      rec.boxes.push(d.box);
    });
    byId.set(entry.id, rec);
  });
  const metric = metricKind === 'voc07' ? new VOC07MApMetric({ classNames: [...classes] }) : new VOCMApMetric({ classNames: [...classes] });
  let missing = 0;
  const seen = new Set<string>();
  for (let i = 0; i < dataset.length; i++) {
    const r = dataset.record(i);
    seen.add(r.id);
    const d = byId.get(r.id);
    if (!d) missing++;
    metric.update([d?.boxes ?? []], [d?.ids ?? []], [d?.scores ?? []], [r.label.map((row) => row.slice(0, 4))], [r.label.map((row) => row[4]!)], [r.label.map((row) => row[5] ?? 0)]);
  }
  const [names, values] = metric.get();
  return { names, values, metric, missing, unknown: [...byId.keys()].filter((k) => !seen.has(k)) };
}
