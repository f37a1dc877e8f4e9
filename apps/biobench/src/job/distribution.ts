/**
 * fio's `random_distribution` for block offsets: zipf:θ (rank k has weight k^-θ), pareto:h
 * (fio's power form) and normal:σ (σ in % of the region, centred on its middle). zipf and pareto
 * ranks are spread over the region by a seeded bijection (fio hashes them), so the hot blocks are
 * not all at the start. Sampling is O(1) and allocation-free: zipf by rejection-inversion
 * (Hörmann & Derflinger 1996), normal by Box-Muller.
 * @fio lib/zipf.c zipf_next() / pareto_next(), lib/gauss.c gauss_next()
 */
import type { Distribution } from '../options/kinds-fio.ts';
import { Permutation } from './prng.ts';
import type { Rand32 } from './prng.ts';

const helper1 = (x: number): number => (Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - 0.25 * x)));
const helper2 = (x: number): number => (Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + (x / 3) * (1 + 0.25 * x)));

export class OffsetDistribution {
  readonly #type: Distribution['type'];
  readonly #n: number;
  readonly #param: number;
  readonly #scramble: Permutation;
  // zipf (rejection-inversion) constants
  readonly #hx1: number = 0;
  readonly #hn: number = 0;
  readonly #sv: number = 0;
  readonly #paretoPow: number = 0;

  /** Offsets in [0, n) blocks; `seed` picks which blocks are hot. */
  constructor(d: Distribution, n: number, seed: number) {
    this.#type = d.type;
    this.#n = n;
    this.#param = d.param;
    this.#scramble = new Permutation(Math.min(n, 4294967296), seed ^ 0x5a5a5a5a);
    if (d.type === 'zipf') {
      this.#hx1 = this.#hIntegral(1.5) - 1;
      this.#hn = this.#hIntegral(n + 0.5);
      this.#sv = 2 - this.#hIntegralInverse(this.#hIntegral(2.5) - this.#h(2));
    }
    if (d.type === 'pareto') this.#paretoPow = Math.log(d.param) / Math.log(1 - d.param);
  }

  #h(x: number): number {
    return Math.exp(-this.#param * Math.log(x));
  }

  #hIntegral(x: number): number {
    const lx = Math.log(x);
    return helper2((1 - this.#param) * lx) * lx;
  }

  #hIntegralInverse(x: number): number {
    let t = x * (1 - this.#param);
    if (t < -1) t = -1;
    return Math.exp(helper1(t) * x);
  }

  /** Zipf rank in [1, n]. */
  #zipf(r: Rand32): number {
    for (;;) {
      const u = this.#hn + (r.next() / 4294967296) * (this.#hx1 - this.#hn);
      const x = this.#hIntegralInverse(u);
      const k = Math.min(this.#n, Math.max(1, Math.floor(x + 0.5)));
      if (k - x <= this.#sv || u >= this.#hIntegral(k + 0.5) - this.#h(k)) return k;
    }
  }

  /** The next block index in [0, n). */
  next(r: Rand32): number {
    const n = this.#n;
    if (this.#type === 'normal') {
      const u1 = (r.next() + 1) / 4294967297, u2 = r.next() / 4294967296;
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      return Math.min(n - 1, Math.max(0, Math.floor(n / 2 + z * ((this.#param / 100) * n))));
    }
    const rank = this.#type === 'zipf' ? this.#zipf(r) - 1 : Math.min(n - 1, Math.floor((n - 1) * (r.next() / 4294967296) ** this.#paretoPow));
    return n <= 4294967296 ? this.#scramble.at(rank) : rank;
  }
}
