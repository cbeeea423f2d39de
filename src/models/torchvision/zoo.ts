// torchvision detection models in ssdkit's zoo (`getModel('torchvision:ssd300_vgg16', ...)`, zoo.ts): built with
// torchvision's names, initialized as torchvision initializes them, and filled from a `torch.save` state dict
// (`.pth`: pth.ts) or any other weights file loadWeights reads. ssdkit never downloads: `pretrained: true`
// looks for torchvision's file name in the model root.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadWeights, WeightsError } from '../weights.js';
import { defaultModelRoot } from '../modelStore.js';
import { TorchvisionSSD300 } from './ssd300Vgg16.js';

export const TORCHVISION_MODELS = ['torchvision:ssd300_vgg16'] as const;
export type TorchvisionModelName = (typeof TORCHVISION_MODELS)[number];

/** torchvision's published weight files (`SSD300_VGG16_Weights.COCO_V1`). */
const TORCHVISION_FILES: Record<TorchvisionModelName, string> = { 'torchvision:ssd300_vgg16': 'ssd300_vgg16_coco-b556d3b4.pth' };

export interface TorchvisionModelOptions {
  /** A weights file (torchvision's .pth, or safetensors saved by ssdkit), or true for <root>/<torchvision's file name>. */
  pretrained?: boolean | string;
  /** Weights directory for pretrained: true (default ~/.ssdkit/models). */
  root?: string;
}

export function isTorchvisionModel(name: string): name is TorchvisionModelName {
  return (TORCHVISION_MODELS as readonly string[]).includes(name);
}

/** Builds a torchvision model by its zoo name; see the file header. */
export function getTorchvisionModel(name: string, options: TorchvisionModelOptions = {}): TorchvisionSSD300 {
  if (!isTorchvisionModel(name)) throw new RangeError(`getModel: no torchvision model '${name}' (available: ${TORCHVISION_MODELS.join(', ')})`);
  const net = new TorchvisionSSD300();
  try {
    net.initialize();
    if (options.pretrained) {
      let file = options.pretrained;
      if (file === true) {
        file = join(options.root ?? defaultModelRoot(), TORCHVISION_FILES[name]);
        if (!existsSync(file)) throw new WeightsError(`pretrained weights for '${name}' not found: put torchvision's ${TORCHVISION_FILES[name]} at ${file}, or pass a file path (ssdkit never downloads weights)`);
      }
      loadWeights(net, file);
    }
  } catch (e) {
    net.dispose();
    throw e;
  }
  return net;
}
