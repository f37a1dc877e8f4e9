/**
 * Statistics of the in-process design (ab/blocks.ts). The unit of evidence is a group of four
 * blocks, ABBA or BAAB: per metric, with d = ln(A) − ln(B) of each of its two pairs, the group's
 * effect is the mean of the two d (the position cancels) and its position effect half their
 * difference signed by who went first (ln(first) − ln(second)). Effects get an always-valid
 * interval (ab/confseq.ts); the declared primary metric decides the verdict, the secondary ones
 * are claimed only when Holm's step-down over their anytime p-values rejects.
 */
import { csHuber, huberClip } from './confseq.ts';
import { holm } from './holm.ts';
import type { CsEstimate } from './confseq.ts';

/** Measured blocks in run order: side 0 = A, 1 = B. */
export interface BlockLog {
  side: number[];
  ios: number[];
  wallNs: number[];
  cpuNs: number[];
}

export type BlockMetric = 'cpu' | 'iops';

/** ln of a block's metric: CPU ns per IO, or IOs per second. */
function lnMetric(log: BlockLog, i: number, m: BlockMetric): number {
  return m === 'cpu' ? Math.log(log.cpuNs[i]! / log.ios[i]!) : Math.log((log.ios[i]! * 1e9) / log.wallNs[i]!);
}

export interface GroupDiffs {
  cpu: number[];
  iops: number[];
  cpuPos: number[];
  iopsPos: number[];
}

/** Per complete, measurable group (every block did IO and used CPU): effect and position, per metric. */
export function groupDiffs(log: BlockLog): GroupDiffs {
  const out: GroupDiffs = { cpu: [], iops: [], cpuPos: [], iopsPos: [] };
  for (let g = 0; g + 3 < log.side.length; g += 4) {
    let ok = true;
    for (let i = g; i < g + 4; i++) if (!(log.ios[i]! > 0 && log.cpuNs[i]! > 0 && log.wallNs[i]! > 0)) ok = false;
    if (!ok) continue;
    for (const m of ['cpu', 'iops'] as const) {
      // pairs (g, g+1) and (g+2, g+3): A first in a pair when its first block is side 0
      let eff = 0, pos = 0;
      for (const k of [g, g + 2]) {
        const aFirst = log.side[k] === 0;
        const a = aFirst ? k : k + 1, b = aFirst ? k + 1 : k;
        const d = lnMetric(log, a, m) - lnMetric(log, b, m);
        eff += d / 2;
        pos += (aFirst ? d : -d) / 2;
      }
      out[m].push(eff);
      out[m === 'cpu' ? 'cpuPos' : 'iopsPos'].push(pos);
    }
  }
  return out;
}

/** Per side, the metric over all its measured blocks (total CPU / total IOs, total IOs / total time). */
export function sideTotals(log: BlockLog, side: number): { ios: number; cpuNsPerIo: number; iops: number } {
  let ios = 0, cpu = 0, wall = 0;
  for (let i = 0; i < log.side.length; i++) {
    if (log.side[i] !== side) continue;
    ios += log.ios[i]!;
    cpu += log.cpuNs[i]!;
    wall += log.wallNs[i]!;
  }
  return { ios, cpuNsPerIo: ios ? cpu / ios : 0, iops: wall ? (ios * 1e9) / wall : 0 };
}

export type Clips = Record<BlockMetric, number>;

/** Huber clips per metric from the warm-up groups (Infinity, i.e. the mean, with fewer than 8). */
export function clipsOf(warm: BlockLog): Clips {
  const d = groupDiffs(warm);
  return { cpu: huberClip(d.cpu), iops: huberClip(d.iops) };
}

/** Half-width (percent of the ratio, the wider side) of a metric's interval: the stopping rule's test. */
export function halfWidthPct(log: BlockLog, m: BlockMetric, alpha: number, rho: number, clips: Clips): number {
  const xs = groupDiffs(log)[m];
  if (xs.length < 2) return Number.POSITIVE_INFINITY;
  const e = csHuber(xs, clips[m], alpha, rho);
  return Math.max(Math.exp(e.ci[1]) - Math.exp(e.mean), Math.exp(e.mean) - Math.exp(e.ci[0])) / Math.exp(e.mean) * 100;
}

export interface BlockComparison {
  metric: BlockMetric;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  primary: boolean;
  a: number;
  b: number;
  est: CsEstimate;
  /** A vs B (A/B − 1), percent, and its always-valid interval. */
  changePct: number;
  ciPct: [number, number];
  /** ± half the interval's width, percent. */
  pmPct: number;
  mdePct: number;
  /** Position effect ln(first) − ln(second) as a percent, with its interval. */
  positionPct: number;
  positionCiPct: [number, number];
  /** Holm-adjusted for secondaries; the interval alone for the primary. */
  significant: boolean;
  winner: 'A' | 'B' | null;
  verdict: string;
}

const SPECS = {
  cpu: { label: 'CPU per IO', unit: 'ns', better: 'lower', win: 'uses less CPU per IO' },
  iops: { label: 'IOPS', unit: '', better: 'higher', win: 'is faster' },
} as const;

const pct = (x: number): number => (Math.exp(x) - 1) * 100;
const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}%`;

/** Compare both metrics; `primary` decides the verdict, the other is Holm-adjusted (a family of one here). */
export function compareBlocks(log: BlockLog, primary: BlockMetric, alpha: number, rho: number, clips: Clips): BlockComparison[] {
  const gd = groupDiffs(log);
  const ta = sideTotals(log, 0), tb = sideTotals(log, 1);
  const metrics: BlockMetric[] = primary === 'cpu' ? ['cpu', 'iops'] : ['iops', 'cpu'];
  const ests = metrics.map((m) => csHuber(gd[m], clips[m], alpha, rho));
  const secondaryOk = holm(ests.slice(1).map((e) => e.p), alpha);
  return metrics.map((m, i) => {
    const est = ests[i]!, spec = SPECS[m];
    const pos = csHuber(m === 'cpu' ? gd.cpuPos : gd.iopsPos, clips[m], alpha, rho);
    const ciPct: [number, number] = [pct(est.ci[0]), pct(est.ci[1])];
    const excl = est.n >= 2 && (est.ci[0] > 0 || est.ci[1] < 0);
    const significant = excl && (i === 0 || secondaryOk[i - 1]!);
    const higher = est.mean > 0 ? 'A' : 'B';
    const winner = !significant ? null : spec.better === 'higher' ? higher : higher === 'A' ? 'B' : 'A';
    const pmPct = (ciPct[1] - ciPct[0]) / 2;
    const change = pct(est.mean);
    // the winner's advantage: (e^|d| − 1) for a higher-is-better metric, (1 − e^−|d|) for lower
    const by = (spec.better === 'higher' ? Math.exp(Math.abs(est.mean)) - 1 : 1 - Math.exp(-Math.abs(est.mean))) * 100;
    const verdict = est.n < 2 ? 'not measured (needs 2+ groups of blocks)'
      : significant ? `${winner} ${spec.win} by ${by.toFixed(2)}% ± ${pmPct.toFixed(2)}%`
      : `no difference detected (A vs B ${signed(ciPct[0])} … ${signed(ciPct[1])}${i === 0 ? '' : ', Holm'})`;
    return {
      metric: m, label: spec.label, unit: spec.unit, better: spec.better, primary: i === 0,
      a: m === 'cpu' ? ta.cpuNsPerIo : ta.iops, b: m === 'cpu' ? tb.cpuNsPerIo : tb.iops,
      est, changePct: change, ciPct, pmPct, mdePct: pct(est.mde), positionPct: pct(pos.mean), positionCiPct: [pct(pos.ci[0]), pct(pos.ci[1])],
      significant, winner, verdict,
    };
  });
}
