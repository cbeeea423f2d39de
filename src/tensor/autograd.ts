// Grad-mode scopes: noGrad (inference, target generation, optimizer updates) and enableGrad.
//
//   const preds = noGrad(() => model.forward(x));
import { N } from './native.js';

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = N.setGradEnabled(enabled);
  try {
    const out = fn();
    if (out instanceof Promise) throw new Error('noGrad/enableGrad: the function must be synchronous');
    return out;
  } finally {
    N.setGradEnabled(prev);
  }
}

/** Runs fn with gradient recording off. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}
/** Runs fn with gradient recording on (inside a noGrad scope). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}
export function isGradEnabled(): boolean {
  return N.isGradEnabled();
}
