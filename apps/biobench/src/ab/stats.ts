/**
 * A/B statistics on interleaved pairs. Each pair (A_i, B_i) ran back to back, so drift in the
 * machine hits both: the unit of evidence is the paired log-ratio ln(A_i / B_i). Its mean gets
 * two 95 % (configurable) intervals — a percentile bootstrap over pairs and Student's t — and the
 * verdict uses the wider, because with 5 pairs the bootstrap alone is too narrow. A difference is
 * reported only when that interval excludes zero.
 */
import { Rand32 } from '../job/prng.ts';
import { holm } from './holm.ts';
import { tCdf, tQuantile } from './student-t.ts';

export interface MetricSpec {
  key: string;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  /** Verdict phrase after the winner: `is faster`, `has lower p99 latency`. */
  win: string;
}

export interface Comparison {
  metric: MetricSpec;
  a: { mean: number; cv: number; samples: number[] };
  b: { mean: number; cv: number; samples: number[] };
  /** A relative to B, percent, and its interval (A/B − 1). */
  changePct: number;
  ciPct: [number, number];
  significant: boolean;
  winner: 'A' | 'B' | null;
  /** Winner's advantage, percent, ± half the interval's width. */
  byPct: number;
  pmPct: number;
  verdict: string;
}

export interface AbStatsOptions {
  confidence: number;
  resamples: number;
  seed: number;
}

export const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

export function stddev(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Coefficient of variation (sd / mean), 0 for a zero mean. */
export const cv = (xs: readonly number[]): number => (mean(xs) ? stddev(xs) / Math.abs(mean(xs)) : 0);

/** Percentile bootstrap interval of the mean of `xs`. */
export function bootstrapMeanCi(xs: readonly number[], confidence: number, resamples: number, seed: number): [number, number] {
  const rng = new Rand32(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < xs.length; i++) s += xs[rng.below(xs.length)]!;
    means[r] = s / xs.length;
  }
  means.sort();
  const alpha = (1 - confidence) / 2;
  return [means[Math.floor(alpha * (resamples - 1))]!, means[Math.ceil((1 - alpha) * (resamples - 1))]!];
}

/** Student's t interval of the mean of `xs`. */
export function tMeanCi(xs: readonly number[], confidence: number): [number, number] {
  const m = mean(xs);
  if (xs.length < 2) return [m, m];
  const h = tQuantile(1 - (1 - confidence) / 2, xs.length - 1) * (stddev(xs) / Math.sqrt(xs.length));
  return [m - h, m + h];
}

/** Interval of the mean paired log-ratio ln(a_i/b_i): the wider of bootstrap and t. */
export function logRatioCi(a: readonly number[], b: readonly number[], o: AbStatsOptions): { mean: number; ci: [number, number] } {
  const lr = a.map((x, i) => Math.log(x / b[i]!));
  const bs = bootstrapMeanCi(lr, o.confidence, o.resamples, o.seed);
  const t = tMeanCi(lr, o.confidence);
  return { mean: mean(lr), ci: [Math.min(bs[0], t[0]), Math.max(bs[1], t[1])] };
}

const pct = (x: number): number => x * 100;

/** Compare one metric's paired samples; see the module comment for the method. */
export function compareMetric(metric: MetricSpec, a: number[], b: number[], o: AbStatsOptions): Comparison {
  const base = { metric, a: { mean: mean(a), cv: cv(a), samples: a }, b: { mean: mean(b), cv: cv(b), samples: b } };
  if (a.length !== b.length || a.length < 2 || a.some((x) => !(x > 0)) || b.some((x) => !(x > 0))) {
    return { ...base, changePct: 0, ciPct: [0, 0], significant: false, winner: null, byPct: 0, pmPct: 0, verdict: 'not measured (needs 2+ pairs of positive values)' };
  }
  const { mean: d, ci } = logRatioCi(a, b, o);
  const changePct = pct(Math.exp(d) - 1);
  const ciPct: [number, number] = [pct(Math.exp(ci[0]) - 1), pct(Math.exp(ci[1]) - 1)];
  const significant = ci[0] > 0 || ci[1] < 0;
  if (!significant) {
    const conf = Math.round(o.confidence * 100);
    return { ...base, changePct, ciPct, significant, winner: null, byPct: 0, pmPct: 0, verdict: `no difference detected (A vs B ${signed(ciPct[0])} … ${signed(ciPct[1])}, ${conf}% CI)` };
  }
  // significant: the interval lies on one side of 0, so |lo|..|hi| bounds the higher side's advantage
  const higher = d > 0 ? 'A' : 'B';
  const winner = metric.better === 'higher' ? higher : higher === 'A' ? 'B' : 'A';
  const f = metric.better === 'higher' ? (m: number): number => Math.exp(m) - 1 : (m: number): number => 1 - Math.exp(-m);
  const m0 = Math.min(Math.abs(ci[0]), Math.abs(ci[1])), m1 = Math.max(Math.abs(ci[0]), Math.abs(ci[1]));
  const byPct = pct(f(Math.abs(d))), pmPct = pct((f(m1) - f(m0)) / 2);
  return { ...base, changePct, ciPct, significant, winner, byPct, pmPct, verdict: `${winner} ${metric.win} by ${byPct.toFixed(1)}% ± ${pmPct.toFixed(1)}%` };
}

const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)}%`;

/** Two-sided p-value of Student's t test that the mean paired log-ratio is 0. */
export function pairedLogRatioP(a: readonly number[], b: readonly number[]): number {
  const lr = a.map((x, i) => Math.log(x / b[i]!));
  const sd = stddev(lr);
  if (lr.length < 2 || !(sd > 0)) return 1;
  return 2 * (1 - tCdf(Math.abs(mean(lr)) / (sd / Math.sqrt(lr.length)), lr.length - 1));
}

/**
 * The family of reported metrics: the first is the declared primary metric and keeps its own
 * verdict; the others are claimed only when Holm's step-down over their paired t-test p-values
 * rejects at `alpha` (otherwise their verdict becomes "no difference detected (…, Holm)").
 */
export function holmSecondaries(cs: Comparison[], alpha: number): Comparison[] {
  const rest = cs.slice(1);
  const ok = holm(rest.map((c) => (c.significant ? pairedLogRatioP(c.a.samples, c.b.samples) : 1)), alpha);
  return [cs[0]!, ...rest.map((c, i) => (ok[i] || !c.significant ? c : {
    ...c, significant: false, winner: null, byPct: 0, pmPct: 0,
    verdict: `no difference detected (A vs B ${signed(c.ciPct[0])} … ${signed(c.ciPct[1])}, Holm)`,
  }))];
}

export interface PositionEffect {
  /** ln(first) − ln(second) as a percent, and its interval; null with fewer than 2 pairs per order. */
  pct: number;
  ciPct: [number, number];
}

/**
 * The position effect of whole runs in the balanced order `order` ('ABBA…', one letter per run):
 * half the difference between the mean log-ratio of the pairs A ran first in and of those B did,
 * with a Student t interval (Welch's standard error, n₁ + n₂ − 2 degrees of freedom).
 */
export function positionEffect(a: readonly number[], b: readonly number[], order: string, confidence: number): PositionEffect | null {
  const first: number[] = [], second: number[] = [];
  for (let i = 0; i < a.length; i++) (order[2 * i] === 'A' ? first : second).push(Math.log(a[i]! / b[i]!));
  if (first.length < 2 || second.length < 2 || a.some((x) => !(x > 0)) || b.some((x) => !(x > 0))) return null;
  const d = (mean(first) - mean(second)) / 2;
  const se = 0.5 * Math.sqrt(stddev(first) ** 2 / first.length + stddev(second) ** 2 / second.length);
  const h = tQuantile(1 - (1 - confidence) / 2, first.length + second.length - 2) * se;
  return { pct: pct(Math.exp(d) - 1), ciPct: [pct(Math.exp(d - h) - 1), pct(Math.exp(d + h) - 1)] };
}
