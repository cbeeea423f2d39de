// Loads the libtorch addon (native/) and sets libtorch's intra-op thread count once per process.
// See binding.gyp and native/libtorch-config.cjs for how the addon is built against a libtorch.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

/** An opaque tensor handle owned by the addon. */
export type Handle = { readonly __handle: unique symbol };
type OpFn = (...args: unknown[]) => any;

export interface NativeAddon {
  ops: Record<string, OpFn>;
  fromBuffer(data: ArrayBufferView, shape: number[], dtype: number, copy: boolean): Handle;
  toBuffer(h: Handle): ArrayBuffer;
  item(h: Handle): number | boolean;
  dispose(h: Handle): void;
  isDisposed(h: Handle): boolean;
  /** Reports the tensor's bytes to V8 as external memory until it is released (the GC now owns it); false if counted already. */
  gcOwns(h: Handle): boolean;
  liveCount(): number;
  setNumThreads(n: number): void;
  setThreadNumThreads(n: number): void;
  getNumThreads(): number;
  manualSeed(seed: number): void;
  setGradEnabled(enabled: boolean): boolean;
  isGradEnabled(): boolean;
  hasCuda(): boolean;
  config(): string;
}

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('ssdkit: cannot find the package root above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

function load(): NativeAddon {
  const root = findPackageRoot();
  // SSDKIT_ADDON: another build of the addon (scripts/gpu-check.sh builds one against the machine's torch)
  const file = process.env.SSDKIT_ADDON || join(root, 'build', 'Release', 'ssdkit_native.node');
  if (!existsSync(file)) {
    throw new Error(
      `ssdkit: the native addon ${file} is not built. Run \`npm run build\` ` +
        '(it needs Debian packages libtorch-dev and libopenblas0-pthread, or LIBTORCH=/path/to/libtorch).',
    );
  }
  return createRequire(import.meta.url)(file) as NativeAddon;
}

export const N: NativeAddon = load();

/** Default thread count: SSDKIT_THREADS, else all available cores (libtorch itself would use one here). */
export function defaultThreadCount(): number {
  const fromEnv = Number(process.env.SSDKIT_THREADS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : availableParallelism();
}

// The intra-op default is process-wide; only the main thread configures it. Other threads (the data loader's
// workers) run their own libtorch ops on one thread, as PyTorch's DataLoader workers do
// (torch.set_num_threads(1)): a worker's small ops gain nothing from a team and would take the training
// threads' cores (the demo's loader spent 29 ms of CPU per image with two, 19 ms with one).
if (isMainThread) N.setNumThreads(defaultThreadCount());
else N.setThreadNumThreads(1);
