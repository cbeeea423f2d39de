// Devices: parsing PyTorch's device strings ('cpu', 'cuda', 'cuda:1') and GluonCV's --gpus list, checked
// against what this build and machine have, and the facts `ssdkit env` shows (libtorch version, CUDA, GPUs).
// GPU names and memory come from the CUDA driver (native/src/cudaInfo.cc), so they need no CUDA headers.
//
//   parseDevice('cuda');               // 'cuda:0' (or throws: "--device cuda: this ssdkit build ...")
//   parseGpus('0,1', '--gpus');       // [0, 1]
//   synchronize('cuda:0');            // waits for the GPU's queued work (for timing)
import { N } from './native.js';
import { Tensor } from './tensor.js';

const O = N.ops;

/** A GPU as the CUDA driver reports it. */
export interface GpuInfo {
  index: number;
  name: string;
  /** bytes */
  totalMemory: number;
  /** compute capability, e.g. '9.0' */
  capability: string;
}

export interface CudaInfo {
  /** Whether the libtorch this addon was built against has CUDA and sees a device (torch.cuda.is_available()). */
  available: boolean;
  /** CUDA runtime version libtorch was built with ('13.0'), from its build configuration; null for a CPU build. */
  runtime: string | null;
  /** The driver's CUDA version (13000 → '13.0'); null without a driver. */
  driver: string | null;
  gpus: GpuInfo[];
  /** Why no GPU is listed, when none is. */
  problem: string | null;
}

/** The libtorch version the addon was compiled against ('1.13.0', '2.11.0'). */
export function torchVersion(): string {
  return O.torchVersion() as string;
}

/** CUDA facts of this process: build, driver, GPUs. */
export function cudaInfo(): CudaInfo {
  const js = JSON.parse(O.cudaDevices() as string) as { driver?: number; devices?: GpuInfo[]; error?: string };
  const runtime = /CUDA Runtime (\d+\.\d+)/.exec(N.config())?.[1] ?? null;
  const driver = js.driver ? `${Math.floor(js.driver / 1000)}.${(js.driver % 1000) / 10}` : null;
  const gpus = js.devices ?? [];
  return { available: N.hasCuda(), runtime, driver, gpus, problem: js.error ?? (gpus.length ? null : 'the CUDA driver lists no GPU') };
}

/** Thrown for a device string or GPU list that is malformed or names hardware this process does not have. */
export class DeviceError extends Error {
  override name = 'DeviceError';
}

function noCuda(flag: string, value: string): DeviceError {
  const info = cudaInfo();
  const why = info.runtime === null
    ? `this ssdkit build has no CUDA (libtorch ${torchVersion()}, CPU only; build it against a CUDA libtorch with LIBTORCH=<torch dir>, see README "Running on a GPU")`
    : `libtorch ${torchVersion()} was built with CUDA ${info.runtime} but sees no GPU (${info.problem ?? 'unknown reason'})`;
  return new DeviceError(`${flag} ${value}: ${why}; use ${flag} cpu`);
}

/** How many GPUs libtorch can use (0 for a CPU build). */
export function cudaDeviceCount(): number {
  return N.hasCuda() ? cudaInfo().gpus.length : 0;
}

/**
 * A device flag's value as libtorch's canonical device string: 'cpu', or 'cuda:K' ('cuda' means 'cuda:0').
 * Throws a DeviceError naming `flag` for anything else, for cuda in a build or on a machine without CUDA, and
 * for an index past the last GPU.
 */
export function parseDevice(value: string, flag = '--device'): string {
  const m = /^(cpu|cuda)(?::(\d+))?$/.exec(value.trim());
  if (!m || (m[1] === 'cpu' && m[2] !== undefined)) {
    throw new DeviceError(`${flag} must be cpu, cuda or cuda:K (K = GPU index), got '${value}'`);
  }
  if (m[1] === 'cpu') return 'cpu';
  if (!N.hasCuda()) throw noCuda(flag, value);
  const index = Number(m[2] ?? 0);
  const count = cudaDeviceCount();
  if (index >= count) throw new DeviceError(`${flag} ${value}: there ${count === 1 ? 'is 1 GPU' : `are ${count} GPUs`} (cuda:0${count > 1 ? `..cuda:${count - 1}` : ''})`);
  return `cuda:${index}`;
}

/**
 * GluonCV's --gpus: a comma-separated list of GPU indices ('0,1,3'); '' is no GPU. Each index must exist
 * and appear once.
 */
export function parseGpus(value: string, flag = '--gpus'): number[] {
  if (value.trim() === '') return [];
  const parts = value.split(',').map((s) => s.trim());
  if (!parts.every((s) => /^\d+$/.test(s))) throw new DeviceError(`${flag} must be a comma-separated list of GPU indices like 0,1, got '${value}'`);
  const gpus = parts.map(Number);
  if (new Set(gpus).size !== gpus.length) throw new DeviceError(`${flag} ${value}: a GPU is listed twice`);
  if (!N.hasCuda()) throw noCuda(flag, value);
  const count = cudaDeviceCount();
  const missing = gpus.filter((g) => g >= count);
  if (missing.length) throw new DeviceError(`${flag} ${value}: no GPU ${missing.join(', ')} (this machine has ${count})`);
  return gpus;
}

/** Waits until the device has finished its queued work (a no-op on the CPU); for timing GPU code. */
export function synchronize(device: string): void {
  O.synchronize(device);
}

/** Bytes in use on the current GPU (total - free, every process; what torch.cuda.mem_get_info measures); -1 without CUDA. */
export function cudaMemoryUsed(): number {
  return O.cudaMemoryUsed() as number;
}

/** `t` on `device`: itself when already there, else a copy there (in the current tidy scope). */
export function onDevice(t: Tensor, device: string): Tensor {
  return t.device === device || (device === 'cpu' && t.device.startsWith('cpu')) ? t : t.to(device);
}

/**
 * TF32 for float32 convolutions and matmuls on Ampere+ GPUs (PyTorch's torch.backends.cudnn.allow_tf32 and
 * torch.backends.cuda.matmul.allow_tf32, both set). libtorch's defaults: cuDNN on, cuBLAS off. Off gives float32
 * results that match the CPU's within float32 rounding.
 */
export function setAllowTF32(allow: boolean): void {
  O.setAllowTF32(allow);
}

/** cuDNN's autotuner (torch.backends.cudnn.benchmark): times the conv algorithms per shape on first use. */
export function setCudnnBenchmark(on: boolean): void {
  O.setCudnnBenchmark(on);
}

/** A page-locked copy of a CPU tensor (Tensor.pin_memory()), for asynchronous host-to-GPU copies; needs CUDA. */
export function pinMemory(t: Tensor): Tensor {
  return new Tensor(O.pinMemory(t.handle));
}

/** A copy on `device` that does not wait for the host when `t` is pinned (to(device, non_blocking=True)). */
export function toDeviceAsync(t: Tensor, device: string): Tensor {
  return new Tensor(O.toDeviceNonBlocking(t.handle, device));
}
