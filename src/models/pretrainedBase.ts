// `ssdkit train --pretrained-base FILE`: an ImageNet backbone file loaded into an SSD's base network as GluonCV's
// get_model(..., pretrained_base=True) does (`gluoncv/model_zoo/ssd/vgg_atrous.py` get_vgg_atrous_extractor,
// `ssd.py` FeatureExpander over the ImageNet network): into `net.features.pretrainedBase.block` only, parameters
// the file lacks (SSD's extras, L2 norm scale) left as initialized, entries the SSD lacks (the ImageNet
// classifier) ignored; with a count of each for the user. GluonCV `.params` files (vgg16_atrous-4fa2e1ad.params,
// resnet50_v1-*.params, mobilenet1.0-*.params; any naming scheme), ssdkit safetensors, and torchvision ImageNet
// checkpoints where the layers correspond (torchvisionBase.ts: vgg16 -> vgg16_atrous).
//
//   const report = loadPretrainedBase(net, 'vgg16_atrous-4fa2e1ad.params');
//   log(formatPretrainedBaseReport(report));
import { readWeightsFile } from './readWeightsFile.js';
import { type Tensor, dispose } from '../tensor/index.js';
import type { SSD } from './ssd/ssd.js';
import { importParameters, loadWeights, WeightsError, type ImportResult } from './weights.js';
import { decodePth, looksLikePth } from './pth.js';
import { torchvisionBackboneKind, torchvisionToBase } from './torchvisionBase.js';

export interface PretrainedBaseReport {
  file: string;
  /** GluonCV's name of the base network ('vgg16_atrous', 'resnet50_v1', ...). */
  base: string;
  /** 'weights': a GluonCV/ssdkit file; 'torchvision:vgg16': converted from torchvision's layout. */
  source: 'weights' | 'torchvision:vgg16';
  loaded: number;
  /** Base-network parameters the file lacks (left as initialized). */
  missing: string[];
  /** File entries that match nothing in the base network. */
  ignored: string[];
}

const OPTIONS = { allowMissing: true, ignoreExtra: true } as const;

function readPth(file: string): Map<string, Tensor> | null {
  const buf = readWeightsFile(file, (m) => new WeightsError(m));
  return looksLikePth(buf) ? decodePth(buf, file).tensors : null;
}

/** Loads an ImageNet base-network file into `net`'s backbone (see the file header). */
export function loadPretrainedBase(net: SSD, file: string): PretrainedBaseReport {
  const base = net.features.pretrainedBase;
  const pth = readPth(file);
  let r: ImportResult;
  let source: PretrainedBaseReport['source'] = 'weights';
  if (pth && torchvisionBackboneKind(pth) !== null) {
    try {
      const converted = torchvisionToBase(pth, base.name, file);
      try {
        r = importParameters(base.block, converted, { ...OPTIONS, source: file });
      } finally {
        dispose(converted);
      }
      // fc6/fc7 (classifier.0, .3) are subsampled into conv6/conv7; the 1000-way classifier.6 is not used.
      r = { ...r, extra: [...pth.keys()].filter((k) => k.startsWith('classifier.6.')) };
      source = 'torchvision:vgg16';
    } finally {
      dispose(pth);
    }
  } else if (pth) {
    try {
      r = importParameters(base.block, pth, { ...OPTIONS, source: file });
    } finally {
      dispose(pth);
    }
  } else {
    r = loadWeights(base.block, file, OPTIONS);
  }
  return { file, base: base.name, source, loaded: r.loaded, missing: r.missing, ignored: r.extra };
}

function sample(names: string[]): string {
  return names.length ? ` (${names.slice(0, 6).join(', ')}${names.length > 6 ? ', ...' : ''})` : '';
}

/** One line for the log: what was loaded, missing and ignored. */
export function formatPretrainedBaseReport(r: PretrainedBaseReport): string {
  const from = r.source === 'weights' ? '' : ` (converted from ${r.source})`;
  return (
    `pretrained base ${r.base} from ${r.file}${from}: ${r.loaded} parameters loaded, ` +
    `${r.missing.length} missing (left as initialized)${sample(r.missing)}, ${r.ignored.length} ignored${sample(r.ignored)}`
  );
}
