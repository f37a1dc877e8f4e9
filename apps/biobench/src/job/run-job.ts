/**
 * One job from start to result: engine init, the verify layout (read jobs with --verify), the
 * measured phase (ramp, runtime, time series, CPU, page counters), the verify read-back, cleanup.
 * Failures during IO do not throw: they come back in the result, which the command reports.
 */
import type { EngineInfo, IoEngine, PageCounters } from '../engine/engine.ts';
import { IoU } from '../engine/io-unit.ts';
import type { JobOptions } from '../options/table.ts';
import { DirStats, TimeSeries } from '../stats/io-stats.ts';
import type { Target } from '../job-target/target.ts';
import { regionOf } from '../job-target/target.ts';
import { runPhase } from './run-loop.ts';
import type { IoFailure, LoopCtx, PhaseSink } from './run-loop.ts';
import { VerifyState } from './verify-state.ts';
import type { Mismatch } from './verify.ts';
import { readPercent, Workload } from './workload.ts';
import type { WorkloadSpec } from './workload.ts';

export interface VerifyReport {
  units_written: number;
  units_verified: number;
  mismatches: number;
  first_mismatches: Mismatch[];
}

export interface JobResult {
  job: JobOptions;
  target: Target;
  region: { start: number; size: number };
  engine: EngineInfo;
  dirs: [DirStats, DirStats];
  series: TimeSeries;
  depth: Float64Array;
  /** Measured window, ms. */
  elapsedMs: number;
  cpu: { userUs: number; systemUs: number };
  ctx: number;
  majf: number;
  minf: number;
  counters: PageCounters;
  verify: VerifyReport | null;
  error: IoFailure | null;
  startedAt: number;
}

/** Live view for a progress line: called about every 200 ms of the measured phase. */
export interface ProgressSink {
  update(elapsedMs: number, totalMs: number, dirs: [DirStats, DirStats], ramping: boolean): void;
}

export function runJob(job: JobOptions, target: Target, engine: IoEngine<unknown>, progress?: ProgressSink): JobResult {
  const region = regionOf(target, job.offset, job.size, job.bs.min, job.bs.max, job.direct);
  const units = Array.from({ length: job.iodepth }, (_, i) => new IoU(i));
  const writes = readPercent(job.rw, job.rwmixread) < 100;
  const d = engine.init({ job, target, units, maxBs: job.bs.max, write: writes || (job.verify !== 'none' && !job.verify_only) });
  try {
    const pc0 = engine.counters(d);
    const verify = job.verify === 'none' ? null : new VerifyState(job.bs.min, region.start, region.size, job.seed, units);
    const ctx: LoopCtx = { engine, d, units, verify, checkAll: false, failure: null };
    const base: WorkloadSpec = { rw: job.rw, rwmixread: job.rwmixread, bsMin: job.bs.min, bsMax: job.bs.max, start: region.start, size: region.size, sizeBased: job.runtime === 0, seed: job.seed };
    if (verify && !job.verify_only && !writes) runPhase(ctx, new Workload({ ...base, rw: 'write', bsMax: job.bs.min, sizeBased: true }), quietSink());
    const readBack: WorkloadSpec = { ...base, rw: 'read', bsMin: job.bs.min, bsMax: job.bs.min, sizeBased: true };
    ctx.checkAll = job.verify_only;
    // verify_only: the read-back is the measured workload
    const m = measured(ctx, job.verify_only ? { ...job, runtime: 0, ramp_time: 0 } : job, job.verify_only ? readBack : base, progress);
    if (verify && writes && !job.verify_only && !ctx.failure) runPhase(ctx, new Workload(readBack), quietSink());
    return {
      job, target, region, engine: engine.describe(d), ...m, counters: pagesSince(pc0, engine.counters(d)), error: ctx.failure, startedAt: Date.now() - m.elapsedMs,
      verify: verify && { units_written: verify.unitsWritten, units_verified: verify.unitsVerified, mismatches: verify.mismatchCount, first_mismatches: verify.mismatches },
    };
  } finally {
    engine.cleanup(d);
  }
}

type Measure = Pick<JobResult, 'dirs' | 'series' | 'depth' | 'elapsedMs' | 'cpu' | 'ctx' | 'majf' | 'minf'>;

/** Pages taken and given back over the whole job (ramp, layout and verify too), so a leak shows. */
function pagesSince(a: PageCounters, b: PageCounters): PageCounters {
  return {
    applicable: b.applicable,
    pins_acquired: b.pins_acquired - a.pins_acquired, pins_released: b.pins_released - a.pins_released,
    refs_taken: b.refs_taken - a.refs_taken, refs_released: b.refs_released - a.refs_released,
  };
}

function quietSink(): PhaseSink {
  return { dirs: null, series: null, from: 0, until: Number.POSITIVE_INFINITY, depth: new Float64Array(7), tick: () => true };
}

/** The measured phase: stats count from the end of the ramp to the end of the runtime. */
function measured(ctx: LoopCtx, job: JobOptions, spec: WorkloadSpec, progress?: ProgressSink): Measure {
  const dirs: [DirStats, DirStats] = [new DirStats(), new DirStats()];
  const interval = job.log_avg_msec;
  const series = new TimeSeries(interval, Math.ceil((job.runtime || 3_600_000) / interval) + 2);
  const t0 = performance.now();
  const from = t0 + (job.runtime > 0 ? job.ramp_time : 0); // size based: every IO counts
  const until = job.runtime > 0 ? from + job.runtime : Number.POSITIVE_INFINITY;
  const b = new Baseline();
  if (from === t0) b.take();
  let nextSample = from + interval, nextProgress = t0 + 200, last = from;
  const sink: PhaseSink = {
    dirs, series, from, until, depth: new Float64Array(7),
    tick(now) {
      if (!b.taken && now >= from) b.take();
      while (now >= nextSample && nextSample <= until) {
        series.sample(nextSample - from, dirs[0], dirs[1]);
        nextSample += interval;
      }
      if (progress && now >= nextProgress) {
        progress.update(now - from, job.runtime, dirs, now < from);
        nextProgress = now + 200;
      }
      last = now;
      return true;
    },
  };
  runPhase(ctx, new Workload(spec), sink);
  const end = Math.min(until, Math.max(last, performance.now()));
  if (series.length === 0 || end - from - series.tMs[series.length - 1]! > interval / 10) series.sample(end - from, dirs[0], dirs[1]);
  return { dirs, series, depth: sink.depth, elapsedMs: Math.max(0.001, end - from), ...b.since() };
}

/** CPU, context switches and faults at the start of measurement. */
class Baseline {
  taken = false;
  #cpu: NodeJS.CpuUsage = process.cpuUsage();
  #ru: NodeJS.ResourceUsage = process.resourceUsage();

  take(): void {
    this.taken = true;
    this.#cpu = process.cpuUsage();
    this.#ru = process.resourceUsage();
  }

  since(): Pick<Measure, 'cpu' | 'ctx' | 'majf' | 'minf'> {
    const cpu = process.cpuUsage(this.#cpu), ru = process.resourceUsage();
    return {
      cpu: { userUs: cpu.user, systemUs: cpu.system },
      ctx: ru.voluntaryContextSwitches + ru.involuntaryContextSwitches - this.#ru.voluntaryContextSwitches - this.#ru.involuntaryContextSwitches,
      majf: ru.majorPageFault - this.#ru.majorPageFault,
      minf: ru.minorPageFault - this.#ru.minorPageFault,
    };
  }
}
