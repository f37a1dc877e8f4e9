/**
 * The two-level combination of `biobench ab --processes N` (Kalibera and Jones, "Rigorous
 * benchmarking in reasonable time", ISMM 2013): every process draws its own JIT decisions and
 * memory placement, i.e. its own offset of the A/B effect, so one process's interval — however
 * honest about the noise between its blocks — is too narrow for the effect itself. N fresh
 * processes each give an estimate m_i (the Huber location of their per-group log-ratios) with a
 * within-process standard error s_i; the model is m_i = μ + u_i + e_i with u_i ~ (0, τ²) the
 * process offset and e_i ~ (0, s_i²).
 *
 * {@link combineProcesses} is the random-effects mean with the Hartung–Knapp–Sidik–Jonkman
 * interval: τ² by DerSimonian–Laird, weights w_i = 1/(s_i² + τ²), μ̂ = Σ w_i m_i / Σ w_i, and
 * μ̂ ± t_{N−1} · se with se² = max(Σ w_i (m_i − μ̂)² / ((N−1) Σ w_i), 1/Σ w_i) (the HKSJ variance,
 * floored by the fixed-weight one: Röver, Knapp and Friede, BMC Med. Res. Methodol. 15:99, 2015).
 * With equal s_i it is the Student t interval over the process means. Its coverage rests on the
 * processes being independent and exchangeable, and on N being fixed before the first one runs:
 * each process may stop by its own precision rule (that looks only at its own blocks), but adding
 * processes until the combined interval is narrow enough would need a sequential method across
 * processes, which this is not.
 */
import { tCdf, tQuantile } from './student-t.ts';

/** One process's estimate of the (log-scale) effect and its within-process standard error. */
export interface ProcessEstimate {
  est: number;
  se: number;
}

export interface TwoLevelEstimate {
  /** Processes combined. */
  n: number;
  /** Random-effects mean μ̂ (log scale). */
  mean: number;
  /** Its standard error (HKSJ, floored by the fixed-weight one). */
  se: number;
  /** μ̂ ± t_{n−1} · se. */
  ci: [number, number];
  halfWidth: number;
  /** Between-process variance component τ² (DerSimonian–Laird) and τ. */
  tau2: number;
  tau: number;
  /** Root mean square of the within-process standard errors. */
  withinSe: number;
  /** Two-sided p of μ = 0 (t with n − 1 degrees of freedom). */
  p: number;
  /** The effect this design would show outside its interval with 80 % probability. */
  mde: number;
}

/**
 * Combine `xs` (2+ processes, finite estimates, se ≥ 0) at level `alpha`. With fewer than two
 * the interval is infinite (one process says nothing about the between-process variance).
 * Throws a RangeError for a non-finite estimate or a negative / non-finite standard error.
 */
export function combineProcesses(xs: readonly ProcessEstimate[], alpha: number): TwoLevelEstimate {
  for (const x of xs) if (!Number.isFinite(x.est) || !(x.se >= 0) || !Number.isFinite(x.se)) throw new RangeError(`combineProcesses: bad process estimate ${x.est} ± ${x.se}`);
  const k = xs.length;
  const withinSe = k ? Math.sqrt(xs.reduce((s, x) => s + x.se * x.se, 0) / k) : 0;
  if (k < 2) {
    const m = k ? xs[0]!.est : 0;
    return { n: k, mean: m, se: Number.POSITIVE_INFINITY, ci: [-Infinity, Infinity], halfWidth: Infinity, tau2: NaN, tau: NaN, withinSe, p: 1, mde: Infinity };
  }
  // a zero within-process se (a process with no spread) would get all the weight: floor it
  const floor = Math.max(1e-12, withinSe * 1e-3);
  const v = xs.map((x) => Math.max(x.se, floor) ** 2);
  const w0 = v.map((x) => 1 / x), sw0 = w0.reduce((s, x) => s + x, 0);
  const m0 = xs.reduce((s, x, i) => s + w0[i]! * x.est, 0) / sw0;
  const q = xs.reduce((s, x, i) => s + w0[i]! * (x.est - m0) ** 2, 0);
  const c = sw0 - w0.reduce((s, x) => s + x * x, 0) / sw0;
  const tau2 = Math.max(0, (q - (k - 1)) / c);
  const w = v.map((x) => 1 / (x + tau2)), sw = w.reduce((s, x) => s + x, 0);
  const mean = xs.reduce((s, x, i) => s + w[i]! * x.est, 0) / sw;
  const hk = xs.reduce((s, x, i) => s + w[i]! * (x.est - mean) ** 2, 0) / ((k - 1) * sw);
  const se = Math.sqrt(Math.max(hk, 1 / sw));
  const df = k - 1, tq = tQuantile(1 - alpha / 2, df);
  const h = tq * se;
  const p = se > 0 ? 2 * (1 - tCdf(Math.abs(mean) / se, df)) : mean === 0 ? 1 : 0;
  return { n: k, mean, se, ci: [mean - h, mean + h], halfWidth: h, tau2, tau: Math.sqrt(tau2), withinSe, p, mde: h + tQuantile(0.8, df) * se };
}

/**
 * The single-level reading, for comparison and tests: the processes pooled as if their estimates
 * differed only by within-process noise (inverse-variance fixed effect, normal quantile). Too
 * narrow when processes carry their own offsets — which is the point of {@link combineProcesses}.
 */
export function pooledFixedEffect(xs: readonly ProcessEstimate[], z: number): { mean: number; ci: [number, number] } {
  const w = xs.map((x) => 1 / Math.max(x.se, 1e-12) ** 2), sw = w.reduce((s, x) => s + x, 0);
  const mean = xs.reduce((s, x, i) => s + w[i]! * x.est, 0) / sw, h = z / Math.sqrt(sw);
  return { mean, ci: [mean - h, mean + h] };
}
