// Naming NaN/Inf in a training step (the reliability side of train_ssd.py's loop, which GluonCV
// leaves to MXNet): the messages that name the loss term; finding the tensor is src/nn/nonFinite.ts's firstNonFinite.

/** Which loss term a non-finite value comes from, for messages. */
export const TERMS = { cls: 'CrossEntropy (class) loss term', box: 'SmoothL1 (box) loss term' } as const;
export type LossTerm = keyof typeof TERMS;

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
