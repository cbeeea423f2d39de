// What is needed to rebuild a trained model: the preset (a registered name, or a full preset for models the
// zoo does not register, such as the demo's) and the class names. Written beside the weights as
// `<prefix>_model.json` so `ssdkit eval` and `ssdkit detect` can load a training run's output.
import { readFileSync, existsSync } from 'node:fs';
import { atomicWriteFileSync } from '../util/atomicWrite.js';
import { buildSSD, getModel, getPreset, type SSD, type SSDPreset } from '../models/index.js';
import { loadParameters } from '../nn/index.js';

export interface ModelSpec {
  /** The zoo name, or a descriptive name for an unregistered preset. */
  name: string;
  /** Set for presets the zoo does not register. */
  preset?: SSDPreset;
  classes: string[];
}

/** The MobileNet widths the demo preset takes (GluonCV's get_mobilenet multipliers). */
export const DEMO_BASES = ['mobilenet0.25', 'mobilenet0.5', 'mobilenet0.75', 'mobilenet1.0'] as const;
export type DemoBase = (typeof DEMO_BASES)[number];

/**
 * The demo's small detector: MobileNet0.25 (or another width, `base`: 'mobilenet0.5', ...) + FeatureExpander at
 * size×size (a multiple of 32), 6 feature maps —
 * MobileNet's stride-8, 16 and 32 outputs (relu10, relu22, relu26) then three stride-2 extras — and anchor sizes
 * 0.1…1.05 of the input unless `anchorSizes` (7 increasing fractions of the input side) says otherwise.
 * The stride-8 map is what makes small objects matchable: an anchor of side S on a grid of step T reaches IoU 0.5
 * with every box of side S only when S ≥ ~2.7 T (worst-case centre offset T/2 each way); GluonCV's MobileNet SSDs
 * start at stride 16 (relu22), which at 192 px leaves a median demo object (35 px) without any anchor at IoU 0.5.
 */
export function demoPreset(size = 256, anchorSizes: readonly number[] = [0.1, 0.2, 0.37, 0.54, 0.71, 0.88, 1.05], base: DemoBase = 'mobilenet0.25'): SSDPreset {
  if (!Number.isInteger(size / 32) || size < 64) throw new RangeError(`demoPreset: size must be a multiple of 32 >= 64, got ${size}`);
  if (anchorSizes.length !== 7 || anchorSizes.some((f, i) => !(f > 0) || (i > 0 && f <= anchorSizes[i - 1]!))) {
    throw new RangeError(`demoPreset: anchorSizes must be 7 increasing positive fractions, got [${anchorSizes.join(', ')}]`);
  }
  if (!DEMO_BASES.includes(base)) throw new RangeError(`demoPreset: base must be one of ${DEMO_BASES.join(', ')}, got ${String(base)}`);
  const custom = getPreset('ssd_300_mobilenet0.25_custom');
  const featureSizes = [size / 8, size / 16, size / 32];
  while (featureSizes.length < 6) featureSizes.push(Math.max(1, Math.ceil(featureSizes[featureSizes.length - 1]! / 2)));
  return {
    ...custom,
    base,
    name: `ssd_${size}_${base}_demo`,
    features: ['relu10_fwd', 'relu22_fwd', 'relu26_fwd'],
    filters: [256, 128, 128],
    baseSize: size,
    featureSizes,
    steps: featureSizes.map((f) => size / f),
    sizes: anchorSizes.map((f) => f * size),
    pretrained: false,
    note: `ssdkit demo preset (not a GluonCV model): ${base} features at strides 8, 16, 32`,
  };
}

/** Builds (and initializes) the model a spec describes. */
export function buildFromSpec(spec: ModelSpec): SSD {
  if (spec.preset) {
    const net = buildSSD(spec.preset, spec.classes);
    net.initialize();
    return net;
  }
  return getModel(spec.name, { pretrainedBase: false, classes: spec.classes });
}

export function saveModelSpec(path: string, spec: ModelSpec): void {
  atomicWriteFileSync(path, Buffer.from(JSON.stringify(spec, null, 2)));
}

/** Loads `<prefix>_model.json` and the weights file into a new model. */
export function loadTrainedModel(specPath: string, weightsPath: string): { net: SSD; spec: ModelSpec } {
  if (!existsSync(specPath)) throw new Error(`${specPath}: model description not found (written by ssdkit train as <save-prefix>_model.json)`);
  let spec: ModelSpec;
  try {
    spec = JSON.parse(readFileSync(specPath, 'utf8')) as ModelSpec;
  } catch (e) {
    throw new Error(`${specPath}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof spec.name !== 'string' || !Array.isArray(spec.classes)) throw new Error(`${specPath}: expected {name, classes[, preset]}`);
  const net = buildFromSpec(spec);
  loadParameters(weightsPath, net);
  return { net, spec };
}
