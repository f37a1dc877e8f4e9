/**
 * One job from start to result: engine init, the verify layout (read jobs with --verify), the
 * measured phase (ramp, runtime, time series, CPU, page counters), the verify read-back, cleanup.
 * Failures during IO do not throw: they come back in the result, which the command reports.
 * Engines with a page cache (AsyncIoEngine) also fsync and drop their cache after the layout and
 * before the read-back (so verify reads the device, not the cache), fsync at the end of the
 * measured phase with --end-fsync, and write back and drop everything before the final page
 * counters, so a folio still referenced shows as unbalanced.
 */
import type { AnyIoEngine, CacheStats, EngineInfo, PageCounters } from '../engine/engine.ts';
import { IoU } from '../engine/io-unit.ts';
import { JobLogs, wantsLogs } from '../logs/job-logs.ts';
import type { JobOptions } from '../options/table.ts';
import { DirStats, TimeSeries } from '../stats/io-stats.ts';
import { usageNow, usageSince } from '../stats/thread-usage.ts';
import type { Usage } from '../stats/thread-usage.ts';
import type { Target } from '../job-target/target.ts';
import { regionOf } from '../job-target/target.ts';
import { runPhase, runPhaseAsync } from './run-loop.ts';
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
  /** Buffered jobs on the stack engine: what biopath's page cache did (whole job); else null. */
  cache: CacheStats | null;
  verify: VerifyReport | null;
  error: IoFailure | null;
  startedAt: number;
  /** fio's thread_number (from 1, in job then clone order) and the clone of the job (from 0). */
  index: number;
  clone: number;
  /** fio's groupid: the reporting group (a job file's stonewall/new_group; a sweep's job). */
  groupid: number;
  /** How many clones this result stands for (1, or the group's with group_reporting). */
  clones: number;
  /** fio logs written (write_*_log), paths as given. */
  logFiles: string[];
}

/** Which clone of which job this run is: fio's thread_number and the clone within the job. */
export interface CloneId {
  /** From 1; names the log files (`NAME_bw.<index>.log`). */
  index: number;
  /** From 0; clone 0 uses the job's seed, clone k a seed derived from it. */
  clone: number;
}

/** The random seed of clone `k` of a job seeded `seed` (clone 0 keeps it), like fio's per-thread seeds. */
export function cloneSeed(seed: number, k: number): number {
  return k === 0 ? seed : (seed + Math.imul(k, 0x9e3779b1)) >>> 0;
}

/** Live view for a progress line: called about every 200 ms of the measured phase. */
export interface ProgressSink {
  update(elapsedMs: number, totalMs: number, dirs: [DirStats, DirStats], ramping: boolean): void;
}

/**
 * Run `job` (as clone `id`) on `target` with `engine`; resolves to its result, an IO failure
 * included (never rejected for one); a non-zero `stop[0]` ends the measured phase early (another
 * clone failed). Rejects when the engine cannot start (its own Error with
 * `code`) or a log cannot be written (the fs error).
 */
export async function runJob(job: JobOptions, target: Target, engine: AnyIoEngine, progress?: ProgressSink, id: CloneId = { index: 1, clone: 0 }, stop?: Int32Array): Promise<JobResult> {
  const region = regionOf(target, job.offset, job.size, job.bs.min, job.bs.max, job.direct);
  const units = Array.from({ length: job.iodepth }, (_, i) => new IoU(i));
  const writes = readPercent(job.rw, job.rwmixread) < 100;
  const d = engine.init({ job, target, units, maxBs: job.bs.max, write: writes || (job.verify !== 'none' && !job.verify_only) });
  try {
    const pc0 = engine.counters(d);
    const verify = job.verify === 'none' ? null : new VerifyState(job.bs.min, region.start, region.size, job.seed, units);
    const ctx: LoopCtx = { engine, d, units, verify, checkAll: false, failure: null };
    const phase = engine.async ? runPhaseAsync : runPhase;
    const base: WorkloadSpec = { rw: job.rw, rwmixread: job.rwmixread, bsMin: job.bs.min, bsMax: job.bs.max, start: region.start, size: region.size, sizeBased: job.runtime === 0, seed: cloneSeed(job.seed, id.clone) };
    if (verify && !job.verify_only && !writes) {
      await phase(ctx, new Workload({ ...base, rw: 'write', bsMax: job.bs.min, sizeBased: true }), quietSink());
      await settle(ctx, true);
    }
    const readBack: WorkloadSpec = { ...base, rw: 'read', bsMin: job.bs.min, bsMax: job.bs.min, sizeBased: true };
    ctx.checkAll = job.verify_only;
    // verify_only: the read-back is the measured workload
    const logs = wantsLogs(job) ? new JobLogs(job, id.index) : null;
    const m = await measured(ctx, job.verify_only ? { ...job, runtime: 0, ramp_time: 0 } : job, job.verify_only ? readBack : base, writes && job.end_fsync, progress, logs, stop);
    if (verify && writes && !job.verify_only && !ctx.failure) {
      await settle(ctx, true);
      if (!ctx.failure) await phase(ctx, new Workload(readBack), quietSink());
    }
    await settle(ctx, true);
    const cache = engine.async ? { ...engine.cacheStats(d), end_fsync_ms: m.endFsyncMs } : null;
    const logFiles = logs ? logs.write() : [];
    return {
      job, target, region, engine: engine.describe(d), ...m, counters: pagesSince(pc0, engine.counters(d)), cache, error: ctx.failure, startedAt: Date.now() - m.elapsedMs,
      index: id.index, clone: id.clone, groupid: 0, clones: 1, logFiles,
      verify: verify && { units_written: verify.unitsWritten, units_verified: verify.unitsVerified, mismatches: verify.mismatchCount, first_mismatches: verify.mismatches },
    };
  } finally {
    await engine.cleanup(d);
  }
}

/** Page-cache engines: fsync (and drop the cache); a failure becomes the job's error. Others: nothing. */
async function settle(ctx: LoopCtx, dropCaches: boolean): Promise<void> {
  if (!ctx.engine.async) return;
  const err = await ctx.engine.fsync(ctx.d, dropCaches);
  if (err < 0 && !ctx.failure) ctx.failure = { ddir: 1, offset: 0, len: 0, res: err };
}

type Measure = Pick<JobResult, 'dirs' | 'series' | 'depth' | 'elapsedMs' | 'cpu' | 'ctx' | 'majf' | 'minf'> & { endFsyncMs: number };

/** Pages taken and given back over the whole job (ramp, layout and verify too), so a leak shows. */
function pagesSince(a: PageCounters, b: PageCounters): PageCounters {
  return {
    applicable: b.applicable,
    pins_acquired: b.pins_acquired - a.pins_acquired, pins_released: b.pins_released - a.pins_released,
    refs_taken: b.refs_taken - a.refs_taken, refs_released: b.refs_released - a.refs_released,
  };
}

function quietSink(): PhaseSink {
  return { dirs: null, series: null, logs: null, from: 0, until: Number.POSITIVE_INFINITY, depth: new Float64Array(7), tick: () => true };
}

/**
 * The measured phase: stats count from the end of the ramp to the end of the runtime. With
 * `endFsync` (fio's end_fsync) the fsync after the last write is part of the measured time.
 */
async function measured(ctx: LoopCtx, job: JobOptions, spec: WorkloadSpec, endFsync: boolean, progress: ProgressSink | undefined, logs: JobLogs | null, stop?: Int32Array): Promise<Measure> {
  const dirs: [DirStats, DirStats] = [new DirStats(), new DirStats()];
  const interval = job.log_avg_msec || 1000;
  const series = new TimeSeries(interval, Math.ceil((job.runtime || 3_600_000) / interval) + 2);
  const t0 = performance.now();
  const from = t0 + (job.runtime > 0 ? job.ramp_time : 0); // size based: every IO counts
  const until = job.runtime > 0 ? from + job.runtime : Number.POSITIVE_INFINITY;
  const b = new Baseline();
  if (from === t0) b.take();
  let nextSample = from + interval, nextProgress = t0 + 200, last = from;
  const sink: PhaseSink = {
    dirs, series, logs, from, until, depth: new Float64Array(7),
    tick(now) {
      if (!b.taken && now >= from) b.take();
      if (logs && now >= from) logs.tick(Math.min(now, until) - from, dirs);
      while (now >= nextSample && nextSample <= until) {
        series.sample(nextSample - from, dirs[0], dirs[1]);
        nextSample += interval;
      }
      if (progress && now >= nextProgress) {
        progress.update(now - from, job.runtime, dirs, now < from);
        nextProgress = now + 200;
      }
      last = now;
      return stop === undefined || Atomics.load(stop, 0) === 0;
    },
  };
  if (ctx.engine.async) await runPhaseAsync(ctx, new Workload(spec), sink);
  else runPhase(ctx, new Workload(spec), sink);
  let end = Math.min(until, Math.max(last, performance.now()));
  let endFsyncMs = 0;
  if (endFsync && ctx.engine.async && !ctx.failure) {
    const t = performance.now();
    await settle(ctx, false);
    endFsyncMs = performance.now() - t;
    end += endFsyncMs;
  }
  if (series.length === 0 || end - from - series.tMs[series.length - 1]! > interval / 10) series.sample(end - from, dirs[0], dirs[1]);
  logs?.finish(end - from, dirs);
  return { dirs, series, depth: sink.depth, elapsedMs: Math.max(0.001, end - from), endFsyncMs, ...b.since() };
}

/** CPU, context switches and faults at the start of measurement (the thread's, on a worker). */
class Baseline {
  taken = false;
  #u: Usage = usageNow();

  take(): void {
    this.taken = true;
    this.#u = usageNow();
  }

  since(): Pick<Measure, 'cpu' | 'ctx' | 'majf' | 'minf'> {
    const d = usageSince(this.#u, usageNow());
    return { cpu: { userUs: d.userUs, systemUs: d.systemUs }, ctx: d.ctx, majf: d.majf, minf: d.minf };
  }
}
