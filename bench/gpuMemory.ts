// Per-process GPU memory for the GPU benchmark, the same measure for ssdkit and PyTorch: what nvidia-smi
// reports as a process's used memory (its CUDA context plus everything its caching allocator holds).
import { spawnSync } from 'node:child_process';

/** MiB of GPU memory each process uses now, by pid; empty when nvidia-smi is missing or fails. */
export function gpuMemoryByPid(): Map<number, number> {
  const r = spawnSync('nvidia-smi', ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'], { encoding: 'utf8', timeout: 10_000 });
  const out = new Map<number, number>();
  if (r.status !== 0 || !r.stdout) return out;
  for (const line of r.stdout.trim().split('\n')) {
    const [pid, mib] = line.split(',').map((s) => Number(s.trim()));
    if (Number.isInteger(pid) && Number.isFinite(mib)) out.set(pid!, (out.get(pid!) ?? 0) + mib!);
  }
  return out;
}

/** Peak per-process GPU memory over the samples taken (MiB). */
export class GpuMemoryPeaks {
  readonly peak = new Map<number, number>();

  sample(): void {
    for (const [pid, mib] of gpuMemoryByPid()) this.peak.set(pid, Math.max(this.peak.get(pid) ?? 0, mib));
  }

  of(pid: number | undefined): string {
    const v = pid === undefined ? undefined : this.peak.get(pid);
    return v === undefined ? 'n/a (nvidia-smi)' : `${v} MiB`;
  }
}
