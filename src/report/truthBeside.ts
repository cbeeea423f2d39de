// Detection pictures a person can judge at a glance: the image twice, side by side — left the ground truth
// (blue), right the predictions, green where a prediction matches a ground-truth object of its class (IoU >= 0.5,
// greedy by score, as VOC's evaluation counts a true positive) and red where it does not, with the ground truth
// the model missed dashed in blue. Not a GluonCV part (gluoncv.utils.viz.plot_bbox draws predictions only).
//
//   const png = await drawTruthBesidePredictions(img, truth, predictions);
import sharp from 'sharp';
import { drawBoxes, bboxIou, type DrawBox, type RGBImage } from '../data/index.js';

export interface TruthBox {
  box: [number, number, number, number];
  className: string;
  difficult?: boolean;
}

export interface PredictedBox {
  box: [number, number, number, number];
  className: string;
  score: number;
}

export const TRUTH_COLOR = '#3b82f6';
export const RIGHT_COLOR = '#22c55e';
export const WRONG_COLOR = '#ef4444';

/** For each prediction (sorted by score), whether it is a true positive; and which truths no prediction found. */
export function matchPredictions(truth: readonly TruthBox[], preds: readonly PredictedBox[], iouThresh = 0.5): { right: boolean[]; found: boolean[] } {
  const found = truth.map(() => false);
  const iou = truth.length && preds.length ? bboxIou(preds.map((p) => p.box), truth.map((t) => t.box)) : [];
  const order = preds.map((_, i) => i).sort((a, b) => preds[b]!.score - preds[a]!.score);
  const right = preds.map(() => false);
  for (const i of order) {
    let best = -1;
    let bestIou = iouThresh;
    truth.forEach((t, j) => {
      if (t.className === preds[i]!.className && !found[j] && iou[i]![j]! >= bestIou) [best, bestIou] = [j, iou[i]![j]!];
    });
    if (best >= 0) [found[best], right[i]] = [true, true];
  }
  return { right, found };
}

/**
 * One PNG: the ground truth on the left, the predictions with score >= minScore (default 0.3) coloured right/wrong
 * on the right, a caption above.
 */
export async function drawTruthBesidePredictions(img: RGBImage, truth: readonly TruthBox[], allPreds: readonly PredictedBox[], o: { minScore?: number } = {}): Promise<Buffer> {
  const minScore = o.minScore ?? 0.3;
  const preds = allPreds.filter((p) => p.score >= minScore);
  const { right, found } = matchPredictions(truth, preds);
  const truthBoxes: DrawBox[] = truth.map((t) => ({ box: t.box, label: t.difficult ? `${t.className} (difficult)` : t.className, color: TRUTH_COLOR }));
  const predBoxes: DrawBox[] = [
    ...truth.flatMap((t, j) => (found[j] || t.difficult ? [] : [{ box: t.box, label: `missed ${t.className}`, color: TRUTH_COLOR, dashed: true }])),
    ...preds.map((p, i) => ({ box: p.box, label: p.className, score: p.score, color: right[i] ? RIGHT_COLOR : WRONG_COLOR })),
  ];
  const [left, rightPanel] = await Promise.all([drawBoxes(img, truthBoxes), drawBoxes(img, predBoxes)]);
  const gap = 8;
  const head = 36;
  const width = img.width * 2 + gap;
  const caption =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${head}"><g font-family="DejaVu Sans, sans-serif" font-size="13">` +
    `<text x="4" y="16" fill="${TRUTH_COLOR}">ground truth</text>` +
    `<text x="${img.width + gap + 4}" y="15" fill="#ffffff">predictions (score &gt;= ${minScore}):</text>` +
    `<text x="${img.width + gap + 4}" y="31"><tspan fill="${RIGHT_COLOR}">right</tspan> <tspan fill="${WRONG_COLOR}">wrong</tspan> <tspan fill="${TRUTH_COLOR}">missed (dashed)</tspan></text></g></svg>`;
  return sharp({ create: { width, height: img.height + head, channels: 3, background: '#202020' } })
    .composite([
      { input: Buffer.from(caption), top: 0, left: 0 },
      { input: left, top: head, left: 0 },
      { input: rightPanel, top: head, left: img.width + gap },
    ])
    .png()
    .toBuffer();
}
