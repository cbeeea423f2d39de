// An op-level profile of a piece of work: libtorch's own profiler (what torch.autograd.profiler.profile runs,
// native/src/profiler.cc) records every ATen op the work runs — forward, autograd backward, optimizer — with its
// duration and thread, and writes a Chrome trace (chrome://tracing, ui.perfetto.dev). `python3
// bench/op_profile.py ours.json theirs.json` compares two traces op by op (self time per step).
//
//   profileOps('/tmp/step.json', () => tidy(() => { loss(net.forward(x)).backward(); trainer.step(1); }));
import { N } from './native.js';

/** Runs fn while recording its ops, writes the trace to `path` when fn returns or throws, and returns fn's value. */
export function profileOps<T>(path: string, fn: () => T): T {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`profileOps: expected a file path, got ${String(path)}`);
  N.ops.startOpProfile!(path);
  try {
    return fn();
  } finally {
    N.ops.stopOpProfile!();
  }
}
