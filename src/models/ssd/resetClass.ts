// The mechanics of GluonCV's SSD.reset_class (`ssd.py`, PR #300/#632; spec §9): resolving `reuse_weights`
// ({new: old} by name or index, or a list of names present in both) and rebuilding one class predictor for a new
// class count, copying the reused channels. A class predictor's output channel a*(C+1)+c is class c (0 =
// background) of anchor a, so old class v moves with stride C+1: new[k+1 :: Cn+1] = old[v+1 :: Co+1], and the
// background is always reused: new[0 :: Cn+1] = old[0 :: Co+1].
//
// The predictor keeps its names (GluonCV builds a new ConvPredictor with the old prefix); since src/nn has no way to
// swap a registered child, the conv's parameters are reshaped in place (reshapeParameter) and re-initialized.
import { type Tensor, noGrad, tensor, tidy } from '../../tensor/index.js';
import { type Conv2D, type Parameter } from '../../nn/index.js';

/** {new: old} with class names or indices (plain-object keys may be index strings), or names kept in both lists. */
export type ReuseWeights = Map<string | number, string | number> | Record<string, string | number> | readonly string[];

function indexOf(key: string | number, classes: readonly string[], which: 'old' | 'new'): number {
  if (typeof key === 'string') {
    const i = classes.indexOf(key);
    if (i >= 0) return i;
    if (!/^\d+$/.test(key)) throw new RangeError(`resetClass: '${key}' not found in ${which} class names [${classes.join(', ')}]`);
    key = Number(key);
  }
  if (!Number.isInteger(key) || key < 0 || key >= classes.length) {
    throw new RangeError(`resetClass: index ${key} out of bounds for ${which} class names (${classes.length})`);
  }
  return key;
}

/** The reuse mapping as new index -> old index (empty: nothing reused). */
export function resolveReuseWeights(reuse: ReuseWeights | undefined | null, oldClasses: readonly string[], newClasses: readonly string[]): Map<number, number> {
  const out = new Map<number, number>();
  if (reuse === undefined || reuse === null) return out;
  if (Array.isArray(reuse)) {
    for (const name of reuse as readonly string[]) {
      const n = newClasses.indexOf(name);
      const o = oldClasses.indexOf(name);
      if (n < 0 || o < 0) {
        process.emitWarning(`${name} not found in old: [${oldClasses.join(', ')}] or new class names: [${newClasses.join(', ')}]`, { type: 'UserWarning', code: 'SSDKIT_RESET_CLASS' });
        continue;
      }
      out.set(n, o);
    }
    return out;
  }
  const entries = reuse instanceof Map ? [...reuse] : Object.entries(reuse);
  for (const [k, v] of entries) out.set(indexOf(k, newClasses, 'new'), indexOf(v, oldClasses, 'old'));
  return out;
}

/**
 * Gives a parameter a new shape: its array is freed and it becomes uninitialized (initialize() or setData()
 * refills it). Only for rebuilding a layer in place, as resetClass does.
 */
export function reshapeParameter(p: Parameter, shape: readonly number[]): void {
  p.dispose();
  Object.defineProperty(p, 'shape', { value: Object.freeze([...shape]), writable: false, enumerable: true, configurable: true });
}

/** The channel rows of anchor a, class column c (0 = background) for every anchor: a*(C+1) + c. */
function rows(anchors: number, classes1: number, column: number): number[] {
  return Array.from({ length: anchors }, (_, a) => a * classes1 + column);
}

/**
 * Rebuilds a class predictor conv for `newCount` classes: new shapes, fresh draws from the conv's own
 * initializers, then (when `mapping` is not empty) the mapped classes' and the background's channels copied
 * from the old weights and bias.
 */
export function transplantClassChannels(conv: Conv2D, anchors: number, oldCount: number, newCount: number, mapping: Map<number, number>): void {
  const params = [conv.weight, ...(conv.bias ? [conv.bias] : [])];
  const old = noGrad(() => tidy(() => params.map((p) => p.data().detach().clone())));
  const device = old[0]!.device;
  try {
    const channels = anchors * (newCount + 1);
    for (const p of params) {
      reshapeParameter(p, [channels, ...p.shape.slice(1)]);
      p.initialize(null, { device });
    }
    Object.defineProperty(conv, 'channels', { value: channels, writable: false, enumerable: true, configurable: true });
    if (mapping.size === 0) return;
    const dst: number[] = rows(anchors, newCount + 1, 0);
    const src: number[] = rows(anchors, oldCount + 1, 0);
    for (const [k, v] of mapping) {
      dst.push(...rows(anchors, newCount + 1, k + 1));
      src.push(...rows(anchors, oldCount + 1, v + 1));
    }
    noGrad(() =>
      tidy(() => {
        const d = tensor(dst, { dtype: 'int64', device });
        const s = tensor(src, { dtype: 'int64', device });
        params.forEach((p, i) => void p.data().indexPut_([d], (old[i] as Tensor).indexSelect(0, s)));
      }),
    );
  } finally {
    for (const t of old) t.dispose();
  }
}
