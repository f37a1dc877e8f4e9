/**
 * The in-process A/B design: A and B are set up side by side (two engine instances on one target,
 * each with its own io_units and workload stream) and take turns in short blocks — each block
 * issues IOs for `blockMs`, then drains what is in flight — in groups of four whose order is ABBA
 * or BAAB, chosen by a seeded generator and recorded. Within a group each side runs once first and
 * once second, so a position effect cancels from the group's difference and can be estimated on
 * its own; drift slower than a group (JIT, GC, other tenants, frequency) hits both sides alike.
 * Each block's CPU is the main thread's own clock (CLOCK_THREAD_CPUTIME_ID). Blocks during the
 * warm-up (`rampMs`) are run and discarded. The run stops when the primary metric's always-valid
 * interval (ab/confseq.ts) reaches `precisionPct`, or at `budgetMs`.
 */
import { threadCpuTimeNs } from '@biopath/native';
import type { IoEngine } from '../engine/engine.ts';
import { IoU } from '../engine/io-unit.ts';
import type { JobOptions } from '../options/table.ts';
import type { Target } from '../job-target/target.ts';
import { regionOf } from '../job-target/target.ts';
import { Rand32 } from '../job/prng.ts';
import { shapeOf, workloadOf } from '../job/run-job.ts';
import { runPhase } from '../job/run-loop.ts';
import type { IoFailure, LoopCtx, PhaseSink } from '../job/run-loop.ts';
import { readPercent, Workload } from '../job/workload.ts';
import { groupDiffs } from './block-stats.ts';
import type { BlockLog } from './block-stats.ts';

export interface BlocksPlan {
  jobs: [JobOptions, JobOptions];
  engine: IoEngine<unknown>;
  target: Target;
  blockMs: number;
  rampMs: number;
  budgetMs: number;
  /** Stop once the primary metric's half-width is at most this (percent of the ratio); 0 = never. */
  precisionPct: number;
  primary: 'cpu' | 'iops';
  /** Decides whether the interval is narrow enough: returns its half-width in percent. */
  halfWidthPct(log: BlockLog, warm: BlockLog, primary: 'cpu' | 'iops'): number;
  seed: number;
  /** Runs between blocks (the stack engine's deferred releases are flushed inside the block). */
  flush: () => void;
}

export interface BlocksResult {
  log: BlockLog;
  /** The warm-up blocks: not evidence; they fix the robust estimator's clip. */
  warm: BlockLog;
  /** Groups run in the warm-up and discarded. */
  warmupGroups: number;
  /** 'ABBA'/'BAAB' per group, warm-up first: the whole order as run. */
  order: string;
  stop: 'precision' | 'budget';
  measuredMs: number;
  failure: IoFailure | null;
  sides: { info: unknown; pins_balanced: boolean }[];
  /** The side set up first (drawn from the seed). */
  setupFirst: 'A' | 'B';
}

/** Side set up first for `seed`: 0 (A) or 1 (B). */
export const setupFirst = (seed: number): number => new Rand32((seed ^ 0x51de) >>> 0).below(2);

/** The precision rule may stop only after this many groups: the sequence's guarantee is asymptotic. */
export const MIN_GROUPS_TO_STOP = 200;

interface Side {
  ctx: LoopCtx;
  wl: Workload;
}

function openSide(p: BlocksPlan, job: JobOptions): Side {
  const region = regionOf(p.target, job.offset, job.size, job.bs.min, job.bs.max, job.direct);
  const units = Array.from({ length: job.iodepth }, (_, i) => new IoU(i));
  const d = p.engine.init({ job, target: p.target, units, maxBs: job.bs.max, write: readPercent(job.rw, job.rwmixread) < 100 });
  const wl = new Workload({ ...workloadOf(job, region), sizeBased: false });
  return { ctx: { engine: p.engine, d, units, shape: shapeOf(job, true), verify: null, refill: null, checkAll: false, failure: null }, wl };
}

/** Run the design; the engines are set up and torn down here, the target stays the caller's. */
export function runBlocks(p: BlocksPlan): BlocksResult {
  const sides: Side[] = [];
  try {
    // which side is set up first (memory placement, object shapes) is drawn from the seed, so a
    // set-up order effect averages out over processes instead of always favouring one side
    const first = setupFirst(p.seed);
    sides[first] = openSide(p, p.jobs[first]);
    sides[1 - first] = openSide(p, p.jobs[1 - first]);
    return { ...alternate(p, sides), setupFirst: first === 0 ? 'A' : 'B' };
  } finally {
    for (const s of sides) if (s) p.engine.cleanup(s.ctx.d);
  }
}

function alternate(p: BlocksPlan, sides: Side[]): Omit<BlocksResult, 'setupFirst'> {
  const rng = new Rand32((p.seed ^ 0x5ab5ab) >>> 0);
  const log: BlockLog = { side: [], ios: [], wallNs: [], cpuNs: [] }, warmLog: BlockLog = { side: [], ios: [], wallNs: [], cpuNs: [] };
  const sink: PhaseSink = {
    dirs: null, series: null, logs: null, from: 0, until: 0, depth: new Float64Array(7), submit: new Float64Array(7), complete: new Float64Array(7),
    sync: null, pacer: null, tick: () => true,
  };
  let order = '', warmupGroups = 0, stop: BlocksResult['stop'] = 'budget';
  const t0 = performance.now(), measureFrom = t0 + p.rampMs;
  let failure: IoFailure | null = null, nextLook = 0;
  for (;;) {
    const now = performance.now();
    if (now >= measureFrom + p.budgetMs) break;
    const g = rng.below(2) === 0 ? 'ABBA' : 'BAAB';
    order += g;
    const warm = now < measureFrom;
    for (let i = 0; i < 4 && !failure; i++) {
      const s = g.charCodeAt(i) === 65 ? 0 : 1;
      const r = block(p, sides[s]!, sink);
      failure = sides[s]!.ctx.failure;
      const into = warm ? warmLog : log;
      into.side.push(s);
      into.ios.push(r.ios);
      into.wallNs.push(r.wallNs);
      into.cpuNs.push(r.cpuNs);
    }
    if (failure) break;
    if (warm) warmupGroups++;
    else if (p.precisionPct > 0 && log.side.length / 4 >= nextLook) {
      nextLook = Math.ceil((log.side.length / 4) * 1.05) + 8; // look about every 5 % more groups
      if (groupDiffs(log).cpu.length >= MIN_GROUPS_TO_STOP && p.halfWidthPct(log, warmLog, p.primary) <= p.precisionPct) {
        stop = 'precision';
        break;
      }
    }
  }
  const measuredMs = Math.max(0, performance.now() - measureFrom);
  return {
    log, warm: warmLog, warmupGroups, order, stop, measuredMs, failure,
    sides: sides.map((s) => {
      const c = p.engine.counters(s.ctx.d);
      return { info: p.engine.describe(s.ctx.d), pins_balanced: c.pins_acquired === c.pins_released && c.refs_taken === c.refs_released };
    }),
  };
}

/** One block of one side: issue for blockMs, drain, flush deferred work; its IOs, wall and CPU time. */
function block(p: BlocksPlan, s: Side, sink: PhaseSink): { ios: number; wallNs: number; cpuNs: number } {
  const c0 = threadCpuTimeNs(), t0 = performance.now();
  sink.until = t0 + p.blockMs;
  const ios = runPhase(s.ctx, s.wl, sink);
  p.flush();
  const t1 = performance.now(), c1 = threadCpuTimeNs();
  return { ios, wallNs: (t1 - t0) * 1e6, cpuNs: c1 - c0 };
}
