// GluonCV's model zoo for SSD (`gluoncv/model_zoo/model_zoo.py`, `ssd/presets.py`, `get_ssd`; spec §1): builds
// the SSD of a registered name from its preset (src/models/presets.ts) and fills its weights.
//
//   const net = getModel('ssd_300_vgg16_atrous_voc', { pretrainedBase: false });   // random init, like the seed
//   const net = getModel('ssd_512_mobilenet1.0_custom', { classes: ['cat', 'dog'], transfer: 'voc' });
//
// Weights, as GluonCV but never downloaded (modelStore.ts): `pretrained` loads the whole detector (a file path,
// or true for <root>/<name>...); otherwise `pretrainedBase` (default true, as GluonCV) loads the ImageNet
// backbone (`vgg16_atrous`, `resnet50_v1`, `mobilenet1.0`, `resnet34_v1b`, ...) over a randomly initialized
// model. Initialization is train_ssd.py's `net.initialize()`: every parameter's own initializer (spec §5), the
// default Uniform(0.07) for the rest (backbone convs without a file, the FeatureExpander layers).
// Bases implemented: vgg16_atrous (300, 512), resnet18_v1, resnet50_v1, mobilenet1.0, mobilenet0.25,
// resnet34_v1b, and the mobilenet1.0 lite variant (1x1 predictors, LiteAnchorGenerator). Not implemented:
// resnet101_v2 and resnet152_v2 (their FeatureExpander outputs name MXNet symbols inside pre-activation blocks
// whose numbering cannot be checked here; see README).
import { type Initializer } from '../nn/index.js';
import { getPreset, presetNames, type SSDPreset } from './presets.js';
import { SSD, type ClassDecoderKind } from './ssd/ssd.js';
import { type MultiFeatureExtractor } from './ssd/features.js';
import { getVggAtrousExtractor } from './ssd/vggAtrous.js';
import { FeatureExpander } from './ssd/featureExpander.js';
import { getResNetV1 } from './ssd/resnetV1.js';
import { getMobileNet } from './ssd/mobilenet.js';
import { getResNetV1b } from './ssd/resnetV1b.js';
import { ResNetV1bSSD } from './ssd/resnetV1bSSD.js';
import { getModelFile } from './modelStore.js';
import { loadWeights, WeightsError } from './weights.js';
import { getTorchvisionModel, isTorchvisionModel, type TorchvisionModelName, type TorchvisionModelOptions } from './torchvision/zoo.js';
import { type TorchvisionSSD300 } from './torchvision/ssd300Vgg16.js';

export interface GetModelOptions {
  /** Load the trained detector: true = <root>/<name>(.safetensors|.params|-<sha1>.params), or a file path. */
  pretrained?: boolean | string;
  /** Load the ImageNet backbone (ignored with pretrained): true (default) = <root>/<base name>..., or a path. */
  pretrainedBase?: boolean | string;
  /** Foreground classes: required for *_custom; for voc/coco presets the class predictors are reset to them. */
  classes?: readonly string[];
  /** *_custom only: start from the pretrained voc/coco detector and reuse the classes both share. */
  transfer?: 'voc' | 'coco';
  /** Weights directory (default ~/.ssdkit/models). */
  root?: string;
  /** Initialize the parameters (default true); false leaves those not loaded from a file unallocated. */
  initialize?: boolean;
  /** Default for parameters without their own initializer (GluonCV: Uniform(0.07)). */
  defaultInit?: Initializer;
  nmsThresh?: number;
  nmsTopk?: number;
  postNms?: number;
  clsDecoder?: ClassDecoderKind;
}

const SUPPORTED_BASES = ['vgg16_atrous', 'resnet18_v1', 'resnet50_v1', 'mobilenet1.0', 'mobilenet0.75', 'mobilenet0.5', 'mobilenet0.25', 'resnet34_v1b'];

/** Whether getModel can build the preset (its backbone is implemented). */
export function isSupported(preset: SSDPreset): boolean {
  return SUPPORTED_BASES.includes(preset.base) && (preset.anchorKind === 'ssd' || preset.anchorKind === 'lite');
}

/** The registered SSD names getModel can build. */
export function modelNames(): string[] {
  return presetNames().filter((n) => isSupported(getPreset(n)));
}

function featureFactory(p: SSDPreset): () => MultiFeatureExtractor {
  const filters = p.filters ?? [];
  switch (p.base) {
    case 'vgg16_atrous':
      if (p.baseSize !== 300 && p.baseSize !== 512) throw new RangeError(`getModel: no VGG16-atrous extractor for input ${p.baseSize}`);
      return () => getVggAtrousExtractor(16, p.baseSize as 300 | 512);
    case 'resnet18_v1':
    case 'resnet50_v1':
      return () =>
        new FeatureExpander({ network: getResNetV1(p.base === 'resnet18_v1' ? 18 : 50), networkName: p.base, outputs: p.features, numFilters: filters });
    case 'mobilenet1.0':
    case 'mobilenet0.75':
    case 'mobilenet0.5':
    case 'mobilenet0.25':
      return () =>
        new FeatureExpander({
          network: getMobileNet(Number(p.base.slice('mobilenet'.length))), networkName: p.base, outputs: p.features, numFilters: filters,
          reduceRatio: p.reduceRatio, minDepth: p.minDepth,
        });
    case 'resnet34_v1b':
      // GluonCV builds layer3 with stride 2 and then sets it to 1 (spec §2.6).
      return () => new ResNetV1bSSD({ network: getResNetV1b(34, { strides: [1, 2, 1, 2] }), networkName: 'resnet34_v1b', addFilters: filters });
    default:
      throw new RangeError(`getModel: backbone '${p.base}' of ${p.name} is not implemented (implemented: ${SUPPORTED_BASES.join(', ')})`);
  }
}

/** Builds the SSD of a preset with the given classes (no weights, parameters not allocated). */
export function buildSSD(preset: SSDPreset, classes: readonly string[], options: Pick<GetModelOptions, 'nmsThresh' | 'nmsTopk' | 'postNms' | 'clsDecoder'> = {}): SSD {
  if (!isSupported(preset)) {
    throw new RangeError(
      `getModel: ${preset.name} is not implemented (${preset.anchorKind === 'lite' ? 'the lite predictors/anchors' : `backbone '${preset.base}'`}); available: ${modelNames().join(', ')}`,
    );
  }
  return new SSD({
    features: featureFactory(preset),
    baseSize: preset.baseSize,
    sizes: preset.sizes,
    ratios: preset.ratios,
    steps: preset.steps,
    classes,
    anchorKind: preset.anchorKind,
    predictorsKernel: preset.predictorsKernel,
    predictorsPad: preset.predictorsPad,
    ...options,
  });
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * GluonCV's get_model for the SSD presets of spec §1.2 (see the file header); 'torchvision:ssd300_vgg16' builds
 * torchvision's SSD300 instead (torchvision/zoo.ts). A name typed as plain `string` is typed SSD: use
 * getDetector for names that may be torchvision's.
 */
export function getModel(name: TorchvisionModelName, options?: TorchvisionModelOptions): TorchvisionSSD300;
export function getModel(name: string, options?: GetModelOptions): SSD;
export function getModel(name: string, options: GetModelOptions = {}): SSD | TorchvisionSSD300 {
  return isTorchvisionModel(name) ? getTorchvisionModel(name, options) : getGluonModel(name, options);
}

/** getModel for any zoo name, GluonCV's or torchvision's, typed as either. */
export function getDetector(name: string, options: GetModelOptions = {}): SSD | TorchvisionSSD300 {
  return getModel(name, options);
}

function getGluonModel(name: string, options: GetModelOptions): SSD {
  const preset = getPreset(name);
  const head = { nmsThresh: options.nmsThresh, nmsTopk: options.nmsTopk, postNms: options.postNms, clsDecoder: options.clsDecoder };
  if (options.transfer !== undefined) {
    if (preset.dataset !== 'custom') throw new RangeError(`getModel: transfer applies to *_custom models, not ${name}`);
    if (!options.classes?.length) throw new RangeError(`getModel: ${name} with transfer needs classes`);
    const source = name.replace(/_custom$/, `_${options.transfer}`);
    const net = getGluonModel(source, { ...options, transfer: undefined, classes: undefined, pretrained: options.pretrained === undefined || options.pretrained === true ? true : options.pretrained });
    net.resetClass(options.classes, { reuseWeights: options.classes.filter((c) => net.classes.includes(c)) });
    return net;
  }
  let classes: readonly string[];
  if (preset.classes === null) {
    if (!options.classes?.length) throw new RangeError(`getModel: ${name} needs classes (the foreground class names of your data)`);
    classes = options.classes;
  } else {
    classes = preset.classes;
  }
  const net = buildSSD(preset, classes, head);
  try {
    if (options.initialize ?? true) net.initialize(options.defaultInit);
    if (options.pretrained) {
      const file = typeof options.pretrained === 'string' ? options.pretrained : getModelFile(name, options.root, 'pretrained weights');
      loadWeights(net, file);
    } else if (options.pretrainedBase ?? true) {
      const base = net.features.pretrainedBase;
      let file: string;
      try {
        file = typeof options.pretrainedBase === 'string' ? options.pretrainedBase : getModelFile(base.name, options.root, `the pretrained base network of ${name}`);
      } catch (e) {
        if (e instanceof WeightsError) throw new WeightsError(`${e.message} (or build with pretrainedBase: false for a random initialization)`);
        throw e;
      }
      loadWeights(base.block, file, { allowMissing: base.allowMissing, ignoreExtra: base.ignoreExtra });
    }
  } catch (e) {
    net.dispose();
    throw e;
  }
  if (options.classes && preset.classes !== null && !sameList(options.classes, preset.classes)) {
    net.resetClass(options.classes, { reuseWeights: options.classes.filter((c) => preset.classes!.includes(c)) });
  }
  return net;
}
