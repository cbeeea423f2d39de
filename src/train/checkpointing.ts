// Checkpoints of train_ssd.py's save_params (GluonCV scripts/detection/ssd/train_ssd.py): the best parameters by
// validation mAP and a checkpoint every save-interval epochs, here with the optimizer state, schedule, epoch and
// RNG so --resume continues the run. Only rank 0 writes; every rank reads the same checkpoint on resume, so a
// checkpoint of an N-process run resumes with any number of processes.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadCheckpoint, saveCheckpoint, saveParameters, type GradScaler, type MultiStepEpochDecay, type Trainer } from '../nn/index.js';
import type { SSD } from '../models/index.js';
import type { TrainProcess } from './processGroup.js';

export interface CheckpointState {
  /** The epoch to start at. */
  startEpoch: number;
  bestMap: number;
  bestPath: string | null;
  lastCheckpoint: string | null;
}

/**
 * Deletes the temporary files that writers killed mid-write left beside this run's files (util/atomicWrite.ts
 * names them `.<file>.tmp-<pid>-<time>`), when that process is gone. Returns how many were removed.
 */
export function removeStaleTemporaries(savePrefix: string): number {
  const dir = dirname(savePrefix) || '.';
  const prefix = `.${basename(savePrefix)}_`;
  let removed = 0;
  for (const f of readdirSync(dir)) {
    const m = /\.tmp-(\d+)-[0-9a-z]+$/.exec(f);
    if (!f.startsWith(prefix) || !m) continue;
    try {
      process.kill(Number(m[1]), 0);
      continue; // its writer is still running
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') continue;
    }
    rmSync(join(dir, f), { force: true });
    removed++;
  }
  return removed;
}

/** What a checkpoint holds besides the epoch and the best mAP (the scaler's state goes in its extras). */
export interface CheckpointParts {
  net: SSD;
  trainer: Trainer;
  schedule: MultiStepEpochDecay;
  scaler?: GradScaler;
}

export class Checkpointer {
  readonly state: CheckpointState;
  readonly #prefix: string;
  readonly #proc: TrainProcess;

  constructor(savePrefix: string, startEpoch: number, proc: TrainProcess) {
    this.#prefix = savePrefix;
    this.#proc = proc;
    this.state = { startEpoch, bestMap: -1, bestPath: null, lastCheckpoint: null };
  }

  /** Loads a checkpoint into the model, trainer and schedule (on every rank); returns a line for the log. */
  resume(path: string, { scaler, ...parts }: CheckpointParts): string {
    if (!existsSync(path)) throw new Error(`--resume: checkpoint ${path} does not exist${this.#proc.worldSize > 1 ? ` on rank ${this.#proc.rank}` : ''}`);
    const info = loadCheckpoint(path, parts);
    const saved = info.extra.lossScaler as { scale: number; growthTracker: number } | undefined;
    if (scaler?.enabled && saved) scaler.loadStateDict(saved);
    this.state.startEpoch = info.epoch + 1;
    this.state.bestMap = typeof info.extra.bestMap === 'number' ? info.extra.bestMap : -1;
    return `resumed from ${path} (epoch ${info.epoch}); continuing at epoch ${this.state.startEpoch}`;
  }

  /** Keeps the parameters if `mAP` is the best so far (the same decision on every rank; rank 0 writes). */
  offerBest(net: SSD, mAP: number): void {
    if (!(mAP > this.state.bestMap)) return;
    this.state.bestMap = mAP;
    this.state.bestPath = `${this.#prefix}_best.safetensors`;
    if (this.#proc.isMain) saveParameters(this.state.bestPath, net);
  }

  /** The epoch's checkpoint (rank 0 writes it; the others only note its name). */
  save(epoch: number, { scaler, ...parts }: CheckpointParts): void {
    this.state.lastCheckpoint = `${this.#prefix}_${String(epoch).padStart(4, '0')}.ckpt`;
    const extra = { bestMap: this.state.bestMap, ...(scaler?.enabled ? { lossScaler: scaler.stateDict() } : {}) };
    if (this.#proc.isMain) saveCheckpoint(this.state.lastCheckpoint, { ...parts, epoch, extra });
  }
}
