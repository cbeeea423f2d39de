// Gluon's losses (spec §4.1; MXNet 1.9.1 `gluon/loss.py`). Each returns one value per sample, shape (B,): the
// elementwise loss times sampleWeight (broadcast to the loss's shape) times the scalar weight, then the MEAN over
// every non-batch axis — masked-out elements still count in the denominator.
//
//   const ce = new SoftmaxCrossEntropyLoss();          // pred (B, N, C+1), sparse label (B, N) -> (B,)
//   ce.forward(clsPreds, clsTargets, clsMask);          // clsMask (B, N, 1)
//   new HuberLoss({ rho: 1 }).forward(boxPreds, boxTargets, boxMasks);
import { type Tensor, where } from '../tensor/index.js';

export interface LossOptions {
  /** Scalar multiplier (Gluon's `weight`). */
  weight?: number | null;
  batchAxis?: number;
}

function normAxis(axis: number, ndim: number, what: string): number {
  const a = axis < 0 ? axis + ndim : axis;
  if (!Number.isInteger(a) || a < 0 || a >= ndim) throw new RangeError(`${what}: axis ${axis} is out of range for ${ndim} dimensions`);
  return a;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Gluon's `_apply_weighting` then `mean(axis=batch_axis, exclude=True)`. */
function weightAndMean(loss: Tensor, sampleWeight: Tensor | undefined, weight: number | null, batchAxis: number, what: string): Tensor {
  let l = loss;
  if (sampleWeight !== undefined) {
    const ls = l.shape;
    const ws = sampleWeight.shape;
    const fits = ws.length <= ls.length && ws.every((d, i) => d === 1 || d === ls[ls.length - ws.length + i]);
    if (!fits) {
      throw new RangeError(`${what}: sampleWeight of shape [${ws.join(', ')}] does not broadcast to the loss shape [${ls.join(', ')}]`);
    }
    l = l.mul(sampleWeight);
  }
  if (weight !== null && weight !== 1) l = l.mul(weight);
  const b = normAxis(batchAxis, l.ndim, what);
  const dims = Array.from({ length: l.ndim }, (_, i) => i).filter((i) => i !== b);
  return dims.length === 0 ? l : l.mean(dims);
}

/** Checks that label has pred's shape (Gluon reshapes label like pred; element counts must match). */
function labelLike(label: Tensor, pred: Tensor, what: string): Tensor {
  if (sameShape(label.shape, pred.shape)) return label;
  if (label.numel() !== pred.numel()) {
    throw new RangeError(`${what}: label of shape [${label.shape.join(', ')}] does not match pred of shape [${pred.shape.join(', ')}]`);
  }
  return label.reshape(pred.shape);
}

export interface SoftmaxCrossEntropyLossOptions extends LossOptions {
  axis?: number;
  /** Labels are class indices (default) rather than distributions. */
  sparseLabel?: boolean;
  /** pred already holds log-probabilities. */
  fromLogits?: boolean;
}

/**
 * -log softmax(pred)[label] along `axis` (keepdims), sample-weighted, mean over non-batch axes. Sparse labels
 * are read like MXNet's pick(mode='clip'): truncated to integers and clipped to [0, C-1] (a -1 label reads class 0).
 */
export class SoftmaxCrossEntropyLoss {
  readonly axis: number;
  readonly sparseLabel: boolean;
  readonly fromLogits: boolean;
  readonly weight: number | null;
  readonly batchAxis: number;

  constructor(options: SoftmaxCrossEntropyLossOptions = {}) {
    this.axis = options.axis ?? -1;
    this.sparseLabel = options.sparseLabel ?? true;
    this.fromLogits = options.fromLogits ?? false;
    this.weight = options.weight ?? null;
    this.batchAxis = options.batchAxis ?? 0;
  }

  forward(pred: Tensor, label: Tensor, sampleWeight?: Tensor): Tensor {
    const what = 'SoftmaxCrossEntropyLoss';
    const axis = normAxis(this.axis, pred.ndim, what);
    const logp = this.fromLogits ? pred : pred.logSoftmax(axis);
    let loss: Tensor;
    if (this.sparseLabel) {
      const expected = pred.shape.filter((_, i) => i !== axis);
      let idx = label;
      if (!sameShape(idx.shape, expected)) {
        if (idx.numel() !== expected.reduce((a, b) => a * b, 1)) {
          throw new RangeError(`${what}: sparse label of shape [${label.shape.join(', ')}] does not match pred [${pred.shape.join(', ')}] without axis ${axis}`);
        }
        idx = idx.reshape(expected);
      }
      const c = pred.shape[axis]!;
      idx = idx.long().clamp(0, c - 1).unsqueeze(axis);
      loss = logp.gather(axis, idx).neg();
    } else {
      loss = logp.mul(labelLike(label, pred, what)).sum(axis, true).neg();
    }
    return weightAndMean(loss, sampleWeight, this.weight, this.batchAxis, what);
  }
}

export interface HuberLossOptions extends LossOptions {
  rho?: number;
}

/** |d| - rho/2 where |d| > rho, else d²/(2 rho); d = label - pred. */
export class HuberLoss {
  readonly rho: number;
  readonly weight: number | null;
  readonly batchAxis: number;

  constructor(options: HuberLossOptions = {}) {
    this.rho = options.rho ?? 1;
    if (!(this.rho > 0)) throw new RangeError(`HuberLoss: rho must be positive, got ${this.rho}`);
    this.weight = options.weight ?? null;
    this.batchAxis = options.batchAxis ?? 0;
  }

  forward(pred: Tensor, label: Tensor, sampleWeight?: Tensor): Tensor {
    const d = labelLike(label, pred, 'HuberLoss').sub(pred).abs();
    const loss = where(d.gt(this.rho), d.sub(0.5 * this.rho), d.square().mul(0.5 / this.rho));
    return weightAndMean(loss, sampleWeight, this.weight, this.batchAxis, 'HuberLoss');
  }
}

/** |label - pred|. */
export class L1Loss {
  readonly weight: number | null;
  readonly batchAxis: number;
  constructor(options: LossOptions = {}) {
    this.weight = options.weight ?? null;
    this.batchAxis = options.batchAxis ?? 0;
  }

  forward(pred: Tensor, label: Tensor, sampleWeight?: Tensor): Tensor {
    const loss = labelLike(label, pred, 'L1Loss').sub(pred).abs();
    return weightAndMean(loss, sampleWeight, this.weight, this.batchAxis, 'L1Loss');
  }
}

/** (label - pred)² * weight / 2 (Gluon's L2Loss halves; its weight defaults to 1). */
export class L2Loss {
  readonly weight: number;
  readonly batchAxis: number;
  constructor(options: LossOptions = {}) {
    this.weight = options.weight ?? 1;
    this.batchAxis = options.batchAxis ?? 0;
  }

  forward(pred: Tensor, label: Tensor, sampleWeight?: Tensor): Tensor {
    const loss = labelLike(label, pred, 'L2Loss').sub(pred).square();
    return weightAndMean(loss, sampleWeight, this.weight / 2, this.batchAxis, 'L2Loss');
  }
}
