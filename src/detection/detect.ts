// SSD inference post-processing (spec §6, SSD.hybrid_forward in eval mode): softmax, NormalizedBoxCenterDecoder,
// MultiPerClassDecoder, then box_nms over the class-major concatenation of (class, score, box) rows and the first
// postNms survivors.
//
//   const { ids, scores, bboxes } = ssdDetect(clsPreds, boxPreds, anchors);   // (B,100,1), (B,100,1), (B,100,4)
import { type Tensor, arange, cat, tidy, where } from '../tensor/index.js';
import { MultiPerClassDecoder, NormalizedBoxCenterDecoder, type Quad } from './coder.js';
import { boxNmsIndices, gatherRows } from './nms.js';
import { ArgCheck } from '../util/checkArgs.js';

export interface SSDDetectOptions {
  /** Box-code divisors (default (0.1, 0.1, 0.2, 0.2)). */
  stds?: Quad;
  /** Decoder clip on the scaled log-size codes (default none). */
  clip?: number | null;
  /** Per-class scores <= scoreThresh are discarded (MultiPerClassDecoder, default 0.01). */
  scoreThresh?: number;
  /** NMS IoU threshold; outside (0, 1) no NMS is run (default 0.45). */
  nmsThresh?: number;
  /** Rows per image taking part in NMS, across classes (default 400). */
  nmsTopk?: number;
  /** box_nms valid_thresh (default 0.01). */
  validThresh?: number;
  /** Detections kept per image after NMS; <= 0 keeps every row (default 100). Without NMS every row is kept. */
  postNms?: number;
  /** Suppress across classes (default false). */
  forceSuppress?: boolean;
}

export interface Detections {
  /** (B, P, 1) foreground class id (0-based) or -1. */
  ids: Tensor;
  /** (B, P, 1) class probability or -1. */
  scores: Tensor;
  /** (B, P, 4) corner boxes in input pixels or -1. */
  bboxes: Tensor;
}

/**
 * clsPreds (B, N, C+1) logits, boxPreds (B, N, 4) codes, anchors (N, 4) or (1, N, 4) center format. Row r of the
 * class-major concatenation is class floor(r / N), anchor r mod N, as in GluonCV, which fixes the order of ties.
 */
export function ssdDetect(clsPreds: Tensor, boxPreds: Tensor, anchors: Tensor, o: SSDDetectOptions = {}): Detections {
  const c = new ArgCheck('ssdDetect');
  c.tensor('clsPreds', clsPreds, ['B', 'N', 'C+1'], 'float', { min: { 'C+1': 2 }, hint: 'class logits, column 0 background' });
  c.tensor('boxPreds', boxPreds, ['B', 'N', 4], 'float', { hint: 'box codes' });
  c.tensor('anchors', anchors, [['N', 4], [1, 'N', 4]], 'numeric', { hint: 'center anchors' });
  for (const k of ['scoreThresh', 'nmsThresh', 'nmsTopk', 'validThresh', 'postNms'] as const) {
    if (o[k] !== undefined) c.number(k, o[k]);
  }
  return tidy(() => {
    const [B, N, C1] = clsPreds.shape as [number, number, number];
    const C = C1 - 1;
    const bboxes = new NormalizedBoxCenterDecoder({ stds: o.stds, clip: o.clip }).decode(boxPreds, anchors); // (B, N, 4)
    const [clsIds, scores] = new MultiPerClassDecoder({ thresh: o.scoreThresh ?? 0.01 }).decode(clsPreds.softmax(-1));
    const idsFlat = clsIds.transpose(1, 2).reshape(B, C * N).float();
    const scoresFlat = scores.transpose(1, 2).reshape(B, C * N);
    const nmsThresh = o.nmsThresh ?? 0.45;
    const postNms = o.postNms ?? 100;
    let out: Tensor;
    if (nmsThresh > 0 && nmsThresh < 1) {
      const rows = boxNmsIndices(
        scoresFlat,
        idsFlat,
        (r) => bboxes.gather(1, r.remainder(N).unsqueeze(2).expand(B, r.shape[1]!, 4)),
        { overlapThresh: nmsThresh, topk: o.nmsTopk ?? 400, validThresh: o.validThresh ?? 0.01, forceSuppress: o.forceSuppress },
      );
      const K = rows.shape[1]!;
      const width = postNms > 0 ? postNms : C * N;
      const boxRows = bboxes.gather(1, rows.clamp(0, null).remainder(N).unsqueeze(2).expand(B, K, 4));
      const dets = cat([idsFlat.gather(1, rows.clamp(0, null)).unsqueeze(2), scoresFlat.gather(1, rows.clamp(0, null)).unsqueeze(2), boxRows], 2);
      out = gatherRows(dets, where(rows.ge(0), arange(0, K, 1, { device: rows.device }), -1), width); // survivors are packed in front
    } else {
      out = cat([idsFlat.unsqueeze(2), scoresFlat.unsqueeze(2), bboxes.repeat(1, C, 1)], 2); // GluonCV: no cut without NMS
    }
    return { ids: out.narrow(2, 0, 1), scores: out.narrow(2, 1, 1), bboxes: out.narrow(2, 2, 4) };
  });
}
