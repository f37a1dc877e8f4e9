import { describe, expect, it } from 'vitest';
import { Rand32 } from '../job/prng.ts';
import { judgeNoise } from './noise.ts';
import { bootstrapMeanCi, compareMetric, tMeanCi } from './stats.ts';
import type { MetricSpec } from './stats.ts';
import { tCdf, tQuantile } from './student-t.ts';

const IOPS: MetricSpec = { key: 'iops', label: 'IOPS', unit: '', better: 'higher', win: 'is faster' };
const P99: MetricSpec = { key: 'p99', label: 'clat p99', unit: 'µs', better: 'lower', win: 'has lower p99 latency' };
const OPTS = { confidence: 0.95, resamples: 4000, seed: 1 };

/** `n` pairs around `level` with multiplicative noise `noise` and a shared per-pair drift. */
function pairs(n: number, level: number, ratio: number, noise: number, seed: number): { a: number[]; b: number[] } {
  const r = new Rand32(seed);
  const g = (): number => (r.next() / 2 ** 32 + r.next() / 2 ** 32 + r.next() / 2 ** 32 - 1.5) * 2 * noise; // ~N(0, noise)
  const a: number[] = [], b: number[] = [];
  for (let i = 0; i < n; i++) {
    const drift = 1 + 0.05 * Math.sin(i); // the machine wanders; both sides of a pair see it
    a.push(level * ratio * drift * (1 + g()));
    b.push(level * drift * (1 + g()));
  }
  return { a, b };
}

describe('Student t', () => {
  it('matches the textbook quantiles', () => {
    expect(tQuantile(0.975, 4)).toBeCloseTo(2.776, 3);
    expect(tQuantile(0.975, 9)).toBeCloseTo(2.262, 3);
    expect(tQuantile(0.95, 1)).toBeCloseTo(6.314, 3);
    expect(tQuantile(0.995, 30)).toBeCloseTo(2.750, 3);
    expect(tCdf(0, 7)).toBeCloseTo(0.5, 12);
  });
});

describe('intervals of a mean', () => {
  it('t and bootstrap intervals contain the mean; the bootstrap is narrower for tiny samples', () => {
    const xs = [0.9, 1.1, 1.0, 1.2, 0.95];
    const t = tMeanCi(xs, 0.95), bs = bootstrapMeanCi(xs, 0.95, 4000, 3);
    for (const [lo, hi] of [t, bs]) expect(lo < 1.03 && 1.03 < hi).toBe(true);
    expect(bs[1] - bs[0]).toBeLessThan(t[1] - t[0]);
  });
});

describe('compareMetric on synthetic pairs with a known difference', () => {
  it('finds A 10 % faster, with an interval that contains 10 %', () => {
    const { a, b } = pairs(8, 100_000, 1.1, 0.01, 42);
    const c = compareMetric(IOPS, a, b, OPTS);
    expect(c.winner).toBe('A');
    expect(c.byPct).toBeGreaterThan(8);
    expect(c.byPct).toBeLessThan(12);
    expect(c.ciPct[0]).toBeLessThan(10);
    expect(c.ciPct[1]).toBeGreaterThan(10);
    expect(c.verdict).toMatch(/^A is faster by \d+\.\d% ± \d+\.\d%$/);
  });

  it('names B when B is faster, and uses "lower" for latency', () => {
    const { a, b } = pairs(6, 100_000, 0.8, 0.01, 7);
    expect(compareMetric(IOPS, a, b, OPTS).verdict).toMatch(/^B is faster by 2\d\.\d% ± /);
    const lat = compareMetric(P99, a, b, OPTS); // A's values are lower: A wins on latency
    expect(lat.winner).toBe('A');
    expect(lat.verdict).toMatch(/^A has lower p99 latency by 20\.\d% ± /);
  });

  it('says "no difference detected" for equal configurations in at least 90 % of trials', () => {
    let none = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const { a, b } = pairs(5, 50_000, 1, 0.03, seed);
      if (compareMetric(IOPS, a, b, { ...OPTS, resamples: 1000, seed }).winner === null) none++;
    }
    expect(none / 60).toBeGreaterThanOrEqual(0.9);
  });

  it('does not call a 1 % difference under 10 % noise', () => {
    const { a, b } = pairs(5, 50_000, 1.01, 0.1, 5);
    expect(compareMetric(IOPS, a, b, OPTS).verdict).toMatch(/^no difference detected \(A vs B [+−][\d.]+% … [+−][\d.]+%, 95% CI\)$/);
  });

  it('refuses metrics with zeros (nothing measured)', () => {
    expect(compareMetric(IOPS, [0, 0], [1, 1], OPTS).verdict).toMatch(/not measured/);
  });
});

describe('noise', () => {
  it('flags a configuration whose own runs vary more than the threshold', () => {
    const quiet = judgeNoise([100, 101, 99, 100], [90, 91, 90, 89], 5, { total: 0, steal: 0 }, { total: 1000, steal: 0 }, 0);
    expect(quiet.noisy).toBe(false);
    const noisy = judgeNoise([100, 130, 80, 100], [90, 91, 90, 89], 5, { total: 0, steal: 0 }, { total: 1000, steal: 50 }, 0);
    expect(noisy.noisy).toBe(true);
    expect(noisy.reasons.join(';')).toMatch(/A's IOPS vary by \d+\.\d% .*threshold 5%.*stole 5\.0% of CPU/);
  });
});
