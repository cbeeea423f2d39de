// Test helpers for src/detection: the synthetic-prediction hash shared with
// scripts/fixtures/make_detection_fixtures.py (`synth`), dense targets rebuilt from fixture positives, and a
// leak check.
import assert from 'node:assert/strict';
import { type Tensor, fromTypedArray, memory, dispose, tidy } from '../../src/tensor/index.js';

function mix32(x: number): number {
  x >>>= 0;
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  x = (x ^ (x >>> 13)) >>> 0;
  x = Math.imul(x, 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** (B, N, K) float32 values lo + (hi - lo) * u, u from 20 hash bits: exactly the fixture script's synth(). */
export function synth(shape: [number, number, number], seed: number, lo: number, hi: number): Tensor {
  const [B, N, K] = shape;
  const out = new Float32Array(B * N * K);
  let i = 0;
  for (let b = 0; b < B; b++) {
    for (let a = 0; a < N; a++) {
      for (let k = 0; k < K; k++) {
        const h = (b * 0x9e3779b1 + a * 0x85ebca77 + k * 0xc2b2ae3d + seed * 0x27d4eb2f) % 4294967296;
        out[i++] = lo + ((hi - lo) * (mix32(h) >>> 12)) / 2 ** 20;
      }
    }
  }
  return fromTypedArray(out, shape);
}

export interface FixtureImage {
  pos: number[];
  gt: number[];
  cls: number[];
  box: number[][];
  neg?: number[];
}

/** Dense (B, N) class targets and (B, N, 4) box targets: positives from the fixture, `fill` elsewhere. */
export function denseTargets(images: FixtureImage[], N: number, fill = 0, negatives?: number[][]): [Tensor, Tensor] {
  const B = images.length;
  const cls = new BigInt64Array(B * N).fill(BigInt(fill));
  const box = new Float32Array(B * N * 4);
  images.forEach((im, b) => {
    negatives?.[b]?.forEach((a) => (cls[b * N + a] = 0n));
    im.pos.forEach((a, j) => {
      cls[b * N + a] = BigInt(im.cls[j]!);
      box.set(im.box[j]!, (b * N + a) * 4);
    });
  });
  return [fromTypedArray(cls, [B, N]), fromTypedArray(box, [B, N, 4])];
}

/** Runs fn and asserts that every tensor it created is either freed or part of its result. */
export function assertNoLeak<T>(fn: () => T, what: string): T {
  const before = memory().liveTensors;
  const out = fn();
  const kept = tidy(() => out); // results stay alive
  const after = memory().liveTensors;
  const probe = new Set<unknown>();
  countTensors(kept, probe);
  assert.equal(after - before, probe.size, `${what}: ${after - before} new live tensors, ${probe.size} returned`);
  return kept;
}

function countTensors(v: unknown, out: Set<unknown>): void {
  if (v === null || typeof v !== 'object') return;
  if ('dispose' in v && 'kept' in v) out.add(v);
  else if (Array.isArray(v)) v.forEach((x) => countTensors(x, out));
  else Object.values(v).forEach((x) => countTensors(x, out));
}

export { dispose };
