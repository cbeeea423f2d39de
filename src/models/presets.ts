// The SSD model-zoo presets of GluonCV (spec §1.1–1.2): per registered model name, the backbone, input size,
// anchor sizes / ratios / steps, the feature-map sizes they are laid on (spec's derived table) and the classes.
// Shared by the anchor generator (src/detection) and the model zoo.
//
//   const p = getPreset('ssd_300_vgg16_atrous_voc');   // p.featureSizes = [38, 19, 10, 5, 3, 1]
//   ssdAnchors(p).shape;                                // [8732, 4]
import type { AnchorKind, SSDAnchorConfig } from '../detection/anchor.js';

export const VOC_CLASSES: readonly string[] = [
  'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow', 'diningtable', 'dog',
  'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor',
];

export const COCO_CLASSES: readonly string[] = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant',
  'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee', 'skis', 'snowboard',
  'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange', 'broccoli',
  'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed', 'dining table', 'toilet',
  'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven', 'toaster', 'sink',
  'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
];

export type PresetDataset = 'voc' | 'coco' | 'custom';

export interface SSDPreset extends SSDAnchorConfig {
  name: string;
  /** Backbone: vgg16_atrous, resnet50_v1, mobilenet1.0, ... */
  base: string;
  /** The backbone layers the first predictors read (GluonCV names; 'built-in' for the VGG/ResNet34 extractors). */
  features: string[];
  /** Channels of the extra feature layers (FeatureExpander, or ResNet34-v1b's own); null for VGG's fixed extras (§2.2). */
  filters: number[] | null;
  dataset: PresetDataset;
  /** Class names; null for *_custom presets, whose classes the user supplies. */
  classes: readonly string[] | null;
  anchorKind: AnchorKind;
  /** GluonCV publishes trained weights for this name (spec §1.1). */
  pretrained: boolean;
  /** Spec caveat, when there is one. */
  note?: string;
  /** FeatureExpander's reduce_ratio and min_depth when not GluonCV's defaults (1, 128). */
  reduceRatio?: number;
  minDepth?: number;
  /** Predictor convolution kernel and padding when not 3 / 1 (get_ssd's predictors_kernel / predictors_pad). */
  predictorsKernel?: number;
  predictorsPad?: number;
}

const R3 = [1, 2, 0.5];
const R5 = [1, 2, 0.5, 3, 1 / 3];
const VGG300_VOC_SIZES = [30, 60, 111, 162, 213, 264, 315];
const S300_COCO_SIZES = [21, 45, 99, 153, 207, 261, 315];
const VGG512_SIZES = [51.2, 76.8, 153.6, 230.4, 307.2, 384.0, 460.8, 537.6];
const S512_SIZES = [51.2, 102.4, 189.4, 276.4, 363.52, 450.6, 492];
const S512_COCO_SIZES = [51.2, 133.12, 215.04, 296.96, 378.88, 460.8, 542.72];
const R6 = [R3, R5, R5, R5, R3, R3];
const STEPS300 = [8, 16, 32, 64, 100, 300];
const STEPS512_6 = [16, 32, 64, 128, 256, 512];
const FEAT300 = [38, 19, 10, 5, 3, 1];
const FEAT512_7 = [64, 32, 16, 8, 4, 2, 1];
const FEAT512_6 = [32, 16, 8, 4, 2, 1];
const EXPANDER = [512, 512, 256, 256];

type Family = Omit<SSDPreset, 'name' | 'dataset' | 'classes' | 'pretrained' | 'sizes'> & { sizes?: number[] };

const vgg300: Family = {
  base: 'vgg16_atrous', features: ['built-in'], filters: null, baseSize: 300,
  ratios: R6, steps: STEPS300, featureSizes: FEAT300, anchorKind: 'ssd',
};
const vgg512: Family = {
  base: 'vgg16_atrous', features: ['built-in'], filters: null, baseSize: 512, sizes: VGG512_SIZES,
  ratios: [R3, R5, R5, R5, R5, R3, R3], steps: [8, 16, 32, 64, 128, 256, 512], featureSizes: FEAT512_7, anchorKind: 'ssd',
};
const expander512 = (base: string, features: string[]): Family => ({
  base, features, filters: EXPANDER, baseSize: 512, sizes: S512_SIZES,
  ratios: R6, steps: STEPS512_6, featureSizes: FEAT512_6, anchorKind: 'ssd',
});

const PRETRAINED = new Set([
  'ssd_300_vgg16_atrous_voc', 'ssd_512_vgg16_atrous_voc', 'ssd_512_resnet50_v1_voc', 'ssd_512_resnet101_v2_voc',
  'ssd_512_mobilenet1.0_voc', 'ssd_300_vgg16_atrous_coco', 'ssd_512_vgg16_atrous_coco', 'ssd_300_resnet34_v1b_coco',
  'ssd_512_resnet50_v1_coco', 'ssd_512_mobilenet1.0_coco',
]);

function define(prefix: string, family: Family, sizesByDataset: Partial<Record<PresetDataset, number[]>>, datasets: PresetDataset[]): SSDPreset[] {
  return datasets.map((dataset) => {
    const name = `${prefix}_${dataset}`;
    const sizes = sizesByDataset[dataset] ?? family.sizes;
    if (!sizes) throw new Error(`presets: no sizes for ${name}`);
    const classes = dataset === 'voc' ? VOC_CLASSES : dataset === 'coco' ? COCO_CLASSES : null;
    return { ...family, name, dataset, classes, sizes, pretrained: PRETRAINED.has(name) };
  });
}

const LIST: SSDPreset[] = [
  ...define('ssd_300_vgg16_atrous', vgg300, { voc: VGG300_VOC_SIZES, coco: S300_COCO_SIZES, custom: S300_COCO_SIZES }, ['voc', 'coco', 'custom']),
  ...define('ssd_512_vgg16_atrous', vgg512, {}, ['voc', 'coco', 'custom']),
  ...define('ssd_512_resnet18_v1', expander512('resnet18_v1', ['stage3_activation1', 'stage4_activation1']), {}, ['voc', 'coco']),
  ...define(
    'ssd_512_resnet50_v1',
    expander512('resnet50_v1', ['stage3_activation5', 'stage4_activation2']),
    { coco: S512_COCO_SIZES, custom: S512_COCO_SIZES },
    ['voc', 'coco', 'custom'],
  ),
  ...define('ssd_512_resnet101_v2', expander512('resnet101_v2', ['stage3_activation22', 'stage4_activation2']), {}, ['voc']),
  ...define(
    'ssd_512_resnet152_v2',
    { ...vgg512, base: 'resnet152_v2', features: ['stage2_activation7', 'stage3_activation35', 'stage4_activation2'], filters: EXPANDER },
    {},
    ['voc'],
  ),
  ...define('ssd_512_mobilenet1.0', expander512('mobilenet1.0', ['relu22_fwd', 'relu26_fwd']), {}, ['voc', 'coco', 'custom']),
  ...define(
    'ssd_300_mobilenet1.0_lite',
    {
      base: 'mobilenet1.0', features: ['relu22_fwd', 'relu26_fwd'], filters: [512, 256, 256, 128], baseSize: 300,
      sizes: [60, 105, 150, 195, 240, 285, 300], ratios: [R3, R5, R5, R5, R5, R5], steps: [16, 30, 60, 100, 150, 300],
      featureSizes: [19, 10, 5, 3, 2, 1], anchorKind: 'lite', reduceRatio: 0.5, minDepth: 64, predictorsKernel: 1, predictorsPad: 0,
      note: 'LiteAnchorGenerator; feature sizes derived (stride 16 and 32, then four stride-2 extras), 1917 anchors like TF ssd_mobilenet_v1',
    },
    {},
    ['coco'],
  ),
  ...define(
    'ssd_300_mobilenet0.25',
    {
      base: 'mobilenet0.25', features: ['relu22_fwd', 'relu26_fwd'], filters: [256, 256, 128, 128], baseSize: 300,
      sizes: S300_COCO_SIZES, ratios: R6, steps: STEPS300, featureSizes: [19, 10, 5, 3, 2, 1], anchorKind: 'ssd',
      note: 'untested upstream: steps 8..300 but relu22 is stride 16 (19x19), so anchor centres do not cover the image (spec §1.2)',
    },
    {},
    ['voc', 'coco', 'custom'],
  ),
  ...define(
    'ssd_300_resnet34_v1b',
    { base: 'resnet34_v1b', features: ['built-in'], filters: [256, 256, 128, 128], baseSize: 300, sizes: S300_COCO_SIZES, ratios: R6, steps: STEPS300, featureSizes: FEAT300, anchorKind: 'ssd' },
    {},
    ['voc', 'coco', 'custom'],
  ),
];

/** Every registered SSD preset by name (GluonCV's registry spelling, e.g. 'ssd_512_mobilenet1.0_voc'). */
export const SSD_PRESETS: Readonly<Record<string, SSDPreset>> = Object.freeze(Object.fromEntries(LIST.map((p) => [p.name, p])));

export function presetNames(): string[] {
  return Object.keys(SSD_PRESETS);
}

/** The preset of a model name; throws naming the known models otherwise. */
export function getPreset(name: string): SSDPreset {
  const p = SSD_PRESETS[name];
  if (!p) throw new RangeError(`unknown model '${name}'; known SSD models: ${presetNames().join(', ')}`);
  return p;
}
