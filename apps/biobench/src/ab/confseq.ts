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
