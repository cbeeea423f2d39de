// torchvision's DefaultBoxGenerator (`torchvision/models/detection/anchor_utils.py`), the SSD paper's default
// boxes as torchvision lays them out: per feature map k, the (w, h) pairs (s_k, s_k), (s'_k, s'_k) with
// s'_k = sqrt(s_k s_{k+1}), then (s_k sqrt(ar), s_k / sqrt(ar)) and its transpose per aspect ratio, clipped to
// [0, 1]; centres ((j + 0.5) / (size / step_k), (i + 0.5) / (size / step_k)) row-major, every pair at every
// location; returned as pixel corners (x1, y1, x2, y2) of the image (float32, as torchvision computes them).
import { type Tensor, fromTypedArray } from '../../tensor/index.js';

export interface DefaultBoxOptions {
  aspectRatios: number[][];
  /** num_outputs + 1 scales (ssd300_vgg16: 0.07, 0.15, 0.33, 0.51, 0.69, 0.87, 1.05). */
  scales: number[];
  steps: number[];
  /** Clip the (w, h) pairs to [0, 1] (torchvision's clip=True). */
  clip?: boolean;
}

const f = Math.fround;

/** The (w, h) pairs of feature map k (`_generate_wh_pairs`). */
export function whPairs(o: DefaultBoxOptions, k: number): [number, number][] {
  const s = o.scales[k]!;
  const sPrime = Math.sqrt(s * o.scales[k + 1]!);
  const pairs: [number, number][] = [[s, s], [sPrime, sPrime]];
  for (const ar of o.aspectRatios[k]!) {
    const sq = Math.sqrt(ar);
    pairs.push([s * sq, s / sq], [s / sq, s * sq]);
  }
  const clip = (v: number): number => (o.clip ?? true ? Math.min(Math.max(f(v), 0), 1) : f(v));
  return pairs.map(([w, h]) => [clip(w), clip(h)]);
}

/** Boxes per location of each feature map: 2 + 2 * len(aspect ratios). */
export function numAnchors(o: DefaultBoxOptions): number[] {
  return o.aspectRatios.map((r) => 2 + 2 * r.length);
}

/** The default boxes (N, 4) in pixel corners for feature maps of `gridSizes` [H, W] on an image [height, width]. */
export function defaultBoxes(o: DefaultBoxOptions, gridSizes: [number, number][], imageSize: [number, number]): Tensor {
  const rows: number[] = [];
  const [imH, imW] = imageSize;
  gridSizes.forEach(([fh, fw], k) => {
    const xfk = imW / o.steps[k]!;
    const yfk = imH / o.steps[k]!;
    const pairs = whPairs(o, k);
    for (let i = 0; i < fh; i++) {
      const cy = f((i + 0.5) / yfk);
      for (let j = 0; j < fw; j++) {
        const cx = f((j + 0.5) / xfk);
        for (const [w, h] of pairs) {
          rows.push(f(f(cx - f(0.5 * w)) * imW), f(f(cy - f(0.5 * h)) * imH), f(f(cx + f(0.5 * w)) * imW), f(f(cy + f(0.5 * h)) * imH));
        }
      }
    }
  });
  return fromTypedArray(Float32Array.from(rows), [rows.length / 4, 4]);
}
