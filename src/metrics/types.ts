// Shared metric types (spec §7.7): per-image prediction/GT inputs as plain arrays, the [names, values] pair
// every metric's get() returns (GluonCV's EvalMetric convention), and a per-class precision–recall curve.

/** Boxes of one image, corner (xmin, ymin, xmax, ymax): rows of 4, or flat with length 4N (e.g. Tensor.toArray()). */
export type BoxesInput = ArrayLike<number> | ReadonlyArray<ArrayLike<number>>;

/** One value per box of one image (labels, scores, difficult flags): flat, or rows of 1 like GluonCV's (N, 1). */
export type ValuesInput = ArrayLike<number> | ReadonlyArray<ArrayLike<number>>;

/** GluonCV's `get()` result: metric names and their values, index-aligned. */
export type MetricValues = [names: string[], values: number[]];

/** A detection metric that accumulates over batches (GluonCV's mx.metric.EvalMetric shape). */
export interface DetectionMetric {
  /** One batch: one entry per image in every argument. Rows with label < 0 are padding and dropped. */
  update(
    predBboxes: readonly BoxesInput[],
    predLabels: readonly ValuesInput[],
    predScores: readonly ValuesInput[],
    gtBboxes: readonly BoxesInput[],
    gtLabels: readonly ValuesInput[],
    gtDifficults?: readonly (ValuesInput | null | undefined)[] | null,
  ): void;
  get(): MetricValues;
  reset(): void;
}

/** A precision–recall curve of one class, points in detection order (recall non-decreasing). */
export interface PRCurve {
  name: string;
  recall: ArrayLike<number>;
  /** NaN where precision is undefined (no counted detection yet, e.g. only ignored ones so far). */
  precision: ArrayLike<number>;
  /** The AP reported for the class; NaN when the class has no ground truth. */
  ap: number;
}
