// The guessing baseline the demo and the learning test compare a trained detector with: the VOC07 mAP of 100
// random boxes per image (random class, score, centre, sides 10-60% of the image), scored like a model's output.
import { VOC07MApMetric } from '../metrics/index.js';
import { Random, type DetectionDataset } from '../data/index.js';

/** The VOC07 mAP of guessing: 100 random boxes per image (random class, score, centre, 10–60% sides). */
export function chanceMAP(ds: DetectionDataset, seed: number): number {
  const rng = new Random(seed);
  const metric = new VOC07MApMetric({ classNames: [...ds.classes] });
  for (let i = 0; i < ds.length; i++) {
    const r = ds.record(i);
    const W = r.width ?? 320;
    const H = r.height ?? 320;
    const boxes: number[][] = [];
    const ids: number[] = [];
    const scores: number[] = [];
    for (let k = 0; k < 100; k++) {
      const w = W * rng.uniform(0.1, 0.6);
      const h = H * rng.uniform(0.1, 0.6);
      const cx = rng.uniform(0, W);
      const cy = rng.uniform(0, H);
      boxes.push([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]);
      ids.push(rng.randint(0, ds.classes.length - 1));
      scores.push(rng.uniform(0, 1));
    }
    metric.update([boxes], [ids], [scores], [r.label.map((row) => row.slice(0, 4))], [r.label.map((row) => row[4]!)], [r.label.map((row) => row[5] ?? 0)]);
  }
  const [, values] = metric.get();
  return values[values.length - 1]!;
}
