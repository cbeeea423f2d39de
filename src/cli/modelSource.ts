// Which SSD a command runs on: a training run (`--prefix P`: P_model.json + P_best.safetensors or --weights) or a
// zoo model (`--model NAME [--weights FILE]`: GluonCV .params or safetensors; without --weights the model-store
// file of getModel's `pretrained: true`). Shared by `ssdkit export` and `ssdkit serve`.
import { UsageError } from './command.js';
import { str } from './flags.js';
import { getModel, type SSD } from '../models/index.js';
import { loadTrainedModel } from '../train/modelSpec.js';

export const MODEL_SOURCE_FLAGS = { prefix: { type: 'string' }, model: { type: 'string' }, weights: { type: 'string' } } as const;

export const MODEL_SOURCE_USAGE = `  --prefix P        a training run: P_model.json and P_best.safetensors (or --weights FILE)
  --model NAME      a zoo model (e.g. ssd_300_vgg16_atrous_voc) with --weights FILE, or its model-store file`;

export interface ModelSource {
  net: SSD;
  /** The input size the model was trained for. */
  dataShape: number;
  /** Where it came from, for messages and metadata. */
  description: string;
}

export function loadModelSource(v: Record<string, unknown>): ModelSource {
  const prefix = str(v, 'prefix');
  const model = str(v, 'model');
  if ((prefix === undefined) === (model === undefined)) throw new UsageError('give one of --prefix RUN or --model NAME');
  if (prefix !== undefined) {
    const { net, spec } = loadTrainedModel(`${prefix}_model.json`, str(v, 'weights', `${prefix}_best.safetensors`));
    const dataShape = spec.preset?.baseSize ?? net.baseSize;
    return { net, dataShape, description: `training run ${prefix} (${spec.name})` };
  }
  const weights = str(v, 'weights');
  const net = getModel(model!, { pretrained: weights ?? true });
  return { net, dataShape: net.baseSize, description: `${model}${weights ? ` with ${weights}` : ''}` };
}
