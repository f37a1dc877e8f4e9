/**
 * Seeded randomness for workloads: a 32-bit generator (mulberry32) and a keyed permutation of
 * block indexes (fio's random map without the map): a bijection on [0, 2^k) walked by a counter,
 * skipping values ≥ n, so every block of the region is visited once per pass. No allocation.
 */
export class Rand32 {
  #s: number;

  constructor(seed: number) {
    this.#s = seed >>> 0;
  }

  /** Next value in [0, 2^32). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform integer in [0, n), n ≤ 2^53. */
  below(n: number): number {
    if (n <= 4294967296) return Math.floor((this.next() / 4294967296) * n);
    const x = this.next() * 2097152 + (this.next() >>> 11);
    return Math.floor((x / 9007199254740992) * n);
  }
}

/** Mix seed parts into one 32-bit seed (stream selection). */
export function seedMix(a: number, b: number): number {
  let h = Math.imul((a ^ 0x9e3779b9) >>> 0, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h ^ (b >>> 0), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A pseudo-random permutation of [0, n) for n ≤ 2^32, as an endless sequence of passes. */
export class Permutation {
  readonly #n: number;
  readonly #mask: number;
  readonly #half: number;
  readonly #k1: number;
  readonly #k2: number;
  #i = 0;

  constructor(n: number, seed: number) {
    if (!(n >= 1 && n <= 4294967296)) throw new RangeError(`Permutation(n): ${n} is outside 1..2^32`);
    const bits = Math.max(1, Math.ceil(Math.log2(n)));
    this.#n = n;
    this.#mask = bits >= 32 ? -1 : (1 << bits) - 1;
    this.#half = Math.max(1, bits >> 1);
    this.#k1 = seedMix(seed, 1);
    this.#k2 = seedMix(seed, 2);
  }

  /** A bijection on [0, 2^bits): add, odd multiply and xor-shift, each invertible mod 2^bits. */
  #mix(x: number): number {
    const m = this.#mask;
    x = ((x + this.#k1) & m) >>> 0;
    x = (Math.imul(x, 0x9e3779b1) & m) >>> 0;
    x ^= x >>> this.#half;
    x = (Math.imul(x, 0x85ebca6b) & m) >>> 0;
    x ^= x >>> this.#half;
    return ((x + this.#k2) & m) >>> 0;
  }

  /** The image of `i` in [0, n) under a fixed bijection of [0, n) (cycle walking); no state changes. */
  at(i: number): number {
    let y = this.#mix(i);
    while (y >= this.#n) y = this.#mix(y);
    return y;
  }

  /** The next index; after n calls every index in [0, n) has come once, then a new pass starts. */
  next(): number {
    for (;;) {
      const y = this.#mix(this.#i);
      this.#i = ((this.#i + 1) & this.#mask) >>> 0;
      if (y < this.#n) return y;
    }
  }
}
