/**
 * Always-valid intervals for the mean of a stream of (roughly i.i.d.) paired differences, so that
 * `biobench ab` may look after every group of blocks and stop as soon as the interval is narrow
 * enough (`--precision`) without losing coverage.
 *
 * The method is the Gaussian-mixture *asymptotic confidence sequence* of Waudby-Smith, Arnold, Wu,
 * Ramdas and Howard, "Time-uniform central limit theory and asymptotic confidence sequences",
 * Annals of Statistics 52(6), 2024 (arXiv:2103.06476), Theorem 2.2: with the running mean μ̂_t and
 * standard deviation σ̂_t of t observations,
 *
 *     μ̂_t ± σ̂_t · √( 2(tρ² + 1) / (t²ρ²) · ln( √(tρ² + 1) / α ) )
 *
 * covers the mean at every t simultaneously with probability → 1 − α (Robbins' normal mixture,
 * made nonparametric by a strong invariance principle). ρ only decides where the sequence is
 * tightest; it is fixed in advance from the planned sample size t* (their eq. 2.6):
 * ρ² = (−2 ln α + ln(−2 ln α + 1)) / t*. The same boundary read the other way gives an anytime-valid
 * p-value (the smallest α whose sequence excludes 0), which Holm's step-down can use for the
 * secondary metrics (ab/holm.ts).
 *
 * Benchmark blocks have heavy tails (a block that lost its CPU to another tenant, a GC): the mean
 * wastes most of the data on them. {@link csHuber} therefore applies the sequence to Huber's ψ
 * (Huber, "Robust estimation of a location parameter", Ann. Math. Statist. 35, 1964): for a
 * candidate location δ the observations ψ_c(x − δ) are i.i.d., and δ lies in the set when the
 * sequence of their mean contains 0. The set is an interval (the mean of ψ_c(x − δ) falls as δ
 * grows), found by bisection. It covers the Huber location — for A/A, where x is symmetric about 0,
 * exactly 0; for a shift, the shift — with the sequence's guarantee, provided the clip `c` is fixed
 * before the data it is used on (biobench takes it from the discarded warm-up groups).
 */
import { mean, stddev } from './stats.ts';

/** ρ for a sequence tightest after `tStar` observations at level `alpha`. */
export function csRho(alpha: number, tStar: number): number {
  const l = -2 * Math.log(alpha);
  return Math.sqrt((l + Math.log(l + 1)) / Math.max(1, tStar));
}

/** Half-width of the sequence after `t` observations of standard deviation `sd`. */
export function csHalfWidth(sd: number, t: number, alpha: number, rho: number): number {
  const r2 = rho * rho;
  return sd * Math.sqrt(((2 * (t * r2 + 1)) / (t * t * r2)) * Math.log(Math.sqrt(t * r2 + 1) / alpha));
}

/** The anytime p-value of "mean = 0" at this look (min with earlier looks is the caller's). */
export function csPValue(m: number, sd: number, t: number, rho: number): number {
  if (!(sd > 0)) return m === 0 ? 1 : 0;
  const r2 = rho * rho;
  return Math.min(1, Math.sqrt(t * r2 + 1) * Math.exp(-(m * m * t * t * r2) / (2 * sd * sd * (t * r2 + 1))));
}

export interface CsEstimate {
  n: number;
  mean: number;
  sd: number;
  /** Always-valid interval of the mean. */
  ci: [number, number];
  halfWidth: number;
  /** Anytime p-value of a zero mean at this look. */
  p: number;
  /**
   * Minimum detectable effect: the true mean this many observations would show outside the
   * sequence with 80 % probability (half-width + z₀.₈ standard errors).
   */
  mde: number;
}

const Z80 = 0.8416212335729143;

/** The sequence's estimate for `xs` at level `alpha`, tuned by `rho`; needs 2+ observations. */
export function csEstimate(xs: readonly number[], alpha: number, rho: number): CsEstimate {
  const n = xs.length, m = mean(xs), sd = stddev(xs);
  const h = n >= 2 ? csHalfWidth(sd, n, alpha, rho) : Number.POSITIVE_INFINITY;
  return { n, mean: m, sd, ci: [m - h, m + h], halfWidth: h, p: n >= 2 ? csPValue(m, sd, n, rho) : 1, mde: h + (Z80 * sd) / Math.sqrt(n) };
}

/** Huber's ψ: x clipped to [−c, c]. */
export const huberPsi = (x: number, c: number): number => (x > c ? c : x < -c ? -c : x);

/** Mean and standard deviation of ψ_c(x − δ). */
function psiMoments(xs: readonly number[], delta: number, c: number): { m: number; sd: number; inside: number } {
  let s = 0, s2 = 0, inside = 0;
  for (const x of xs) {
    const y = huberPsi(x - delta, c);
    s += y;
    s2 += y * y;
    if (y !== c && y !== -c) inside++;
  }
  const n = xs.length, m = s / n;
  return { m, sd: n > 1 ? Math.sqrt(Math.max(0, s2 - n * m * m) / (n - 1)) : 0, inside: inside / n };
}

/** Bisect the root of a function decreasing in δ on [lo, hi]. */
function bisect(f: (d: number) => number, lo: number, hi: number): number {
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * The sequence for the Huber location of `xs` with clip `c` (c = Infinity: the plain mean, as
 * {@link csEstimate}). `sd` is the standard error scale of the estimate (sd of ψ over the share of
 * observations inside the clip), so `mde` keeps its meaning.
 */
export function csHuber(xs: readonly number[], c: number, alpha: number, rho: number): CsEstimate {
  const n = xs.length;
  if (!(c > 0) || c === Number.POSITIVE_INFINITY || n < 2) return csEstimate(xs, alpha, rho);
  let lo = Number.POSITIVE_INFINITY, hi = Number.NEGATIVE_INFINITY;
  for (const x of xs) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  lo -= c;
  hi += c;
  const at = (d: number): { m: number; h: number } => {
    const p = psiMoments(xs, d, c);
    return { m: p.m, h: csHalfWidth(p.sd, n, alpha, rho) };
  };
  const est = bisect((d) => at(d).m, lo, hi);
  const ciLo = bisect((d) => { const a = at(d); return a.m - a.h; }, lo, est);
  const ciHi = bisect((d) => { const a = at(d); return a.m + a.h; }, est, hi);
  const p0 = psiMoments(xs, est, c), z = psiMoments(xs, 0, c);
  const sd = p0.inside > 0 ? p0.sd / p0.inside : Number.POSITIVE_INFINITY;
  const h = Math.max(ciHi - est, est - ciLo);
  return { n, mean: est, sd, ci: [ciLo, ciHi], halfWidth: h, p: csPValue(z.m, z.sd, n, rho), mde: h + (Z80 * sd) / Math.sqrt(n) };
}

/** Huber's clip for data like `xs`: 1.5 robust standard deviations (1.4826 × the median absolute deviation); Infinity when too few. */
export function huberClip(xs: readonly number[]): number {
  if (xs.length < 8) return Number.POSITIVE_INFINITY;
  const s = [...xs].sort((a, b) => a - b), med = s[s.length >> 1]!;
  const dev = s.map((x) => Math.abs(x - med)).sort((a, b) => a - b);
  const mad = dev[dev.length >> 1]! * 1.4826;
  return mad > 0 ? 1.5 * mad : Number.POSITIVE_INFINITY;
}
