/**
 * The verdict and report of `biobench ab --processes N`: per metric, the processes' estimates
 * combined with the between-process variance (ab/two-level.ts); the primary metric decides, the
 * secondary is claimed only when Holm's step-down over the combined p-values rejects. Text: a row
 * per metric, one line per process, the variance components. JSON: the same, and every process's
 * own result.
 */
import { renderTable } from '../output/format.ts';
import { holm } from './holm.ts';
import type { ChildAb } from './processes.ts';
import { combineProcesses } from './two-level.ts';
import type { TwoLevelEstimate } from './two-level.ts';

export interface MultiComparison {
  metric: 'cpu' | 'iops';
  label: string;
  primary: boolean;
  /** Mean over processes of each side's metric. */
  a: number;
  b: number;
  est: TwoLevelEstimate;
  changePct: number;
  ciPct: [number, number];
  pmPct: number;
  mdePct: number;
  /** Between-process standard deviation τ and the rms within-process standard error, percent. */
  tauPct: number;
  withinSePct: number;
  /** Mean over processes of the position effect, percent. */
  positionPct: number;
  /**
   * Set-up order effect: the metric of the side set up first vs the other (ln ratio as a percent),
   * mean over processes of ±m_i (+ where A was set up first); null unless both orders ran.
   */
  setupPct: number | null;
  significant: boolean;
  winner: 'A' | 'B' | null;
  verdict: string;
}

const SPECS = {
  cpu: { label: 'CPU per IO', better: 'lower', win: 'uses less CPU per IO' },
  iops: { label: 'IOPS', better: 'higher', win: 'is faster' },
} as const;
const pct = (x: number): number => (Math.exp(x) - 1) * 100;
const sgn = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}%`;
const avg = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Combine the children's results per metric, primary first; needs 1+ child with both metrics. */
export function compareProcesses(children: readonly ChildAb[], primary: 'cpu' | 'iops', alpha: number): MultiComparison[] {
  const metrics: ('cpu' | 'iops')[] = primary === 'cpu' ? ['cpu', 'iops'] : ['iops', 'cpu'];
  const rows = metrics.map((m) => children.map((c) => c.metrics.find((x) => x.key === m)!));
  const ests = rows.map((r) => combineProcesses(r.map((x) => ({ est: x.mean_log, se: x.se_log })), alpha));
  const secondaryOk = holm(ests.slice(1).map((e) => e.p), alpha);
  return metrics.map((m, i) => {
    const est = ests[i]!, spec = SPECS[m], r = rows[i]!;
    const ciPct: [number, number] = [pct(est.ci[0]), pct(est.ci[1])];
    const excl = est.n >= 2 && (est.ci[0] > 0 || est.ci[1] < 0);
    const significant = excl && (i === 0 || secondaryOk[i - 1]!);
    const higher = est.mean > 0 ? 'A' : 'B';
    const winner = !significant ? null : spec.better === 'higher' ? higher : higher === 'A' ? 'B' : 'A';
    const pmPct = (ciPct[1] - ciPct[0]) / 2;
    const by = (spec.better === 'higher' ? Math.exp(Math.abs(est.mean)) - 1 : 1 - Math.exp(-Math.abs(est.mean))) * 100;
    const verdict = est.n < 2 ? 'not combined (needs 2+ processes)'
      : significant ? `${winner} ${spec.win} by ${by.toFixed(2)}% ± ${pmPct.toFixed(2)}%`
      : `no difference detected (A vs B ${sgn(ciPct[0])} … ${sgn(ciPct[1])}${i === 0 ? '' : ', Holm'})`;
    return {
      metric: m, label: spec.label, primary: i === 0, a: avg(r.map((x) => x.a.mean)), b: avg(r.map((x) => x.b.mean)), est,
      changePct: pct(est.mean), ciPct, pmPct, mdePct: pct(est.mde), tauPct: est.tau * 100, withinSePct: est.withinSe * 100,
      positionPct: avg(r.map((x) => x.position_pct)), setupPct: setupEffect(children, r.map((x) => x.mean_log)), significant, winner, verdict,
    };
  });
}

function setupEffect(children: readonly ChildAb[], logs: number[]): number | null {
  const first = children.map((c) => (c.setup_first === 'A' ? 1 : -1));
  if (!first.includes(1) || !first.includes(-1)) return null;
  return pct(avg(logs.map((m, i) => first[i]! * m)));
}

export interface MultiMeta {
  a: string;
  b: string;
  confidence: number;
  seed: number;
  processes: number;
  budgetMs: number;
  /** Wall time of the whole run, every child's start-up and warm-up included. */
  wallMs: number;
  precisionPct: number;
  blockMs: number;
  loadBefore: number[];
  loadAfter: number[];
  notes: string[];
}

/** The human-readable report. */
export function multiText(children: readonly ChildAb[], cs: MultiComparison[], m: MultiMeta): string {
  const conf = Math.round(m.confidence * 100);
  const fmt = (c: MultiComparison, v: number): string => (c.metric === 'cpu' ? v.toFixed(0) : `${(v / 1000).toFixed(1)}k`);
  const rows = cs.map((c) => [
    `${c.label}${c.metric === 'cpu' ? ' (ns)' : ''}${c.primary ? ' [primary]' : ''}`, fmt(c, c.a), fmt(c, c.b), sgn(c.changePct),
    `[${sgn(c.ciPct[0])}, ${sgn(c.ciPct[1])}]`, `${c.tauPct.toFixed(2)}%`, `±${c.mdePct.toFixed(2)}%`, c.verdict,
  ]);
  const p = cs[0]!;
  const procRows = children.map((c, i) => {
    const x = c.metrics.find((y) => y.key === p.metric)!;
    return [String(i + 1), String(c.seed), c.setup_first, String(c.groups), `${(c.measured_msec / 1000).toFixed(1)} s`, c.stop, sgn(x.change_pct), `[${sgn(x.ci_pct[0])}, ${sgn(x.ci_pct[1])}]`];
  });
  const reached = m.precisionPct > 0 ? (p.pmPct <= m.precisionPct ? `; precision ±${m.precisionPct}% reached` : `; precision ±${m.precisionPct}% not reached`) : '';
  const lines = [
    `A: ${m.a}`, `B: ${m.b}`,
    `design: blocks of ${m.blockMs} ms (ABBA/BAAB) in ${m.processes} fresh processes run one after the other, each with its own seed, the side set up first alternating, ${(m.wallMs / 1000).toFixed(1)} s of wall time in all for a budget of ${(m.budgetMs / 1000).toFixed(1)} s (seed ${m.seed})${reached}`,
    `intervals: ${conf}% two-level: the processes' Huber estimates combined as random effects (between-process variance τ² by DerSimonian–Laird, Hartung–Knapp t interval with ${m.processes - 1} df); secondary metrics Holm-adjusted`, '',
    renderTable(['metric', 'A', 'B', 'A vs B', `CI (${conf}%)`, 'τ (between)', 'MDE', 'verdict'], rows), '',
    `per process (${p.label}, each its own ${conf}% always-valid interval):`,
    renderTable(['#', 'seed', 'set up first', 'groups', 'measured', 'stopped', 'A vs B', 'CI'], procRows), '',
    `verdict: ${p.verdict}`,
    `variance components (${p.label}, log-ratio): between processes τ = ${p.tauPct.toFixed(2)}%, within a process (rms standard error) ${p.withinSePct.toFixed(2)}%`,
    `position effect (${p.label}, mean over processes): ${sgn(p.positionPct)} (cancelled by the ABBA/BAAB balance)`,
    `set-up order effect (${p.label} of the side set up first vs second, mean over processes): ${p.setupPct === null ? 'not estimated (one order only)' : `${sgn(p.setupPct)} (set-up order alternates over the processes)`}`,
    `minimum detectable effect (80% power) on ${p.label}: ±${p.mdePct.toFixed(2)}%`,
    `machine: load average ${m.loadBefore.map((x) => x.toFixed(2)).join(' ')} at start, ${m.loadAfter.map((x) => x.toFixed(2)).join(' ')} at end`,
    ...children.flatMap((c, i) => c.sides.filter((s) => !s.pins_balanced).map(() => `WARNING: process ${i + 1}: a side did not give back every page it pinned or referenced`)),
    ...m.notes.map((n) => `note: ${n}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The `biobench.ab` block of the JSON document for a multi-process run. */
export function multiJson(children: readonly ChildAb[], cs: MultiComparison[], m: MultiMeta): Record<string, unknown> {
  return {
    design: 'blocks', processes: m.processes, a: m.a, b: m.b, confidence: m.confidence, seed: m.seed, block_msec: m.blockMs, budget_msec: m.budgetMs, wall_msec: m.wallMs,
    precision_pct: m.precisionPct,
    method: 'two-level: per-process Huber estimates of the per-group log-ratio combined as random effects (DerSimonian–Laird τ², Hartung–Knapp–Sidik–Jonkman t interval, n−1 df); Holm over secondaries',
    verdict: cs[0]!.verdict, primary: cs[0]!.metric, loadavg_start: m.loadBefore, loadavg_end: m.loadAfter,
    groups: children.reduce((s, c) => s + c.groups, 0), measured_msec: children.reduce((s, c) => s + c.measured_msec, 0),
    metrics: cs.map((c) => ({
      key: c.metric, label: c.label, unit: c.metric === 'cpu' ? 'ns' : '', better: SPECS[c.metric].better, primary: c.primary,
      a: { mean: c.a, samples: [] }, b: { mean: c.b, samples: [] }, change_pct: c.changePct, ci_pct: c.ciPct, pm_pct: c.pmPct, mde_pct: c.mdePct,
      p: c.est.p, mean_log: c.est.mean, se_log: c.est.se, tau2_log: c.est.tau2, tau_pct: c.tauPct, within_se_pct: c.withinSePct, n_processes: c.est.n,
      position_pct: c.positionPct, setup_order_pct: c.setupPct, significant: c.significant, winner: c.winner, verdict: c.verdict,
    })),
    per_process: children,
  };
}
