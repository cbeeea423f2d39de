// Box operations (spec §3.1, §3.7, §7.7): corner (xmin, ymin, xmax, ymax) <-> center (cx, cy, w, h), areas,
// clipping and the pairwise IoU matrix, like torchvision.ops but with GluonCV's conventions.
//
// GluonCV measures a box as `xmax - xmin` (no +1 pixel). The VOC metric's integer-pixel convention adds 1 to
// every width and height: `boxIou(a, b, 1)` (what VOC07MApMetric computes after `xmax += 1, ymax += 1`).
//
//   const iou = boxIou(anchorsCorner, gtBoxes);   // (N,4) x (B,M,4) -> (B,N,M)
import { type Tensor, cat, tidy, where } from '../tensor/index.js';
import { ArgCheck, formatShape } from '../util/checkArgs.js';

const BOXES = { hint: 'a last dimension of 4' };

function checkBoxes(boxes: Tensor, fn: string): ArgCheck {
  const c = new ArgCheck(fn);
  c.tensor('boxes', boxes, ['...', 4], 'numeric', BOXES);
  return c;
}

/** The four coordinates of boxes (..., 4) as views (..., 1). */
function columns(boxes: Tensor): [Tensor, Tensor, Tensor, Tensor] {
  return boxes.split(1, -1) as [Tensor, Tensor, Tensor, Tensor];
}

/** (xmin, ymin, xmax, ymax) -> (cx, cy, w, h) with w = xmax - xmin and cx = xmin + w / 2 (GluonCV BBoxCornerToCenter). */
export function cornerToCenter(boxes: Tensor): Tensor {
  checkBoxes(boxes, 'cornerToCenter');
  return tidy(() => {
    const [x1, y1, x2, y2] = columns(boxes);
    const w = x2.sub(x1);
    const h = y2.sub(y1);
    return cat([x1.add(w.mul(0.5)), y1.add(h.mul(0.5)), w, h], -1);
  });
}

/** (cx, cy, w, h) -> (xmin, ymin, xmax, ymax) with xmin = cx - w / 2 (GluonCV BBoxCenterToCorner). */
export function centerToCorner(boxes: Tensor): Tensor {
  checkBoxes(boxes, 'centerToCorner');
  return tidy(() => {
    const [cx, cy, w, h] = columns(boxes);
    const hw = w.mul(0.5);
    const hh = h.mul(0.5);
    return cat([cx.sub(hw), cy.sub(hh), cx.add(hw), cy.add(hh)], -1);
  });
}

/**
 * Areas of corner boxes (..., 4) -> (...): (xmax - xmin + offset) * (ymax - ymin + offset), 0 when a side is
 * negative (MXNet's BoxArea). offset 1 is the VOC integer-pixel convention.
 */
export function boxArea(boxes: Tensor, offset = 0): Tensor {
  checkBoxes(boxes, 'boxArea').number('offset', offset);
  return tidy(() => {
    const [x1, y1, x2, y2] = columns(boxes);
    return sideLength(x1, x2, offset).mul_(sideLength(y1, y2, offset)).squeeze(-1);
  });
}

function sideLength(lo: Tensor, hi: Tensor, offset: number): Tensor {
  const d = hi.sub(lo);
  if (offset !== 0) d.add_(offset);
  return d.clamp_(0);
}

/** Clamps corner boxes (..., 4) to the image [0, width] x [0, height]. */
export function clipBoxes(boxes: Tensor, width: number, height: number): Tensor {
  const c = checkBoxes(boxes, 'clipBoxes');
  c.number('width', width);
  c.number('height', height);
  return tidy(() => {
    const [x1, y1, x2, y2] = columns(boxes);
    return cat([x1.clamp(0, width), y1.clamp(0, height), x2.clamp(0, width), y2.clamp(0, height)], -1);
  });
}

/**
 * Pairwise IoU of corner boxes a (..., N, 4) and b (..., M, 4) -> (..., N, M); leading dimensions broadcast
 * (anchors (N,4) or (1,N,4) against ground truth (B,M,4) give (B,N,M)).
 *
 * MXNet's box_iou (§3.1): iw = max(min(x2a, x2b) - max(x1a, x1b) + offset, 0), likewise ih; inter = iw * ih;
 * IoU = inter / (areaA + areaB - inter) where inter > 0, else 0 (so degenerate boxes give 0, never NaN).
 * Computed in the boxes' dtype, in exactly this operation order (the numpy reference mirrors it, so float32
 * ties and threshold decisions agree bit for bit).
 */
export function boxIou(a: Tensor, b: Tensor, offset = 0): Tensor {
  const c = new ArgCheck('boxIou');
  c.tensor('a', a, ['...', 'N', 4], 'numeric', BOXES);
  c.tensor('b', b, ['...', 'M', 4], 'numeric', BOXES);
  c.number('offset', offset);
  const [la, lb] = [a.shape.slice(0, -2), b.shape.slice(0, -2)];
  for (let i = 1; i <= Math.min(la.length, lb.length); i++) {
    const [x, y] = [la[la.length - i]!, lb[lb.length - i]!];
    if (x !== y && x !== 1 && y !== 1) {
      c.fail(
        `the leading dimensions of a ${formatShape(a.shape)} and b ${formatShape(b.shape)} must broadcast ` +
          `(e.g. a (N, 4) or (1, N, 4) against b (B, M, 4)); got ${formatShape(la)} and ${formatShape(lb)}`,
      );
    }
  }
  return tidy(() => {
    const [ax1, ay1, ax2, ay2] = columns(a); // (..., N, 1)
    const [bx1, by1, bx2, by2] = columns(b).map((c) => c.transpose(-1, -2)); // (..., 1, M)
    const iw = ax2.minimum(bx2!).sub_(ax1.maximum(bx1!));
    const ih = ay2.minimum(by2!).sub_(ay1.maximum(by1!));
    if (offset !== 0) {
      iw.add_(offset);
      ih.add_(offset);
    }
    const inter = iw.clamp_(0).mul_(ih.clamp_(0));
    const areaA = sideLength(ax1, ax2, offset).mul_(sideLength(ay1, ay2, offset));
    const areaB = sideLength(bx1!, bx2!, offset).mul_(sideLength(by1!, by2!, offset));
    const union = areaA.add(areaB).sub_(inter);
    return where(inter.gt(0), inter.div(union), 0);
  });
}
