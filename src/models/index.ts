// The SSD model zoo (src/models): GluonCV's SSD with its VGG16-atrous, ResNet and MobileNet feature extractors,
// getModel for the registered presets, resetClass, weights (ssdkit safetensors, MXNet/GluonCV .params) and the
// model summary behind `ssdkit info` (spec §1, §2, §5, §6).
export {
  SSD_PRESETS,
  VOC_CLASSES,
  COCO_CLASSES,
  getPreset,
  presetNames,
  type SSDPreset,
  type PresetDataset,
} from './presets.js';
export { SSD, type AnchorSet, type SSDOptions, type SSDTrainingOutput, type ClassDecoderKind, type ResetClassOptions } from './ssd/ssd.js';
export { ConvPredictor, type ConvPredictorOptions } from './ssd/convPredictor.js';
export { SSDAnchorGeneratorBlock, type AnchorGeneratorBlockOptions } from './ssd/anchorGenerator.js';
export { type MultiFeatureExtractor, type PretrainedBase } from './ssd/features.js';
export {
  VGGAtrousExtractor,
  getVggAtrousExtractor,
  vgg16Atrous300,
  vgg16Atrous512,
  VGG_SPEC,
  EXTRA_SPEC,
  type ExtraConv,
  type VGGAtrousExtractorOptions,
} from './ssd/vggAtrous.js';
export { FeatureExpander, SymbolBatchNorm, type FeatureExpanderOptions, type NamedOutputNetwork } from './ssd/featureExpander.js';
export { ResNetV1, BasicBlockV1, BottleneckV1, getResNetV1, RESNET_SPEC, type ResNetV1Options, type ResNetBlockKind } from './ssd/resnetV1.js';
export { ResNetV1b, BasicBlockV1b, BottleneckV1b, getResNetV1b, RESNET_V1B_SPEC, type ResNetV1bOptions } from './ssd/resnetV1b.js';
export { ResNetV1bSSD, type ResNetV1bSSDOptions } from './ssd/resnetV1bSSD.js';
export { MobileNet, getMobileNet, type MobileNetOptions } from './ssd/mobilenet.js';
export { resolveReuseWeights, reshapeParameter, type ReuseWeights } from './ssd/resetClass.js';
export { getModel, getDetector, buildSSD, modelNames, isSupported, type GetModelOptions } from './zoo.js';
export { TorchvisionSSD300, SSDFeatureExtractorVGG, SSDHead, SSDScoringHead, SSD300_VGG16_CONFIG } from './torchvision/ssd300Vgg16.js';
export { getTorchvisionModel, isTorchvisionModel, TORCHVISION_MODELS, type TorchvisionModelName, type TorchvisionModelOptions } from './torchvision/zoo.js';
export { TORCHVISION_COCO_CATEGORIES } from './torchvision/categories.js';
export { type TorchvisionDetections } from './torchvision/postprocess.js';
export { detectImage, detectDecoded, toRGB, type ImageInput, type DetectionRow, type ImageDetectOptions } from './imageDetect.js';
export { getModelFile, defaultModelRoot, GLUONCV_SHA1 } from './modelStore.js';
export {
  loadWeights,
  saveWeights,
  importParameters,
  exportMxnetParams,
  WeightsError,
  type ImportOptions,
  type ImportResult,
  type MxnetNaming,
} from './weights.js';
export {
  decodeMxnetParams,
  encodeMxnetParams,
  loadMxnetParams,
  saveMxnetParams,
  mxnetParamsToTensors,
  looksLikeMxnetParams,
  MxnetParamsError,
  type MxnetArray,
  type MxnetParamsContent,
} from './mxnetParams.js';
export { decodePth, looksLikePth, PthError, type DecodedPth } from './pth.js';
export { unpickle, PickleError, type PickleValue, type UnpickleOptions } from './pickle.js';
export { readZipDirectory, ZipError, type ZipLimits, type ZipEntry } from './zipDirectory.js';
export { loadPretrainedBase, formatPretrainedBaseReport, type PretrainedBaseReport } from './pretrainedBase.js';
export { torchvisionBackboneKind, vgg16ToAtrous, decimate } from './torchvisionBase.js';
export { describeParameters, snakeCase, camelCase, type ParameterNames } from './parameterNames.js';
export { summarizeModel, type ModelSummary, type ParameterSummary } from './summary.js';
