// Loading and saving model weights (spec §2.3 naming): ssdkit safetensors files (structural names, digests:
// nn.saveParameters / loadParameters), MXNet/GluonCV `.params` files (mxnetParams.ts), PyTorch `torch.save`
// state dicts (pth.ts) and other safetensors files, matched to the model under any of GluonCV's naming schemes:
//   * MXNet prefixed names          `ssd0_convpredictor0_conv0_weight` (any SSD instance number: `ssd3_...`)
//   * prefix-stripped (save_params)  `convpredictor0_conv0_weight`, `resnetv1b0_...` stripped for a base network
//   * Gluon structural names         `class_predictors.0.predictor.weight`, `features.expand_conv0_weight`
//   * ssdkit structural names        `classPredictors.0.predictor.weight`
// Every entry and parameter is checked (unmatched, ambiguous or duplicate names, shapes, dtypes) before anything
// is written, and all problems are reported at once. The derived constants (anchor grids, VGG's init_scale) may
// be absent from a file: they keep their computed values. float64/float16 data is cast to the parameter dtype.
import { readWeightsFile } from './readWeightsFile.js';
import { type Tensor, type SafetensorsContent, decodeSafetensors, dispose, noGrad, tidy } from '../tensor/index.js';
import { type Block, type Parameter, loadParameters, saveParameters } from '../nn/index.js';
import { decodeMxnetParams, looksLikeMxnetParams, mxnetParamsToTensors, saveMxnetParams } from './mxnetParams.js';
import { camelCase, describeParameters } from './parameterNames.js';
import { decodePth, looksLikePth } from './pth.js';

/** A weights file that cannot be read or does not fit the model; `problems` lists every difference. */
export class WeightsError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    const shown = problems.length > 20 ? [...problems.slice(0, 20), `... and ${problems.length - 20} more`] : problems;
    super(shown.length ? `${message}:\n  ${shown.join('\n  ')}` : message);
    this.name = 'WeightsError';
  }
}

export interface ImportOptions {
  /** Leave model parameters the file lacks as they are (Gluon's allow_missing). */
  allowMissing?: boolean;
  /** Ignore file entries that match no parameter (Gluon's ignore_extra). */
  ignoreExtra?: boolean;
  /** Names the source in messages. */
  source?: string;
}

export interface ImportResult {
  /** Parameters written. */
  loaded: number;
  /** Model parameters (structural names) not in the file and left as they were. */
  missing: string[];
  /** File entries that matched nothing (only with ignoreExtra). */
  extra: string[];
}

const DERIVED = /(^|\.)(anchors|initScale)$/;

function modelKeys(block: Block): { keys: Map<string, Parameter | null>; structural: Map<Parameter, string> } {
  const keys = new Map<string, Parameter | null>();
  const structural = new Map<Parameter, string>();
  const put = (k: string, p: Parameter): void => {
    const cur = keys.get(k);
    if (cur === undefined) keys.set(k, p);
    else if (cur !== p) keys.set(k, null); // ambiguous: used by two parameters
  };
  const prefix = block.prefix;
  for (const n of describeParameters(block)) {
    structural.set(n.parameter, n.structural);
    put(n.structural, n.parameter);
    put(n.gluon, n.parameter);
    put(n.mxnet, n.parameter);
    if (prefix && n.mxnet.startsWith(prefix)) put(n.mxnet.slice(prefix.length), n.parameter);
    put(n.mxnet.replace(/^ssd\d+_/, ''), n.parameter);
  }
  return { keys, structural };
}

/** A leading `<alias><n>_` shared by every undotted file name (`ssd0_`, `resnetv1b0_`), or ''. */
function commonRoot(names: string[]): string {
  const flat = names.filter((n) => !n.includes('.'));
  if (flat.length === 0) return '';
  const m = /^[a-z][a-z0-9]*?\d+_/.exec(flat[0]!);
  if (!m) return '';
  return flat.every((n) => n.startsWith(m[0])) ? m[0] : '';
}

function candidates(name: string, root: string): string[] {
  const out = [name];
  if (name.includes('.')) out.push(name.split('.').map(camelCase).join('.'));
  const sym = /^(.*\.)?features\.([^.]+)$/.exec(name); // a SymbolBlock's structural entry
  if (sym) out.push(sym[2]!, sym[2]!.replace(/^ssd\d+_/, ''));
  out.push(name.replace(/^ssd\d+_/, ''));
  if (root && name.startsWith(root)) out.push(name.slice(root.length));
  return [...new Set(out)];
}

/**
 * Copies named tensors into `block`'s parameters, matching names under any scheme (see the file header). The
 * tensors are not disposed. Throws WeightsError, changing nothing, when they do not fit.
 */
export function importParameters(block: Block, tensors: Map<string, Tensor>, options: ImportOptions = {}): ImportResult {
  const source = options.source ?? 'the weights';
  const { keys, structural } = modelKeys(block);
  const root = commonRoot([...tensors.keys()]);
  const assigned = new Map<Parameter, string>();
  const problems: string[] = [];
  const extra: string[] = [];
  for (const [name, t] of tensors) {
    let p: Parameter | null | undefined;
    for (const c of candidates(name, root)) {
      p = keys.get(c);
      if (p !== undefined) break;
    }
    if (p === undefined) {
      extra.push(name);
      continue;
    }
    if (p === null) {
      problems.push(`'${name}' is ambiguous: it names more than one parameter`);
      continue;
    }
    const prev = assigned.get(p);
    if (prev !== undefined) {
      problems.push(`'${name}' and '${prev}' both name ${structural.get(p)}`);
      continue;
    }
    assigned.set(p, name);
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p!.shape[i])) {
      problems.push(`shape mismatch for ${structural.get(p)} ('${name}'): file [${t.shape.join(', ')}], model [${p.shape.join(', ')}]`);
    } else if (t.dtype !== p.dtype && !(isFloat(t.dtype) && isFloat(p.dtype))) {
      problems.push(`dtype mismatch for ${structural.get(p)} ('${name}'): file ${t.dtype}, model ${p.dtype}`);
    }
  }
  const missing = [...structural].filter(([p]) => !assigned.has(p)).map(([, s]) => s);
  const missingRequired = missing.filter((s) => !DERIVED.test(s));
  if (missingRequired.length && !options.allowMissing) {
    problems.push(`missing from ${source} (${missingRequired.length}): ${missingRequired.slice(0, 12).join(', ')}${missingRequired.length > 12 ? ', ...' : ''}`);
  }
  if (extra.length && !options.ignoreExtra) {
    problems.push(`not in the model (${extra.length}): ${extra.slice(0, 12).join(', ')}${extra.length > 12 ? ', ...' : ''}`);
  }
  if (assigned.size === 0 && tensors.size > 0) problems.push(`no entry of ${source} matches a parameter of the model`);
  if (problems.length) throw new WeightsError(`${source} does not fit ${block.constructor.name} '${block.name}'`, problems);
  noGrad(() => {
    for (const [p, name] of assigned) {
      const t = tensors.get(name)!;
      tidy(() => p.setData(t.dtype === p.dtype ? t : t.to(p.dtype)));
    }
  });
  return { loaded: assigned.size, missing, extra };
}

function isFloat(d: string): boolean {
  return d === 'float32' || d === 'float64';
}

/**
 * Loads a weights file into `block`: an MXNet `.params` file, an ssdkit safetensors file (saveWeights,
 * checkpoints) or another safetensors file, under any naming scheme.
 */
export function loadWeights(block: Block, path: string, options: ImportOptions = {}): ImportResult {
  const buf = readWeightsFile(path, (m) => new WeightsError(m));
  const source = options.source ?? path;
  let tensors: Map<string, Tensor>;
  if (looksLikeMxnetParams(buf)) {
    tensors = mxnetParamsToTensors(decodeMxnetParams(buf, path));
  } else if (looksLikePth(buf)) {
    tensors = decodePth(buf, path).tensors;
  } else {
    let content: SafetensorsContent;
    try {
      content = decodeSafetensors(buf, path);
    } catch (e) {
      throw new WeightsError(`${path} is neither an MXNet .params file, a PyTorch .pth file nor a safetensors file (${(e as Error).message})`);
    }
    const format = content.metadata.format;
    if (format === 'ssdkit.parameters' || format === 'ssdkit.checkpoint') {
      // Structural names with digests: nn's loader verifies them; fall back to name matching for other blocks.
      const exact = describeParameters(block).every((n) => content.tensors.has(format === 'ssdkit.checkpoint' ? `param/${n.structural}` : n.structural));
      if (exact) {
        dispose(content.tensors);
        loadParameters(path, block, { allowMissing: options.allowMissing, ignoreExtra: options.ignoreExtra });
        return { loaded: describeParameters(block).length, missing: [], extra: [] };
      }
      if (format === 'ssdkit.checkpoint') {
        const params = new Map<string, Tensor>();
        for (const [k, t] of content.tensors) {
          if (k.startsWith('param/')) params.set(k.slice(6), t);
          else t.dispose();
        }
        content.tensors = params;
      }
    }
    tensors = content.tensors;
  }
  try {
    return importParameters(block, tensors, { ...options, source });
  } finally {
    dispose(tensors);
  }
}

/** Saves `block`'s parameters as an ssdkit safetensors file (structural names, SHA-256 digests). */
export function saveWeights(path: string, block: Block): void {
  saveParameters(path, block);
}

/** Which names an exported `.params` file uses. */
export type MxnetNaming = 'prefixed' | 'stripped' | 'structural';

/**
 * Writes `block`'s parameters as an MXNet `.params` file GluonCV can load: 'structural' (save_parameters, the
 * default), 'prefixed' (collect_params().save) or 'stripped' (the deprecated save_params: prefix removed).
 */
export function exportMxnetParams(path: string, block: Block, naming: MxnetNaming = 'structural'): void {
  const entries: [string, Tensor][] = describeParameters(block).map((n) => {
    const name = naming === 'structural' ? n.gluon : naming === 'prefixed' ? n.mxnet : n.mxnet.startsWith(block.prefix) ? n.mxnet.slice(block.prefix.length) : n.mxnet;
    return [name, n.parameter.data()];
  });
  saveMxnetParams(path, entries);
}
