// Shared test helpers: fixture loading and numeric comparison with useful failure messages.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Tensor } from '../src/tensor/index.js';

/** The repository root (tests run from dist/test/..., fixtures stay in test/fixtures). */
export const ROOT = (() => {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!d.endsWith('/dist') && d !== '/') d = dirname(d);
  return dirname(d);
})();

export function fixturePath(name: string): string {
  return join(ROOT, 'test', 'fixtures', name);
}

export function loadFixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(fixturePath(name), 'utf8')) as T;
}

/** Flattens nested number arrays. */
export function flat(x: unknown): number[] {
  if (Array.isArray(x)) return x.flatMap(flat);
  if (typeof x === 'boolean') return [x ? 1 : 0];
  return [x as number];
}

/** Asserts |a - e| <= atol + rtol * |e| elementwise (NaN equals NaN, ±Infinity must match exactly). */
export function assertClose(actual: Tensor | ArrayLike<number> | number[], expected: unknown, rtol = 1e-5, atol = 1e-6, what = 'value'): void {
  const a = Array.isArray(actual) || ArrayBuffer.isView(actual) ? Array.from(actual as ArrayLike<number>, Number) : (actual as Tensor).toArray();
  const e = flat(expected);
  assert.equal(a.length, e.length, `${what}: ${a.length} elements, expected ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    if (Number.isNaN(y) && Number.isNaN(x)) continue;
    if (!Number.isFinite(y) || !Number.isFinite(x)) {
      assert.equal(x, y, `${what}[${i}]: ${x} vs expected ${y}`);
      continue;
    }
    assert.ok(Math.abs(x - y) <= atol + rtol * Math.abs(y), `${what}[${i}]: ${x} vs expected ${y} (rtol ${rtol}, atol ${atol})`);
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on right now (for rendezvous stores in tests). */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
