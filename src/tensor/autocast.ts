// Automatic mixed precision: libtorch's autocast (PyTorch's torch.autocast, torch/amp/autocast_mode.py) for a
// scope. Inside, the ops autocast lists (convolutions, matmul, linear ...) run in the lower-precision dtype and
// the precision-sensitive ones (softmax, log, losses ...) in float32; everything else follows its inputs.
// Autocast state is per thread in libtorch, and a JS environment runs on one thread, so the scope is exact.
// Backward runs outside the scope, as in PyTorch (the recorded casts carry their own backward).
//
//   const y = withAutocast('cuda:0', 'float16', () => net.forward(x));   // conv outputs are float16
//   withAutocast('cpu', 'bfloat16', () => conv(x));                       // CPU: bfloat16 (libtorch 1.13 has only that)
import { N } from './native.js';
import { dtypeCode, dtypeName, type DType } from './dtype.js';

const O = N.ops;

/** Open withAutocast scopes on the CPU: the Winograd conv (a float32-only custom op) steps aside inside them. */
let cpuScopes = 0;

/** Whether a withAutocast('cpu', ...) scope is open (a JS-side flag: no native call per conv). */
export function cpuAutocastActive(): boolean {
  return cpuScopes > 0;
}

/** The dtypes autocast can run in. */
export type AutocastDtype = 'float16' | 'bfloat16';

/** libtorch's device type of a device string ('cuda:1' → 'cuda'). */
function deviceType(device: string): string {
  const type = device.split(':')[0]!;
  if (type !== 'cpu' && type !== 'cuda') throw new TypeError(`autocast: device must be cpu or cuda[:K], got '${device}'`);
  return type;
}

/** Whether autocast is on for the device's type on this thread. */
export function isAutocastEnabled(device: string): boolean {
  return O.autocastEnabled(deviceType(device)) as boolean;
}

/** The dtype autocast uses for the device's type (libtorch's defaults: float16 on cuda, bfloat16 on cpu). */
export function autocastDtype(device: string): DType {
  return dtypeName(O.autocastDtype(deviceType(device)) as number);
}

/**
 * Runs `fn` with autocast on for the device's type in `dtype`, then restores the previous state (also when `fn`
 * throws). Nested scopes work; leaving the outermost one drops autocast's cast cache, as torch.autocast does.
 * `fn` must be synchronous: the state is restored when it returns.
 */
export function withAutocast<T>(device: string, dtype: AutocastDtype, fn: () => T): T {
  if (dtype !== 'float16' && dtype !== 'bfloat16') throw new TypeError(`withAutocast: dtype must be float16 or bfloat16, got '${String(dtype)}'`);
  const type = deviceType(device);
  const prevOn = O.autocastEnabled(type) as boolean;
  const prevDtype = O.autocastDtype(type) as number;
  O.setAutocastDtype(type, dtypeCode(dtype));
  O.setAutocastEnabled(type, true);
  O.autocastEnter();
  if (type === 'cpu') cpuScopes++;
  try {
    const out = fn();
    if (out instanceof Promise) throw new TypeError('withAutocast: fn must be synchronous (it returned a Promise)');
    return out;
  } finally {
    if (type === 'cpu') cpuScopes--;
    O.autocastExit();
    O.setAutocastEnabled(type, prevOn);
    O.setAutocastDtype(type, prevDtype);
  }
}

/**
 * Runs `fn` with CPU autocast switched off (inside a withAutocast('cpu', ...) scope: ops run in their inputs'
 * dtypes), then switches it back on. For the few ops that must not run in bfloat16 on the CPU (see conv2d).
 */
export function withoutCpuAutocast<T>(fn: () => T): T {
  const prevOn = O.autocastEnabled('cpu') as boolean;
  O.setAutocastEnabled('cpu', false);
  try {
    return fn();
  } finally {
    O.setAutocastEnabled('cpu', prevOn);
  }
}
