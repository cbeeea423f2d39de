// Where pretrained weights come from (GluonCV's model_store, spec §1.1), without downloads: a local directory
// (`root`, default ~/.ssdkit/models) holding, per model-store name,
//   <name>.safetensors (saved by ssdkit)  or  <name>.params  or  GluonCV's <name>-<sha1 prefix>.params
// e.g. ssd_300_vgg16_atrous_voc-0e169fbb.params, vgg16_atrous-4fa2e1ad.params. A missing file raises an error
// that says which file to put where.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { WeightsError } from './weights.js';

/** The sha1 prefixes of GluonCV's published files (spec §1.1), for file names and messages. */
export const GLUONCV_SHA1: Readonly<Record<string, string>> = {
  ssd_300_vgg16_atrous_voc: '0e169fbb',
  ssd_512_vgg16_atrous_voc: 'daf8181b',
  ssd_512_resnet50_v1_voc: '9c8b225a',
  ssd_512_resnet101_v2_voc: '2cc0f93e',
  'ssd_512_mobilenet1.0_voc': '37c18076',
  ssd_300_vgg16_atrous_coco: 'b302ad8a',
  ssd_512_vgg16_atrous_coco: '5c860642',
  ssd_300_resnet34_v1b_coco: 'ade34ff7',
  ssd_512_resnet50_v1_coco: 'c4835162',
  'ssd_512_mobilenet1.0_coco': 'da9756fa',
  vgg16_atrous: '4fa2e1ad',
};

/** ~/.ssdkit/models. */
export function defaultModelRoot(): string {
  return join(homedir(), '.ssdkit', 'models');
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * The local file for a model-store name in `root`; throws WeightsError saying which file to put where.
 * `what` describes the request in the message ('pretrained weights', 'the pretrained base network').
 */
export function getModelFile(name: string, root: string = defaultModelRoot(), what = 'pretrained weights'): string {
  const dir = resolve(root.replace(/^~(?=$|\/)/, homedir()));
  const exact = [`${name}.safetensors`, `${name}.params`].map((f) => join(dir, f)).find(isFile);
  if (exact) return exact;
  if (existsSync(dir)) {
    const re = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-([0-9a-f]{8,40})\\.params$`);
    const hits = readdirSync(dir).filter((f) => re.test(f)).sort();
    const known = GLUONCV_SHA1[name];
    const best = hits.find((f) => known && f.startsWith(`${name}-${known}`)) ?? hits[0];
    if (best) return join(dir, best);
  }
  const sha = GLUONCV_SHA1[name];
  const gluon = `${name}-${sha ?? '<sha1>'}.params`;
  throw new WeightsError(
    `${what} for '${name}' not found: put GluonCV's ${gluon} (or ${name}.params, or ${name}.safetensors saved by ssdkit) ` +
      `in ${dir}${existsSync(dir) ? '' : ' (the directory does not exist yet)'}, or pass another root or a file path. ssdkit never downloads weights` +
      (sha ? '.' : '; GluonCV publishes no file under this name, so it must be one you trained or converted.'),
  );
}
