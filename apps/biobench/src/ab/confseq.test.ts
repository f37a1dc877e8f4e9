/**
 * The always-valid interval and the block design's statistics, checked by simulation on seeded
 * synthetic data (no timing, no IO): coverage under optional stopping, the A/A false-claim rate
 * with a look after every few groups, power for known effects, Holm, and the ABBA/BAAB algebra.
 */
import { describe, expect, it } from 'vitest';
import { Rand32 } from '../job/prng.ts';
import { clipsOf, compareBlocks, groupDiffs } from './block-stats.ts';
import type { BlockLog } from './block-stats.ts';
import { csEstimate, csHalfWidth, csHuber, csRho, huberClip } from './confseq.ts';
import { holm } from './holm.ts';
import { tQuantile } from './student-t.ts';

/** Standard normal draws (Box–Muller over Rand32). */
function gauss(r: Rand32): () => number {
  return () => {
    const u = (r.next() + 1) / 4294967297, v = r.next() / 4294967296;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/**
 * One sequential run of the robust (Huber) sequence, its clip from 30 warm-up draws: observations
 * `mu + sd·(noise)` (noise: normal, or a heavy-tailed scale mixture, like per-group log-ratios with
 * an occasional preempted block), a look
 * every `every` observations from the 10th, stopping at `maxN` or once the half-width is ≤ `stopAt`.
 * Returns whether any look's interval missed `mu`, and the last estimate.
 */
function sequentialRun(seed: number, mu: number, sd: number, maxN: number, every: number, stopAt: number, skewed = false) {
  const g = gauss(new Rand32(seed));
  const alpha = 0.05, rho = csRho(alpha, maxN);
  const draw = (): number => {
    const e = g();
    return mu + sd * (skewed ? (Math.abs(g()) < 1.6 ? e * 0.8 : e * 1.9) : e); // heavier tails, unit-ish variance
  };
  const clip = huberClip(Array.from({ length: 30 }, draw)); // the warm-up, discarded
  const xs: number[] = [];
  let missed = false, last = csEstimate([0, 0], alpha, rho);
  while (xs.length < maxN) {
    xs.push(draw());
    if (xs.length >= 10 && xs.length % every === 0) {
      last = csHuber(xs, clip, alpha, rho);
      if (last.ci[0] > mu || last.ci[1] < mu) missed = true;
      if (last.halfWidth <= stopAt) break;
    }
  }
  return { missed, last };
}

describe('asymptotic confidence sequence', () => {
  it('is wider than the fixed-n t interval at its planned size, and shrinks like √(log n / n)', () => {
    const rho = csRho(0.05, 1000);
    const t = tQuantile(0.975, 999) / Math.sqrt(1000);
    expect(csHalfWidth(1, 1000, 0.05, rho)).toBeGreaterThan(t);
    expect(csHalfWidth(1, 1000, 0.05, rho)).toBeLessThan(2.5 * t);
    expect(csHalfWidth(1, 4000, 0.05, rho)).toBeLessThan(csHalfWidth(1, 1000, 0.05, rho));
  });

  it.each([
    { noise: 'normal', skewed: false },
    { noise: 'heavy-tailed', skewed: true },
  ])('covers the mean at every look in at least 190 of 200 runs that peek every 25 observations ($noise noise)', ({ skewed }) => {
    let missed = 0;
    for (let s = 1; s <= 200; s++) if (sequentialRun(s * 7919, 0.03, 0.05, 1000, 25, 0, skewed).missed) missed++;
    expect(missed / 200).toBeLessThanOrEqual(0.05);
  });

  it('A/A: stopping at a precision or a budget claims a difference in at most 10 of 200 runs', () => {
    let claims = 0;
    for (let s = 1; s <= 200; s++) {
      const { last } = sequentialRun(s * 104729, 0, 0.04, 2000, 40, 0.004);
      if (last.ci[0] > 0 || last.ci[1] < 0) claims++;
    }
    expect(claims / 200).toBeLessThanOrEqual(0.05);
  });

  it.each([{ effect: 0.02 }, { effect: 0.05 }, { effect: 0.1 }])('detects a known effect of $effect with the right sign in at least 80 of 100 runs', ({ effect }) => {
    const mu = Math.log(1 + effect);
    let right = 0;
    for (let s = 1; s <= 100; s++) {
      // the precision the tool would claim: half-width ≤ effect / 2 (an MDE below the effect)
      const { last } = sequentialRun(s * 31337, mu, 0.05, 20_000, 50, mu / 2.5);
      if (last.ci[0] > 0) right++;
    }
    expect(right / 100).toBeGreaterThanOrEqual(0.8);
  });

  it('the robust sequence is the mean\'s with no clip, and narrower than it when a few observations are wild', () => {
    const rho = csRho(0.05, 200), g = gauss(new Rand32(3));
    const xs = Array.from({ length: 200 }, (_, i) => 0.01 + 0.02 * g() + (i % 25 === 0 ? 0.8 : 0));
    expect(csHuber(xs, Number.POSITIVE_INFINITY, 0.05, rho)).toEqual(csEstimate(xs, 0.05, rho));
    const robust = csHuber(xs, huberClip(xs.slice(0, 30)), 0.05, rho), plain = csEstimate(xs, 0.05, rho);
    expect(robust.halfWidth).toBeLessThan(plain.halfWidth / 2);
    expect(robust.ci[0]).toBeLessThan(0.01);
    expect(robust.ci[1]).toBeGreaterThan(0.01);
  });

  it('reports a minimum detectable effect above the half-width', () => {
    const e = csEstimate([0.01, -0.02, 0.03, 0.0, 0.015, -0.01], 0.05, csRho(0.05, 100));
    expect(e.mde).toBeGreaterThan(e.halfWidth);
    expect(e.p).toBeGreaterThan(0.05);
  });
});

describe('Holm', () => {
  it('rejects step-down: the smallest p at α/m, the next at α/(m−1), stopping at the first failure', () => {
    expect(holm([0.01, 0.04, 0.03], 0.05)).toEqual([true, false, false]);
    expect(holm([0.01, 0.02, 0.04], 0.05)).toEqual([true, true, true]);
    expect(holm([0.2, 0.001], 0.05)).toEqual([false, true]);
  });
});

/** A log of `groups` groups: A's CPU per IO `ratio` × B's, the block run first in a pair `first` × slower. */
function syntheticLog(groups: number, ratio: number, first: number, seed: number): BlockLog {
  const r = new Rand32(seed), g = gauss(new Rand32(seed + 1));
  const log: BlockLog = { side: [], ios: [], wallNs: [], cpuNs: [] };
  for (let k = 0; k < groups; k++) {
    const order = r.below(2) ? [0, 1, 1, 0] : [1, 0, 0, 1];
    const drift = 1 + 0.2 * Math.sin(k / 7); // the machine wanders; a group's four blocks see the same
    order.forEach((s, i) => {
      const ios = 1000;
      const cpu = 2000 * ios * drift * (s === 0 ? ratio : 1) * (i % 2 === 0 ? first : 1) * (1 + 0.02 * g());
      log.side.push(s);
      log.ios.push(ios);
      log.cpuNs.push(cpu);
      log.wallNs.push(cpu * 1.1);
    });
  }
  return log;
}

describe('ABBA/BAAB groups', () => {
  it('cancel a position effect and drift from the difference, and estimate the position effect apart', () => {
    const log = syntheticLog(400, 1.05, 1.1, 5);
    const d = groupDiffs(log);
    expect(d.cpu).toHaveLength(400);
    const [cpu] = compareBlocks(log, 'cpu', 0.05, csRho(0.05, 400), clipsOf(syntheticLog(20, 1.05, 1.1, 6)));
    expect(cpu!.ciPct[0]).toBeLessThan(5);
    expect(cpu!.ciPct[1]).toBeGreaterThan(5);
    expect(cpu!.positionCiPct[0]).toBeLessThan(10);
    expect(cpu!.positionCiPct[1]).toBeGreaterThan(10);
    expect(cpu!.winner).toBe('B');
    expect(cpu!.verdict).toMatch(/^B uses less CPU per IO by 4\.\d\d% ± 0\.\d\d%$/);
  });

  it('skip a group with an empty block, and A/A says no difference', () => {
    const log = syntheticLog(200, 1, 1, 9);
    log.ios[5] = 0;
    expect(groupDiffs(log).cpu).toHaveLength(199);
    const [cpu, iops] = compareBlocks(log, 'cpu', 0.05, csRho(0.05, 200), { cpu: Number.POSITIVE_INFINITY, iops: Number.POSITIVE_INFINITY });
    expect(cpu!.verdict).toMatch(/^no difference detected \(A vs B −\d\.\d\d% … \+\d\.\d\d%\)$/);
    expect(iops!.primary).toBe(false);
  });
});
