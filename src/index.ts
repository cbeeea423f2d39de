// ssdkit: SSD object detection for TypeScript on Node.js, over libtorch.
export * from './tensor/index.js';
export * as nn from './nn/index.js';
export { init } from './nn/index.js';
export * from './data/index.js';
export * from './metrics/index.js';
export * from './detection/index.js';
export * from './models/index.js';
export { VOC_CLASSES } from './data/index.js';
export { trainSSD, reinitPredictors, type TrainOptions, type TrainResult } from './train/trainSSD.js';
export { validate, type ValidateOptions, type ImageDetections } from './train/validate.js';
export { detectImages, type Detector, type DetectOptions } from './train/detectImages.js';
export { scoreDetectionsFile } from './train/scoreDetections.js';
export { runTips } from './examples/trainSSDAdvanced.js';
