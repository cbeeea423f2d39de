// Training checkpoints and parameter files (spec §7.2 resume): one safetensors file written atomically
// (temporary file, fsync, rename — util/atomicWrite.ts), so a crash leaves the previous file or the new one.
// A checkpoint holds the parameters (by structural name, which does not depend on how many models the process
// built), the trainer's optimizer state and update counts, the schedule, the epoch, libtorch's RNG state and
// caller data; every tensor carries a SHA-256 digest so damaged bytes are reported by tensor name. Loading checks
// everything (format, digests, names, shapes, dtypes, optimizer state) before changing anything and reports
// every difference at once.
//
//   saveCheckpoint('ckpt/ssd_0010.safetensors', { net, trainer, schedule, epoch: 10 });
//   const { epoch } = loadCheckpoint('ckpt/ssd_0010.safetensors', { net, trainer, schedule });
import { createHash } from 'node:crypto';
import { type Tensor, type DType, getRngState, setRngState, loadSafetensors, saveSafetensors, dispose } from '../tensor/index.js';
import { type Block } from './block.js';
import { type Parameter } from './parameter.js';
import { type Trainer, type TrainerStateMeta } from './trainer.js';

const CHECKPOINT_FORMAT = 'ssdkit.checkpoint';
const PARAMETERS_FORMAT = 'ssdkit.parameters';
const VERSION = '1';
const P = 'param/';
const O = 'optim/';
const RNG = 'rng/cpu';

/** A schedule whose position is saved with the checkpoint (MultiStepEpochDecay, LRScheduler, LRSequential). */
export interface CheckpointSchedule {
  stateDict(): unknown;
  loadStateDict(state: never): void;
}

export interface SaveCheckpointOptions {
  net: Block;
  trainer?: Trainer;
  schedule?: CheckpointSchedule;
  epoch: number;
  /** Caller data, JSON-serializable (e.g. best mAP). */
  extra?: Record<string, unknown>;
  /** Save libtorch's CPU generator state (default true). */
  rng?: boolean;
}

export interface LoadCheckpointOptions {
  net: Block;
  /** Restore optimizer state into this trainer (the checkpoint must have one). */
  trainer?: Trainer;
  schedule?: CheckpointSchedule;
  /** Restore libtorch's CPU generator state (default true, when the checkpoint has it). */
  restoreRng?: boolean;
}

export interface CheckpointInfo {
  epoch: number;
  extra: Record<string, unknown>;
  hasTrainer: boolean;
  hasSchedule: boolean;
  hasRng: boolean;
}

/** Thrown when a checkpoint or parameter file cannot be read or does not fit the model. */
export class CheckpointError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(problems.length ? `${message}:\n  ${problems.join('\n  ')}` : message);
    this.name = 'CheckpointError';
  }
}

function digest(t: Tensor): string {
  const a = t.toTypedArray();
  return createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
}

function fmtShape(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

function write(path: string, tensors: Map<string, Tensor>, format: string, meta: Record<string, string>): void {
  const digests: Record<string, string> = {};
  for (const [k, t] of tensors) digests[k] = digest(t);
  saveSafetensors(path, tensors, { format, version: VERSION, digests: JSON.stringify(digests), ...meta });
}

interface ReadFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Reads and verifies a file written by write(); the caller disposes the tensors. */
function read(path: string, formats: string[]): ReadFile {
  let content: ReadFile;
  try {
    content = loadSafetensors(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new CheckpointError(`${path}: no such file`);
    throw new CheckpointError(`${path} is corrupted or truncated (${err.message})`);
  }
  try {
    const m = content.metadata;
    if (!formats.includes(m.format ?? '')) {
      throw new CheckpointError(`${path} is not an ssdkit ${formats.join(' or ')} file (format ${JSON.stringify(m.format ?? null)})`);
    }
    if (m.version !== VERSION) throw new CheckpointError(`${path}: unsupported ${m.format} version ${JSON.stringify(m.version)} (expected ${VERSION})`);
    let digests: Record<string, string>;
    try {
      digests = JSON.parse(m.digests ?? '');
    } catch {
      throw new CheckpointError(`${path} is corrupted: its digest table is unreadable`);
    }
    const problems: string[] = [];
    for (const [k, t] of content.tensors) {
      if (digests[k] === undefined) problems.push(`'${k}' has no digest`);
      else if (digests[k] !== digest(t)) problems.push(`'${k}' does not match its SHA-256 digest`);
    }
    for (const k of Object.keys(digests)) if (!content.tensors.has(k)) problems.push(`'${k}' is listed but missing`);
    if (problems.length) throw new CheckpointError(`${path} is corrupted`, problems);
    return content;
  } catch (e) {
    dispose(content.tensors);
    throw e;
  }
}

function parseJson<T>(path: string, m: Record<string, string>, key: string): T | undefined {
  if (m[key] === undefined) return undefined;
  try {
    return JSON.parse(m[key]!) as T;
  } catch {
    throw new CheckpointError(`${path} is corrupted: metadata '${key}' is not JSON`);
  }
}

/** Differences between file tensors (by structural name) and the model's parameters. */
function compareParams(
  model: Map<string, Parameter>,
  file: Map<string, Tensor>,
  options: { allowMissing?: boolean; ignoreExtra?: boolean } = {},
): string[] {
  const problems: string[] = [];
  const missing = [...model.keys()].filter((k) => !file.has(k));
  const extra = [...file.keys()].filter((k) => !model.has(k));
  if (missing.length && !options.allowMissing) problems.push(`missing from the file (${missing.length}): ${missing.join(', ')}`);
  if (extra.length && !options.ignoreExtra) problems.push(`not in the model (${extra.length}): ${extra.join(', ')}`);
  for (const [k, p] of model) {
    const t = file.get(k);
    if (t === undefined) continue;
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      problems.push(`shape mismatch for ${k}: file ${fmtShape(t.shape)}, model ${fmtShape(p.shape)}`);
    } else if (t.dtype !== p.dtype) {
      problems.push(`dtype mismatch for ${k}: file ${t.dtype}, model ${p.dtype}`);
    }
  }
  return problems;
}

function structuralNames(net: Block): Map<Parameter, string> {
  const names = new Map<Parameter, string>();
  for (const [k, p] of net.namedParameters()) if (!names.has(p)) names.set(p, k);
  return names;
}

function trainerNameOf(net: Block): (p: Parameter) => string {
  const names = structuralNames(net);
  return (p) => {
    const n = names.get(p);
    if (n === undefined) throw new CheckpointError(`the trainer updates parameter '${p.name}', which is not part of the model`);
    return n;
  };
}

/** Saves a training checkpoint atomically (see the file header for the contents). */
export function saveCheckpoint(path: string, options: SaveCheckpointOptions): void {
  const { net, trainer, schedule, epoch } = options;
  if (!Number.isInteger(epoch)) throw new TypeError(`saveCheckpoint: epoch must be an integer, got ${epoch}`);
  const tensors = new Map<string, Tensor>();
  for (const [k, p] of net.namedParameters()) tensors.set(P + k, p.data().detach());
  const meta: Record<string, string> = { epoch: String(epoch), extra: JSON.stringify(options.extra ?? {}) };
  let rng: Tensor | null = null;
  try {
    if (trainer) {
      const st = trainer.stateDict(trainerNameOf(net));
      for (const [k, t] of st.tensors) tensors.set(O + k, t);
      meta.trainer = JSON.stringify(st.meta);
    }
    if (schedule) meta.schedule = JSON.stringify(schedule.stateDict());
    if (options.rng ?? true) {
      rng = getRngState();
      tensors.set(RNG, rng);
    }
    write(path, tensors, CHECKPOINT_FORMAT, meta);
  } finally {
    for (const [k, t] of tensors) if (k.startsWith(P)) t.dispose();
    rng?.dispose();
  }
}

/** Restores a checkpoint into `net` (and trainer, schedule, RNG); returns the epoch and caller data. */
export function loadCheckpoint(path: string, options: LoadCheckpointOptions): CheckpointInfo {
  const { net, trainer, schedule } = options;
  const file = read(path, [CHECKPOINT_FORMAT]);
  try {
    const m = file.metadata;
    const params = new Map<string, Tensor>();
    const optim = new Map<string, Tensor>();
    for (const [k, t] of file.tensors) {
      if (k.startsWith(P)) params.set(k.slice(P.length), t);
      else if (k.startsWith(O)) optim.set(k.slice(O.length), t);
    }
    const epoch = Number(m.epoch);
    if (!Number.isInteger(epoch)) throw new CheckpointError(`${path} is corrupted: epoch ${JSON.stringify(m.epoch)}`);
    const trainerMeta = parseJson<TrainerStateMeta>(path, m, 'trainer');
    const scheduleState = parseJson<unknown>(path, m, 'schedule');
    const extra = parseJson<Record<string, unknown>>(path, m, 'extra') ?? {};
    const rng = file.tensors.get(RNG);

    const problems = compareParams(net.namedParameters(), params).map((s) => `parameters: ${s}`);
    if (trainer) {
      if (trainerMeta === undefined) problems.push('trainer: the checkpoint has no optimizer state');
      else problems.push(...trainer.checkStateDict(optim, trainerMeta, trainerNameOf(net)).map((s) => `trainer: ${s}`));
    }
    if (schedule && scheduleState === undefined) problems.push('schedule: the checkpoint has no schedule state');
    if (problems.length) throw new CheckpointError(`checkpoint ${path} does not match the model`, problems);

    if (schedule) schedule.loadStateDict(scheduleState as never);
    for (const [k, p] of net.namedParameters()) p.setData(params.get(k)!);
    if (trainer) trainer.loadStateDict(optim, trainerMeta!, trainerNameOf(net));
    if (rng && (options.restoreRng ?? true)) setRngState(rng);
    return { epoch, extra, hasTrainer: trainerMeta !== undefined, hasSchedule: scheduleState !== undefined, hasRng: rng !== undefined };
  } finally {
    dispose(file.tensors);
  }
}

/** Saves only the parameters (structural names; Gluon's save_parameters), atomically. */
export function saveParameters(path: string, net: Block): void {
  const tensors = new Map<string, Tensor>();
  try {
    for (const [k, p] of net.namedParameters()) tensors.set(k, p.data().detach());
    write(path, tensors, PARAMETERS_FORMAT, {});
  } finally {
    dispose(tensors);
  }
}

export interface LoadParametersOptions {
  /** Leave model parameters that the file lacks as they are (Gluon's allow_missing). */
  allowMissing?: boolean;
  /** Ignore file entries the model lacks (Gluon's ignore_extra). */
  ignoreExtra?: boolean;
}

/** Loads parameters saved by saveParameters() (or the parameters of a checkpoint) into `net`. */
export function loadParameters(path: string, net: Block, options: LoadParametersOptions = {}): void {
  const file = read(path, [PARAMETERS_FORMAT, CHECKPOINT_FORMAT]);
  try {
    const isCheckpoint = file.metadata.format === CHECKPOINT_FORMAT;
    const params = new Map<string, Tensor>();
    for (const [k, t] of file.tensors) {
      if (!isCheckpoint) params.set(k, t);
      else if (k.startsWith(P)) params.set(k.slice(P.length), t);
    }
    const model = net.namedParameters();
    const problems = compareParams(model, params, options);
    if (problems.length) throw new CheckpointError(`parameter file ${path} does not match the model`, problems);
    for (const [k, p] of model) {
      const t = params.get(k);
      if (t !== undefined) p.setData(t);
    }
  } finally {
    dispose(file.tensors);
  }
}

/** The dtype/shape listing of a parameter or checkpoint file, for messages and tools. */
export function describeParameterFile(path: string): { name: string; dtype: DType; shape: number[] }[] {
  const file = read(path, [PARAMETERS_FORMAT, CHECKPOINT_FORMAT]);
  try {
    return [...file.tensors].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape }));
  } finally {
    dispose(file.tensors);
  }
}
