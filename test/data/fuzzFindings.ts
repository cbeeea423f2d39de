// Shared by the fuzz tests (fuzz.test.ts: parsers; fuzzImages.test.ts: image decoding): how many inputs, what
// counts as a hang or an over-long message, and the record of problems found, reported together at the end.
import assert from 'node:assert/strict';

/** Inputs per target; SSDKIT_FUZZ_N changes it (e.g. 100000 for a longer local run). */
export const N = Number(process.env['SSDKIT_FUZZ_N'] ?? 10_000);
/** A single parse slower than this counts as a hang (generous: the CPU is shared). */
export const CASE_MS = 3_000;
/** Longest acceptable error or warning message. */
export const MAX_MESSAGE = 2_000;

/** Problems found, grouped by what went wrong; each keeps its first few inputs. */
export class Findings {
  readonly byProblem = new Map<string, { count: number; examples: string[] }>();
  cases = 0;
  slowest = { ms: 0, what: '' };

  add(problem: string, where: string, input: string | Buffer): void {
    const key = problem.replace(/\d+/g, '#').slice(0, 200);
    const e = this.byProblem.get(key) ?? { count: 0, examples: [] };
    e.count++;
    if (e.examples.length < 3) {
      const preview = typeof input === 'string' ? JSON.stringify(input.slice(0, 160)) : `<${input.length} bytes ${input.subarray(0, 24).toString('hex')}…>`;
      e.examples.push(`${where}: ${problem.slice(0, 300)}\n      input ${preview}${input.length > 160 ? ` (${input.length} long)` : ''}`);
    }
    this.byProblem.set(key, e);
  }

  time(ms: number, where: string, input: string | Buffer): void {
    if (ms > this.slowest.ms) this.slowest = { ms, what: where };
    if (ms > CASE_MS) this.add(`took ${Math.round(ms)} ms (over ${CASE_MS})`, where, input);
  }

  assertNone(target: string): void {
    const lines = [...this.byProblem.values()].map((e) => `  ${e.count}× ${e.examples.join('\n    ')}`);
    console.log(`fuzz ${target}: ${this.cases} inputs, slowest ${this.slowest.ms.toFixed(1)} ms (${this.slowest.what}), ${this.byProblem.size} kinds of problem`);
    assert.equal(lines.length, 0, `${target}: ${lines.length} kinds of problem:\n${lines.join('\n')}`);
  }
}

/** Why an exception is not an acceptable failure, or null when it is one of `kinds` naming `file`. */
export function errorProblem(err: unknown, file: string, kinds: readonly (abstract new (...a: never[]) => Error)[]): string | null {
  if (!(err instanceof Error)) return `threw a non-Error: ${String(err)}`;
  if (!kinds.some((k) => err.constructor === k)) return `threw ${err.constructor.name}: ${err.message}`;
  if (!err.message.includes(file)) return `error does not name the file: ${err.message}`;
  if (err.message.length > MAX_MESSAGE) return `error message is ${err.message.length} characters`;
  return null;
}
