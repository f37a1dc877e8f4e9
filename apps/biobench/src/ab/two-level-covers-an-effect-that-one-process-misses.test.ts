/**
 * The two-level combination of `ab --processes N` (ab/two-level.ts), checked by simulation on
 * seeded synthetic data (no timing, no IO): each simulated process draws its own offset of the
 * effect (JIT, memory placement) and then a within-process estimate around it. One process's
 * interval, and the processes pooled as if only within-process noise existed, miss the true
 * effect far more often than 5 %; the random-effects interval covers it about 95 % of the time.
 */
import { describe, expect, it } from 'vitest';
import { Rand32 } from '../job/prng.ts';
import { setupFirst } from './blocks.ts';
import { childArgv, childSeeds } from './processes.ts';
import { combineProcesses, pooledFixedEffect } from './two-level.ts';
import type { ProcessEstimate } from './two-level.ts';

/** Standard normal draws (Box–Muller over Rand32). */
function gauss(r: Rand32): () => number {
  return () => {
    const u = (r.next() + 1) / 4294967297, v = r.next() / 4294967296;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/**
 * `n` processes: true effect `mu`, per-process offset sd `tau`, within-process standard error
 * around `se` (each process's own se varies ±30 %, as real runs stopping at different times do).
 */
function simulate(g: () => number, mu: number, tau: number, se: number, n: number): ProcessEstimate[] {
  return Array.from({ length: n }, () => {
    const s = se * (0.7 + 0.6 * Math.abs(g()) / 2.5);
    return { est: mu + tau * g() + s * g(), se: s };
  });
}

const covers = (ci: readonly [number, number], mu: number): boolean => ci[0] <= mu && mu <= ci[1];
const TRIALS = 4000;

describe('two-level combination of per-process estimates', () => {
  // the measured situation: a process offset of ≈ 0.4 % (sd, log scale), within-process se ≈ 0.2 %
  const tau = 0.004, se = 0.002, mu = 0.01;

  for (const n of [3, 5]) {
    it(`covers the effect ≈ 95 % of the time over ${n} processes, where one process's interval and the fixed-effect pool do not`, () => {
      const g = gauss(new Rand32(1900 + n));
      let two = 0, one = 0, pooled = 0;
      for (let t = 0; t < TRIALS; t++) {
        const xs = simulate(g, mu, tau, se, n);
        if (covers(combineProcesses(xs, 0.05).ci, mu)) two++;
        if (covers([xs[0]!.est - 1.96 * xs[0]!.se, xs[0]!.est + 1.96 * xs[0]!.se], mu)) one++;
        if (covers(pooledFixedEffect(xs, 1.96).ci, mu)) pooled++;
      }
      expect(one / TRIALS).toBeLessThan(0.8);
      expect(pooled / TRIALS).toBeLessThan(0.8);
      expect(two / TRIALS).toBeGreaterThan(0.93);
      expect(two / TRIALS).toBeLessThan(0.995);
    });
  }

  it('keeps ≈ 95 % coverage without a process offset, and its A/A false-claim rate at ≈ 5 %', () => {
    const g = gauss(new Rand32(77));
    let cover = 0, claims = 0;
    for (let t = 0; t < TRIALS; t++) {
      const e = combineProcesses(simulate(g, 0, 0, se, 5), 0.05);
      if (covers(e.ci, 0)) cover++;
      if (e.p < 0.05) claims++;
    }
    expect(cover / TRIALS).toBeGreaterThan(0.93);
    expect(claims / TRIALS).toBeLessThan(0.07);
    expect(claims).toBe(TRIALS - cover); // the p-value and the interval agree
  });

  it('estimates the between-process variance: τ near the simulated offset, 0 without one', () => {
    const g = gauss(new Rand32(5));
    const big = combineProcesses(simulate(g, 0, 0.01, 0.001, 60), 0.05);
    expect(big.tau).toBeGreaterThan(0.007);
    expect(big.tau).toBeLessThan(0.013);
    const none = combineProcesses(Array.from({ length: 5 }, () => ({ est: 0.002, se: 0.001 })), 0.05);
    expect(none.tau2).toBe(0);
    expect(none.mean).toBeCloseTo(0.002, 12);
  });

  it('finds a 5 % effect with the right sign in ≥ 80 % of 5-process runs', () => {
    const g = gauss(new Rand32(11));
    let right = 0, wrong = 0;
    for (let t = 0; t < 1000; t++) {
      const e = combineProcesses(simulate(g, -0.05, tau, 0.005, 5), 0.05);
      if (e.ci[1] < 0) right++;
      if (e.ci[0] > 0) wrong++;
    }
    expect(right / 1000).toBeGreaterThan(0.8);
    expect(wrong).toBe(0);
  });

  it('gives an infinite interval for one process and refuses a bad estimate', () => {
    expect(combineProcesses([{ est: 0.1, se: 0.01 }], 0.05).ci).toEqual([-Infinity, Infinity]);
    expect(() => combineProcesses([{ est: NaN, se: 0.01 }, { est: 0, se: 0.01 }], 0.05)).toThrow(RangeError);
    expect(() => combineProcesses([{ est: 0, se: -1 }, { est: 0, se: 0.01 }], 0.05)).toThrow(/bad process estimate/);
  });
});

describe('child processes of ab --processes', () => {
  it('get the parent\'s command line without the per-child options, then their own seed, budget and JSON', () => {
    const argv = ['ab', 'release=unpin', 'release=unpin-batched', '--driver', 'null', '--processes=3', '--seed', '9', '--output_format', 'normal', '--output', 'x.json', '--budget', '3s', '--precision', '1%'];
    expect(childArgv(argv, 42, 1000)).toEqual(['ab', 'release=unpin', 'release=unpin-batched', '--driver', 'null', '--precision', '1%', '--processes', '1', '--seed', '42', '--budget', '1000ms', '--output-format', 'json']);
  });

  it('draw distinct seeds whose set-up order alternates', () => {
    for (const seed of [1, 7, 1000, 0xdeadbeef]) {
      const seeds = childSeeds(seed, 20);
      expect(new Set(seeds).size).toBe(20);
      expect(seeds.map((x) => setupFirst(x))).toEqual(Array.from({ length: 20 }, (_, i) => (setupFirst(seed) + i) % 2));
    }
  });
});
