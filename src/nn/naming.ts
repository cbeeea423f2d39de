// MXNet 1.x Gluon block naming (spec §2.3; MXNet 1.9.1 `gluon/block.py` `_BlockScope`, `name.py` `NameManager`).
//
// A block created outside any name scope gets `<alias><n>_` from a per-process counter per alias (the N-th SSD
// built in a process is `ssd{N-1}_`). A block created inside `parent.nameScope(...)` gets
// `<parent prefix><alias><k>_`, where k counts that alias among the parent's scoped children. An explicit prefix
// replaces `<alias><k>_` (still under the parent's prefix); the empty prefix '' makes a block share its parent's
// prefix, and its own nameScope is then a no-op (children count in the enclosing scope).

/** Something with a name prefix that can own a scope (a Block). */
export interface PrefixOwner {
  readonly prefix: string;
}

/** The per-block child counters (`_BlockScope._counter`). */
export class BlockScope {
  readonly counter = new Map<string, number>();
  constructor(readonly owner: PrefixOwner) {}
}

const processCounter = new Map<string, number>();
let current: BlockScope | null = null;

function next(counter: Map<string, number>, hint: string): number {
  const n = counter.get(hint) ?? 0;
  counter.set(hint, n + 1);
  return n;
}

/** The full prefix for a new block with `prefix` (undefined = automatic) and alias `hint` (`_BlockScope.create`). */
export function createPrefix(prefix: string | undefined, hint: string): string {
  if (current === null) return prefix ?? `${hint}${next(processCounter, hint)}_`;
  const own = prefix ?? `${hint}${next(current.counter, hint)}_`;
  return current.owner.prefix + own;
}

/** Runs `fn` with `scope` as the current name scope (`with block.name_scope():`). */
export function withNameScope<T>(scope: BlockScope, fn: () => T): T {
  const old = current;
  current = scope;
  try {
    return fn();
  } finally {
    current = old;
  }
}

/** True while some block's name scope is open. */
export function inNameScope(): boolean {
  return current !== null;
}

/**
 * Forgets the per-process counters, so the next top-level SSD is `ssd0_` again. MXNet has no such call (a fresh
 * process starts at 0); it exists for tests and for tools that build several models and want stable names.
 */
export function resetNameCounters(): void {
  processCounter.clear();
}
