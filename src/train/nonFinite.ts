// Finding and naming NaN/Inf in a training step (the reliability side of train_ssd.py's loop, which GluonCV
// leaves to MXNet): which loss term, which parameter's gradient, which parameter after the update.
import { type Tensor, noGrad, stack, tidy } from '../tensor/index.js';

/** Which loss term a non-finite value comes from, for messages. */
export const TERMS = { cls: 'CrossEntropy (class) loss term', box: 'SmoothL1 (box) loss term' } as const;
export type LossTerm = keyof typeof TERMS;

/** The name of the first tensor that holds a NaN or an infinity (one synchronization for all of them); null if none. */
export function firstNonFinite(named: [string, Tensor | null][]): string | null {
  return noGrad(() =>
    tidy(() => {
      const list = named.filter((e): e is [string, Tensor] => e[1] !== null);
      if (list.length === 0) return null;
      const finite = stack(list.map(([, t]) => t.isfinite().all())).toArray();
      const i = finite.findIndex((v) => !v);
      return i < 0 ? null : list[i]![0];
    }),
  );
}

/** "the X and the Y are not finite (values)" for loss values c (CrossEntropy) and b (SmoothL1); null if both finite. */
export function nonFiniteLossMessage(c: number, b: number): string | null {
  if (Number.isFinite(c) && Number.isFinite(b)) return null;
  const terms = [...(Number.isFinite(c) ? [] : [TERMS.cls]), ...(Number.isFinite(b) ? [] : [TERMS.box])];
  return `the ${terms.join(' and the ')} ${terms.length > 1 ? 'are' : 'is'} not finite (CrossEntropy ${c}, SmoothL1 ${b})`;
}

/** The sentence that says which terms, back-propagated alone, give a non-finite gradient. */
export function culpritSentence(culprits: LossTerm[]): string {
  return culprits.length
    ? `back-propagated alone, the ${culprits.map((t) => TERMS[t]).join(' and the ')} ${culprits.length > 1 ? 'each give' : 'gives'} a non-finite gradient`
    : 'neither loss term gives a non-finite gradient alone, only their sum';
}
