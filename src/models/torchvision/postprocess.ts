// torchvision SSD's inference post-processing (`torchvision/models/detection/ssd.py` SSD.postprocess_detections,
// `_utils.py` BoxCoder.decode_single, `ops/boxes.py` clip_boxes_to_image / batched_nms / nms): per image,
// softmax scores; boxes decoded from the default boxes with weights (10, 10, 5, 5) and log(1000/16) clipping of
// dw, dh, clipped to the image; per foreground class the scores > scoreThresh, their topkCandidates best;
// non-maximum suppression per class (IoU > nmsThresh suppresses; IoU in float32 as torchvision's CPU kernel);
// all survivors sorted by score, the first detectionsPerImg kept.
import { type Tensor, cat, tidy } from '../../tensor/index.js';

export interface TorchvisionPostprocessOptions {
  scoreThresh: number;
  nmsThresh: number;
  topkCandidates: number;
  detectionsPerImg: number;
  /** BoxCoder weights (wx, wy, ww, wh). */
  weights: [number, number, number, number];
}

/** One image's detections: corners in the network input's pixels, scores and labels (1..C-1, 0 = background). */
export interface TorchvisionDetections {
  boxes: Float32Array;
  scores: Float32Array;
  labels: Int32Array;
}

const BBOX_XFORM_CLIP = Math.log(1000 / 16);

/** BoxCoder.decode_single: rel codes (N, 4) over corner anchors (N, 4) -> corner boxes (N, 4), float32. */
export function decodeBoxes(rel: Tensor, anchors: Tensor, weights: [number, number, number, number]): Tensor {
  return tidy(() => {
    const w = anchors.select(1, 2).sub(anchors.select(1, 0));
    const h = anchors.select(1, 3).sub(anchors.select(1, 1));
    const cx = anchors.select(1, 0).add(w.mul(0.5));
    const cy = anchors.select(1, 1).add(h.mul(0.5));
    const dx = rel.select(1, 0).div(weights[0]);
    const dy = rel.select(1, 1).div(weights[1]);
    const dw = rel.select(1, 2).div(weights[2]).clampMax(BBOX_XFORM_CLIP);
    const dh = rel.select(1, 3).div(weights[3]).clampMax(BBOX_XFORM_CLIP);
    const pcx = dx.mul(w).add(cx);
    const pcy = dy.mul(h).add(cy);
    const hw = dw.exp().mul(w).mul(0.5);
    const hh = dh.exp().mul(h).mul(0.5);
    return cat([pcx.sub(hw).unsqueeze(1), pcy.sub(hh).unsqueeze(1), pcx.add(hw).unsqueeze(1), pcy.add(hh).unsqueeze(1)], 1);
  });
}

const f = Math.fround;

/** Greedy NMS over candidate indices sorted by score descending (torchvision's nms_kernel, float32 IoU). */
function nms(order: number[], boxes: Float32Array, thresh: number): number[] {
  const keep: number[] = [];
  const removed = new Uint8Array(order.length);
  for (let a = 0; a < order.length; a++) {
    if (removed[a]) continue;
    const i = order[a]! * 4;
    keep.push(order[a]!);
    const areaI = f(f(boxes[i + 2]! - boxes[i]!) * f(boxes[i + 3]! - boxes[i + 1]!));
    for (let b = a + 1; b < order.length; b++) {
      if (removed[b]) continue;
      const j = order[b]! * 4;
      const iw = Math.max(0, f(Math.min(boxes[i + 2]!, boxes[j + 2]!) - Math.max(boxes[i]!, boxes[j]!)));
      const ih = Math.max(0, f(Math.min(boxes[i + 3]!, boxes[j + 3]!) - Math.max(boxes[i + 1]!, boxes[j + 1]!)));
      const inter = f(iw * ih);
      const areaJ = f(f(boxes[j + 2]! - boxes[j]!) * f(boxes[j + 3]! - boxes[j + 1]!));
      if (f(inter / f(f(areaI + areaJ) - inter)) > thresh) removed[b] = 1;
    }
  }
  return keep;
}

/**
 * postprocess_detections for one image: scores (N, C) after softmax and clipped boxes (N, 4), both row-major
 * float32. Returns the kept detections in score order.
 */
export function selectDetections(scores: Float32Array, boxes: Float32Array, numClasses: number, o: TorchvisionPostprocessOptions): TorchvisionDetections {
  const n = boxes.length / 4;
  const kept: { idx: number; label: number; score: number }[] = [];
  for (let label = 1; label < numClasses; label++) {
    const cand: number[] = [];
    for (let i = 0; i < n; i++) if (scores[i * numClasses + label]! > o.scoreThresh) cand.push(i);
    cand.sort((a, b) => scores[b * numClasses + label]! - scores[a * numClasses + label]! || a - b);
    const top = cand.slice(0, o.topkCandidates);
    for (const idx of nms(top, boxes, o.nmsThresh)) kept.push({ idx, label, score: scores[idx * numClasses + label]! });
  }
  kept.sort((a, b) => b.score - a.score);
  const out = kept.slice(0, o.detectionsPerImg);
  const res: TorchvisionDetections = { boxes: new Float32Array(out.length * 4), scores: new Float32Array(out.length), labels: new Int32Array(out.length) };
  out.forEach((d, k) => {
    res.boxes.set(boxes.subarray(d.idx * 4, d.idx * 4 + 4), k * 4);
    res.scores[k] = d.score;
    res.labels[k] = d.label;
  });
  return res;
}
