// Seeded pseudo-random numbers for the data pipeline (spec §7.4: every random augmentation draws from here, so a
// sample's augmentation is reproducible from its seed). xoshiro128** seeded through splitmix32; the helpers
// mirror the Python calls GluonCV makes: uniform(a, b), randint(a, b) inclusive, randrange(n), choice, shuffle.

/** The draws the transforms need. `Random` implements it; tests may script one. */
export interface Rng {
  /** A float in [0, 1). */
  random(): number;
  /** A float in [a, b) (Python's random.uniform / np.random.uniform). */
  uniform(a: number, b: number): number;
  /** An integer in [a, b], both ends included (Python's random.randint). */
  randint(a: number, b: number): number;
  /** An integer in [0, n) (Python's random.randrange(n), np.random.randint(0, n)). */
  randrange(n: number): number;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Mixes any number of integers (e.g. seed, epoch, position) into one 32-bit seed. */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    // Fold in the value as two 32-bit halves so seeds beyond 2^32 still differ.
    const lo = p >>> 0;
    const hi = Math.floor(p / 4294967296) >>> 0;
    for (const v of [lo, hi]) {
      h = Math.imul(h ^ v, 0x01000193);
      h ^= h >>> 15;
      h = Math.imul(h, 0x2c1b3c6d);
      h ^= h >>> 12;
    }
  }
  return h >>> 0;
}

/** xoshiro128** generator. */
export class Random implements Rng {
  #s: Uint32Array;

  constructor(seed = 0) {
    this.#s = new Uint32Array(4);
    const st = { s: seed | 0 };
    for (let i = 0; i < 4; i++) this.#s[i] = splitmix32(st);
    if (this.#s.every((v) => v === 0)) this.#s[0] = 1;
  }

  /** A generator seeded from this seed's mix with more keys, e.g. `Random.derive(seed, epoch, index)`. */
  static derive(...parts: number[]): Random {
    return new Random(mixSeed(...parts));
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  random(): number {
    const a = this.nextUint32() >>> 5; // 27 bits
    const b = this.nextUint32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  uniform(a: number, b: number): number {
    return a + (b - a) * this.random();
  }

  randint(a: number, b: number): number {
    if (!Number.isInteger(a) || !Number.isInteger(b) || b < a) throw new RangeError(`randint(${a}, ${b}): empty range`);
    return a + Math.floor(this.random() * (b - a + 1));
  }

  randrange(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`randrange(${n}): empty range`);
    return Math.floor(this.random() * n);
  }

  /** A normal draw (Box–Muller). */
  normal(mean = 0, std = 1): number {
    let u = 0;
    while (u === 0) u = this.random();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.random() < p;
  }

  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('choice() from an empty list');
    return items[this.randrange(items.length)]!;
  }

  /** Shuffles in place (Fisher–Yates) and returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.randrange(i + 1);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /** The generator state (4 words), for checkpoints. */
  getState(): number[] {
    return Array.from(this.#s);
  }

  setState(state: readonly number[]): void {
    if (state.length !== 4) throw new RangeError('Random.setState: expected 4 words');
    this.#s.set(state.map((v) => v >>> 0));
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
