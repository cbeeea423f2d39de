// Deterministic release of native tensors. V8 does not see libtorch's memory, so tensors are freed by
// scopes (`tidy`), explicit `dispose()`, or `using` declarations — never by waiting for the GC. A tensor no
// scope owns (made outside every scope, kept, or returned from the outermost scope) is told so (`unscoped`),
// and arranges its own release should it become unreachable undisposed (the safety net; see Tensor).
//
//   const loss = tidy(() => model.forward(x).sub(y).square().mean());   // intermediates freed here
//   keep(t);                                                            // t survives every enclosing scope
import { N } from './native.js';

/** Anything that owns native memory. */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
  /** Set by keep(): scopes never free it. */
  kept: boolean;
  /** Called when no scope owns it any more (or never did): only the caller or the GC will release it. */
  unscoped?(): void;
}

const stack: Disposable[][] = [];

/** Registers a new tensor with the innermost open scope (called by the Tensor constructor). */
export function track(t: Disposable): void {
  const top = stack[stack.length - 1];
  if (top !== undefined) top.push(t);
  else t.unscoped?.();
}

function collect(value: unknown, out: Set<unknown>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if ('dispose' in value && 'kept' in value) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, out, depth + 1);
  else if (value instanceof Map) for (const v of value.values()) collect(v, out, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, out, depth + 1);
}

function closeScope(scope: Disposable[], survivors: Set<unknown>): void {
  const parent = stack[stack.length - 1];
  for (const t of scope) {
    if (t.isDisposed) continue;
    if (survivors.has(t)) {
      if (parent !== undefined) parent.push(t);
      else t.unscoped?.();
    } else if (!t.kept) t.dispose();
  }
}

/**
 * Runs `fn` and frees every tensor created inside it, except those it returns (in an array, a Map or a plain
 * object, up to 8 levels deep) and those marked with keep(). Returned tensors move to the enclosing scope.
 * `fn` must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Disposable[] = [];
  stack.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    stack.pop();
    closeScope(scope, new Set());
    throw err;
  }
  stack.pop();
  if (result instanceof Promise) {
    closeScope(scope, new Set());
    throw new Error('tidy(): the function returned a Promise; scopes only work with synchronous code');
  }
  const survivors = new Set<unknown>();
  collect(result, survivors);
  closeScope(scope, survivors);
  return result;
}

/** Marks tensors so that no scope frees them; the caller disposes them. Returns its argument. */
export function keep<T extends Disposable | Disposable[]>(t: T): T {
  for (const x of Array.isArray(t) ? t : [t]) {
    x.kept = true;
    x.unscoped?.();
  }
  return t;
}

/** Disposes every tensor found in `value` (tensor, array, Map or plain object). */
export function dispose(value: unknown): void {
  const found = new Set<unknown>();
  collect(value, found);
  for (const t of found) (t as Disposable).dispose();
}

export interface MemoryInfo {
  /** Native tensor handles not yet released, in this process (all threads). */
  liveTensors: number;
  /** Number of scopes currently open on this thread. */
  openScopes: number;
}

export function memory(): MemoryInfo {
  return { liveTensors: N.liveCount(), openScopes: stack.length };
}
