// Detection metrics (spec §7.7): VOC 11-point / area mAP, COCO bbox evaluation and GluonCV's COCO adapter,
// and reports (text table, JSON, PR-curve images).
export type { BoxesInput, ValuesInput, MetricValues, DetectionMetric, PRCurve } from './types.js';
export { voc07AveragePrecision, vocAveragePrecision } from './averagePrecision.js';
export { VOCMApMetric, VOC07MApMetric, descendingOrder, type VOCMApMetricOptions } from './vocDetection.js';
export {
  cocoEvaluate, cocoCategoryAP, cocoPRCurves, COCO_STAT_NAMES, COCO_AREA_LABELS, COCO_AREA_RANGES, COCO_MAX_DETS,
  COCO_IOU_THRS, COCO_REC_THRS,
  type COCOGroundTruth, type COCOImage, type COCOAnnotation, type COCOCategory, type COCODetectionResult,
  type COCOEvalResult, type COCOCategoryAPOptions,
} from './cocoEval.js';
export { COCODetectionMetric, type COCODetectionMetricOptions, type COCOImageRef } from './cocoDetection.js';
export { formatAPTable, apReport, apReportJSON, formatCOCOSummary, type APTableOptions, type APReport } from './report.js';
export { prCurvesSVG, writePRCurvesPNG, type PRPlotOptions, type PRPlot } from './prPlot.js';
