/**
 * What the in-process design prints: a table of the primary and secondary metric with their
 * always-valid intervals, the verdict, the position effect, the minimum detectable effect, how the
 * run stopped and the machine's load (text), and the same plus the block log and order (JSON).
 */
import { renderTable } from '../output/format.ts';
import type { BlocksResult } from './blocks.ts';
import type { BlockComparison } from './block-stats.ts';

export interface BlocksMeta {
  a: string;
  b: string;
  confidence: number;
  seed: number;
  blockMs: number;
  rampMs: number;
  budgetMs: number;
  precisionPct: number;
  loadBefore: number[];
  loadAfter: number[];
  stealPct: number;
  notes: string[];
}

const fmt = (c: BlockComparison, v: number): string => (c.metric === 'cpu' ? v.toFixed(0) : `${(v / 1000).toFixed(1)}k`);
const sgn = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}%`;

/** The human-readable report. */
export function blocksText(r: BlocksResult, cs: BlockComparison[], m: BlocksMeta): string {
  const conf = Math.round(m.confidence * 100);
  const groups = r.log.side.length / 4;
  const rows = cs.map((c) => [
    `${c.label}${c.unit ? ` (${c.unit})` : ''}${c.primary ? ' [primary]' : ''}`, fmt(c, c.a), fmt(c, c.b), sgn(c.changePct),
    `[${sgn(c.ciPct[0])}, ${sgn(c.ciPct[1])}]`, `±${c.mdePct.toFixed(2)}%`, c.verdict,
  ]);
  const p = cs[0]!;
  const lines = [
    `A: ${m.a}`, `B: ${m.b}`,
    `design: blocks in one process, ${m.blockMs} ms each, groups ABBA/BAAB in seeded random order (seed ${m.seed}); ${groups} groups measured in ${(r.measuredMs / 1000).toFixed(1)} s, ${r.warmupGroups} warm-up groups discarded; ${r.setupFirst} set up first; stopped: ${stopText(r, m)}`,
    `intervals: ${conf}% always-valid (asymptotic confidence sequence, Waudby-Smith et al. 2024) for the Huber location of per-group log-ratios (clip from the warm-up); secondary metrics Holm-adjusted`, '',
    renderTable(['metric', 'A', 'B', 'A vs B', `CI (${conf}%)`, 'MDE', 'verdict'], rows), '',
    `verdict: ${p.verdict}`,
    `position effect (${p.label} of a side's block run first vs second): ${sgn(p.positionPct)} [${sgn(p.positionCiPct[0])}, ${sgn(p.positionCiPct[1])}] (cancelled by the ABBA/BAAB balance)`,
    `minimum detectable effect (80% power) on ${p.label}: ±${p.mdePct.toFixed(2)}%`,
    `machine: load average ${m.loadBefore.map((x) => x.toFixed(2)).join(' ')} at start, ${m.loadAfter.map((x) => x.toFixed(2)).join(' ')} at end; steal ${m.stealPct.toFixed(1)}%`,
    ...r.sides.filter((s) => !s.pins_balanced).map((_, i) => `WARNING: side ${i ? 'B' : 'A'} did not give back every page it pinned or referenced`),
    ...m.notes.map((n) => `note: ${n}`),
  ];
  return `${lines.join('\n')}\n`;
}

function stopText(r: BlocksResult, m: BlocksMeta): string {
  if (r.stop === 'precision') return `precision ±${m.precisionPct}% reached`;
  return `time budget ${(m.budgetMs / 1000).toFixed(1)} s${m.precisionPct > 0 ? ` (precision ±${m.precisionPct}% not reached)` : ''}`;
}

/** The `biobench.ab` block of the JSON document; `withBlocks` (json+) adds every block's IOs, wall and CPU time. */
export function blocksJson(r: BlocksResult, cs: BlockComparison[], m: BlocksMeta, withBlocks: boolean): Record<string, unknown> {
  return {
    design: 'blocks', a: m.a, b: m.b, confidence: m.confidence, seed: m.seed, block_msec: m.blockMs, ramp_msec: m.rampMs,
    budget_msec: m.budgetMs, precision_pct: m.precisionPct, method: 'asymptotic confidence sequence (Waudby-Smith, Arnold, Wu, Ramdas, Howard 2024) for the Huber location of per-group log-ratios, clip fixed from the warm-up groups; Holm over secondaries',
    stop: r.stop, setup_first: r.setupFirst, measured_msec: r.measuredMs, warmup_groups: r.warmupGroups, groups: r.log.side.length / 4, pairs: r.log.side.length / 2, order: r.order,
    verdict: cs[0]!.verdict, primary: cs[0]!.metric,
    loadavg_start: m.loadBefore, loadavg_end: m.loadAfter, steal_pct: m.stealPct, sides: r.sides,
    metrics: cs.map((c) => ({
      key: c.metric, label: c.label, unit: c.unit, better: c.better, primary: c.primary, a: { mean: c.a, samples: [] }, b: { mean: c.b, samples: [] },
      change_pct: c.changePct, ci_pct: c.ciPct, pm_pct: c.pmPct, mde_pct: c.mdePct, p_anytime: c.est.p, sd_log: c.est.sd, n_groups: c.est.n,
      mean_log: c.est.mean, se_log: c.est.n > 0 ? c.est.sd / Math.sqrt(c.est.n) : null,
      position_pct: c.positionPct, position_ci_pct: c.positionCiPct, significant: c.significant, winner: c.winner, verdict: c.verdict,
    })),
    blocks: !withBlocks ? null : { side: r.log.side, ios: r.log.ios, wall_ns: r.log.wallNs.map(Math.round), cpu_ns: r.log.cpuNs },
  };
}
