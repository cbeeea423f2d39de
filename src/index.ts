// ssdkit: SSD object detection for TypeScript on Node.js, over libtorch.
export * from './tensor/index.js';
