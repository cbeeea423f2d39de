// IoU of a fixed anchor set against batches of ground truth (spec §3.1), for the target generator: the same values
// as boxIou(centerToCorner(anchors), gt), bit for bit, computed into buffers that are reused chunk after chunk.
//
// For anchors with a known grid layout (from ssdAnchors, or declared with setAnchorLayout) an anchor's x extent
// depends only on its column and shape, its y extent only on its row and shape, so the clamped intersection widths
// and heights are computed once per (column, shape) and (row, shape) and broadcast into the buffer: no (B, N, M)
// temporaries. The result is handed out column major (a (B, N, M) view of a (B, M, N) buffer), the layout in which
// the matchers' reductions are fast. Other anchor tensors fall back to boxIou.
import { type Tensor, cat, empty, tidy } from '../tensor/index.js';
import { boxIou, centerToCorner } from './bbox.js';
import { anchorLayout, type AnchorLayer } from './anchor.js';
import { ArgCheck } from '../util/checkArgs.js';

interface Grid {
  layers: readonly AnchorLayer[];
  /** Per layer (width * depth) x extents and (height * depth) y extents, concatenated: (Gx, 1) and (Gy, 1). */
  x1: Tensor;
  x2: Tensor;
  y1: Tensor;
  y2: Tensor;
  /** Start of each layer's rows in x1/x2 and y1/y2. */
  xOffsets: number[];
  yOffsets: number[];
}

/**
 * Holds the anchors' corner form, areas and two (batch x N x columns) buffers. Create it inside a tidy() scope
 * that outlives every compute() call; its tensors are freed with that scope.
 */
export class AnchorIou {
  /** (N, 4) corner anchors. */
  readonly corners: Tensor;
  readonly count: number;
  private readonly areas: Tensor; // (1, N, 1)
  private readonly grid: Grid | null;
  /** (batch, N, columns): the layout in which the grid broadcasts are fastest. */
  private readonly inter: Tensor | null = null;
  /** (batch, columns, N): the union, then the result, column major so that reductions over columns vectorize. */
  private readonly union: Tensor | null = null;
  /** Every anchor has a positive area, so a union is never 0 (no 0/0 to guard against). */
  private readonly positiveAreas: boolean;

  /** anchors: (N, 4) or (1, N, 4) center format; compute() then takes up to `batch` images of `columns` boxes. */
  constructor(anchors: Tensor, batch: number, columns: number) {
    const c = new ArgCheck('AnchorIou');
    c.tensor('anchors', anchors, [['N', 4], [1, 'N', 4]], 'numeric', { hint: 'center anchors' });
    c.number('batch', batch, { integer: true, min: 1 });
    c.number('columns', columns, { integer: true, min: 0 });
    const layout = anchorLayout(anchors);
    this.corners = centerToCorner(anchors.reshape(-1, 4));
    this.count = this.corners.shape[0]!;
    const [x1, y1, x2, y2] = this.corners.split(1, -1) as [Tensor, Tensor, Tensor, Tensor];
    this.areas = x2.sub(x1).clamp_(0).mul_(y2.sub(y1).clamp_(0)).reshape(1, this.count, 1);
    this.positiveAreas = this.count > 0 && this.areas.min().item() > 0;
    this.grid = layout && columns > 0 ? gridOf(this.corners, layout) : null;
    if (this.grid) {
      this.inter = empty([batch, this.count, columns], { device: anchors.device });
      this.union = empty([batch, columns, this.count], { device: anchors.device });
    }
  }

  /**
   * IoU (b, N, M) of gt (b, M, 4) corner boxes; columns where `real` (b, M) is false are zeroed. On the grid path
   * the result is a transposed view of a reused (b, M, N) buffer, valid until the next compute().
   */
  compute(gt: Tensor, real: Tensor | null = null): Tensor {
    const c = new ArgCheck('AnchorIou.compute');
    c.tensor('gt', gt, ['b', 'M', 4], 'numeric', { hint: 'corner boxes' });
    if (real !== null) c.tensor('real', real, ['b', 'M'], 'any');
    const [b, M] = gt.shape as [number, number, number];
    const N = this.count;
    const g = this.grid;
    if (g === null || this.inter === null || this.union === null || this.inter.shape[0]! < b || this.inter.shape[2] !== M) {
      const iou = boxIou(this.corners, gt);
      return real === null ? iou : iou.mul_(real.unsqueeze(1).float());
    }
    const inter = this.inter.narrow(0, 0, b);
    const union = this.union.narrow(0, 0, b);
    tidy(() => {
      const [gx1, gy1, gx2, gy2] = gt.split(1, -1).map((c) => c.transpose(1, 2)) as [Tensor, Tensor, Tensor, Tensor]; // (b, 1, M)
      const ix = g.x2.minimum(gx2).sub_(g.x1.maximum(gx1)).clamp_(0); // (b, Gx, M)
      const iy = g.y2.minimum(gy2).sub_(g.y1.maximum(gy1)).clamp_(0); // (b, Gy, M)
      if (real !== null) ix.mul_(real.unsqueeze(1).float()); // padding columns: no intersection, IoU 0
      g.layers.forEach((l, i) => {
        const rows = inter.narrow(1, l.offset, l.height * l.width * l.depth).view(b, l.height, l.width, l.depth, M);
        rows.copy_(ix.narrow(1, g.xOffsets[i]!, l.width * l.depth).view(b, 1, l.width, l.depth, M));
        rows.mul_(iy.narrow(1, g.yOffsets[i]!, l.height * l.depth).view(b, l.height, 1, l.depth, M));
      });
      const areaB = gx2.sub(gx1).clamp_(0).mul_(gy2.sub(gy1).clamp_(0)); // (b, 1, M)
      // union = (areaA + areaB) - inter, as boxIou; with an empty anchor, clamping it away from 0 makes the
      // 0/0 of two empty boxes 0 (union > 0 whenever inter > 0). Then IoU = inter / union, transposed into
      // the column-major buffer.
      const u = union.view(b, N, M); // the second buffer's memory, first as (b, N, M) scratch
      u.copy_(this.areas.expand(b, N, M));
      u.add_(areaB).sub_(inter);
      if (!this.positiveAreas) u.clamp_(1e-30);
      inter.div_(u);
      union.copy_(inter.transpose(1, 2));
    });
    return union.transpose(1, 2);
  }
}

function gridOf(corners: Tensor, layers: readonly AnchorLayer[]): Grid {
  const xs: Tensor[] = [];
  const ys: Tensor[] = [];
  const xOffsets: number[] = [];
  const yOffsets: number[] = [];
  let gx = 0;
  let gy = 0;
  for (const l of layers) {
    const grid = corners.narrow(0, l.offset, l.height * l.width * l.depth).view(l.height, l.width, l.depth, 4);
    xs.push(grid.select(0, 0).reshape(l.width * l.depth, 4)); // first row: every column's x extents
    ys.push(grid.select(1, 0).reshape(l.height * l.depth, 4)); // first column: every row's y extents
    xOffsets.push(gx);
    yOffsets.push(gy);
    gx += l.width * l.depth;
    gy += l.height * l.depth;
  }
  const x = cat(xs);
  const y = cat(ys);
  return {
    layers,
    x1: x.narrow(1, 0, 1).contiguous(),
    x2: x.narrow(1, 2, 1).contiguous(),
    y1: y.narrow(1, 1, 1).contiguous(),
    y2: y.narrow(1, 3, 1).contiguous(),
    xOffsets,
    yOffsets,
  };
}
