// ssdkit: SSD object detection for TypeScript on Node.js, over libtorch.
export * from './tensor/index.js';
export * as nn from './nn/index.js';
export { init } from './nn/index.js';
export * from './data/index.js';
export * from './metrics/index.js';
