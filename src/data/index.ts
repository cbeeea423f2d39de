// The data pipeline (spec §7.3–§7.5, §8): datasets, synthetic data, image I/O, SSD transforms, batching and
// the worker-thread DataLoader.
export * from './types.js';
export { Random, mixSeed, type Rng } from './random.js';
export { DataWarnings, consoleSink, type WarningSink } from './warnings.js';
export { parseBoundedXml, nestingDepth, XmlError, type XmlLimits } from './xml.js';
export * from './imageIO.js';
export { VOCDetection, CustomVOCDetection, VOC_CLASSES, parseVOCAnnotation, formatVOCAnnotation, type VOCLoadOptions, type VOCAnnotation, type VOCObject } from './voc.js';
export { COCODetection, cocoBoxToCorners, type COCOLoadOptions } from './coco.js';
export { LstDetection, parseLstLabel, type LstLoadOptions } from './lst.js';
export { RecordFileDetection, readRecordImage, type RecordFileLoadOptions } from './recordFileDetection.js';
export { readRecordAt, unpackIR, parseIdx, scanRecords, bufferSource, fileSource, RecordIOError, RECORDIO_MAGIC, type IRRecord, type ByteSource } from './recordio.js';
export { makeSyntheticVOC, synthSplits, synthId, SYNTH_CLASSES, type SyntheticVOCOptions, type SyntheticVOCSummary } from './synth.js';
export { makeScene, DEFAULT_OBJECT_COUNTS, type Scene, type SceneObject } from './synthScene.js';
export { readSample, SampleError, type Sample } from './sample.js';
export * from './batchify.js';
export { fieldToTensor, fieldsToTensors, batchToTensors } from './batchTensors.js';
export * from './workerTransform.js';
export { DataLoader, shardOrder, type Shard, type DataLoaderOptions, type Batch, type EpochStats, type SkippedSample, type LastBatch } from './loader.js';
export * from './transforms/bbox.js';
export * from './transforms/image.js';
export * from './transforms/resize.js';
export * from './transforms/ssdPresets.js';
