// Starting data-parallel training the way torchrun does (torch/distributed/run.py and its elastic agent, without
// elasticity): N worker processes per machine, each told its place through torchrun's environment (RANK,
// LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT). A worker started by any
// launcher that sets that environment (torchrun, a scheduler's wrapper) joins the same way. When a worker fails
// the others are stopped, and the launcher exits with the failed worker's status, naming its rank.
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { DistributedOptions } from './trainOptions.js';

export interface LaunchOptions {
  /** Worker processes on this machine (torchrun --nproc-per-node). */
  nprocPerNode: number;
  /** Machines (torchrun --nnodes) and this one's index (--node-rank). */
  nnodes: number;
  nodeRank: number;
  masterAddr: string;
  masterPort: number;
}

/** torchrun's default rendezvous port. */
export const DEFAULT_MASTER_PORT = 29500;

/** This process's place in a data-parallel run, from torchrun's environment; undefined when not launched so. */
export function distributedFromEnv(env: NodeJS.ProcessEnv = process.env): DistributedOptions | undefined {
  if (env.WORLD_SIZE === undefined || env.RANK === undefined) return undefined;
  const int = (name: string, value: string | undefined, min: number): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`environment ${name}=${value ?? ''} must be an integer >= ${min}`);
    return n;
  };
  const worldSize = int('WORLD_SIZE', env.WORLD_SIZE, 1);
  const rank = int('RANK', env.RANK, 0);
  if (rank >= worldSize) throw new Error(`environment RANK=${rank} must be below WORLD_SIZE=${worldSize}`);
  return {
    rank,
    worldSize,
    localRank: env.LOCAL_RANK !== undefined ? int('LOCAL_RANK', env.LOCAL_RANK, 0) : rank,
    masterAddr: env.MASTER_ADDR || '127.0.0.1',
    masterPort: env.MASTER_PORT !== undefined ? int('MASTER_PORT', env.MASTER_PORT, 1) : DEFAULT_MASTER_PORT,
    ...(env.SSDKIT_DIST_TIMEOUT ? { timeoutMs: 1000 * int('SSDKIT_DIST_TIMEOUT', env.SSDKIT_DIST_TIMEOUT, 1) } : {}),
  };
}

/** The environment of local worker `localRank` (torchrun's names; one libtorch thread share per worker). */
export function workerEnv(o: LaunchOptions, localRank: number, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const threads = Math.max(1, Math.floor(availableParallelism() / o.nprocPerNode));
  return {
    ...base,
    RANK: String(o.nodeRank * o.nprocPerNode + localRank),
    LOCAL_RANK: String(localRank),
    GROUP_RANK: String(o.nodeRank),
    WORLD_SIZE: String(o.nnodes * o.nprocPerNode),
    LOCAL_WORLD_SIZE: String(o.nprocPerNode),
    MASTER_ADDR: o.masterAddr,
    MASTER_PORT: String(o.masterPort),
    SSDKIT_THREADS: base.SSDKIT_THREADS ?? String(threads),
  };
}

/**
 * Runs `node script ...args` as this machine's workers and waits for them. Resolves with 0 when all succeed;
 * otherwise stops the rest (SIGTERM, then SIGKILL after graceMs) and resolves with the first failure's code.
 */
export function launchWorkers(script: string, args: string[], o: LaunchOptions, log: (l: string) => void, graceMs = 5000): Promise<number> {
  const children: ChildProcess[] = [];
  return new Promise((resolve) => {
    let failed: number | null = null;
    let running = o.nprocPerNode;
    const stopOthers = (): void => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
      setTimeout(() => children.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill('SIGKILL')), graceMs).unref();
    };
    const onSignal = (sig: NodeJS.Signals): void => {
      failed ??= 130;
      for (const c of children) c.kill(sig);
    };
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    for (let local = 0; local < o.nprocPerNode; local++) {
      const env = workerEnv(o, local);
      const child = spawn(process.execPath, [script, ...args], { env, stdio: 'inherit' });
      children.push(child);
      child.on('exit', (code, signal) => {
        running--;
        if ((code !== 0 || signal) && failed === null) {
          failed = code ?? 1;
          log(`ssdkit: worker rank ${env.RANK} (local rank ${local}) ${signal ? `was killed by ${signal}` : `exited with status ${code}`}; stopping the other workers`);
          stopOthers();
        }
        if (running === 0) {
          process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
          resolve(failed ?? 0);
        }
      });
    }
  });
}
