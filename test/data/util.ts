// Helpers for the data-pipeline tests: temporary folders and a scripted random source.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Rng } from '../../src/data/random.js';

export function tempDir(tag: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `ssdkit-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An Rng whose unit draws come from a list (derived draws use the same formulas as Random). */
export class ScriptedRng implements Rng {
  #draws: number[];
  constructor(draws: number[]) {
    this.#draws = draws.slice();
  }
  get remaining(): number {
    return this.#draws.length;
  }
  random(): number {
    const u = this.#draws.shift();
    if (u === undefined) throw new Error('ScriptedRng: out of draws');
    return u;
  }
  uniform(a: number, b: number): number {
    return a + (b - a) * this.random();
  }
  randint(a: number, b: number): number {
    return a + Math.floor(this.random() * (b - a + 1));
  }
  randrange(n: number): number {
    return Math.floor(this.random() * n);
  }
}

/** The unit draw that makes uniform(a, b) return v. */
export function u(a: number, b: number, v: number): number {
  return (v - a) / (b - a);
}

/** The unit draw that makes randrange(n) return k. */
export function r(n: number, k: number): number {
  return (k + 0.5) / n;
}

/** A deterministic pseudo-random RGB image. */
export function noiseImage(width: number, height: number, seed = 1): { data: Uint8Array; width: number; height: number } {
  const data = new Uint8Array(width * height * 3);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { data, width, height };
}
