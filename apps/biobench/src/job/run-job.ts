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
import type { Dirs } from '../stats/io-stats.ts';
import { DDIR_DATASYNC, DDIR_SYNC, DirStats, LatStat, newDirs, TimeSeries } from '../stats/io-stats.ts';
import { fillBuffers } from './buffers.ts';
import { readDiskStat, sysBlockOf } from '../output/disk-util.ts';
import type { DiskDelta } from '../output/disk-util.ts';
import { Pacer, sleepAsync } from './pacing.ts';
import { usageNow, usageSince } from '../stats/thread-usage.ts';
import type { Usage } from '../stats/thread-usage.ts';
import type { Target } from '../job-target/target.ts';
import { regionOf } from '../job-target/target.ts';
import { runPhase, runPhaseAsync } from './run-loop.ts';
import type { IoFailure, LoopCtx, PhaseSink, QueueShape } from './run-loop.ts';
import { VerifyState } from './verify-state.ts';
import type { Mismatch } from './verify.ts';
import { readPercent, Workload } from './workload.ts';
import type { DirBs, WorkloadSpec } from './workload.ts';

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
  dirs: Dirs;
  series: TimeSeries;
  /** fio's iodepth_level / iodepth_submit / iodepth_complete counts (see PhaseSink). */
  depth: Float64Array;
  submit: Float64Array;
  complete: Float64Array;
  /** fsync/fdatasync IOs of the measured phase (fio's `sync` block). */
  sync: LatStat;
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
  /** The block device's counters over the measured phase (fio's disk_util), or null. */
  disk: DiskDelta | null;
  /** Options the user set (command line, job file, ab configuration): the JSON's "job options". */
  set: ReadonlySet<string>;
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
  update(elapsedMs: number, totalMs: number, dirs: Dirs, ramping: boolean): void;
}

/** The queue shape the job's options ask for (fio's defaults where unset, biobench's batch). */
export function shapeOf(job: JobOptions, measured: boolean): QueueShape {
  return {
    batchSubmit: job.iodepth_batch_submit ?? 0, completeMin: job.iodepth_batch_complete_min,
    completeMax: job.iodepth_batch_complete_max ?? job.iodepth, low: job.iodepth_low ?? job.iodepth,
    syncEvery: measured ? job.fsync || job.fdatasync : 0, syncDdir: job.fsync ? DDIR_SYNC : DDIR_DATASYNC,
  };
}

/** The workload of the measured phase: fio's rw, block sizes per direction, offsets, loops. */
export function workloadOf(job: JobOptions, region: { start: number; size: number }): WorkloadSpec {
  const dir = (d: 'read' | 'write'): DirBs => ({ min: job.bs[d].min, max: job.bs[d].max, split: job.bssplit ? job.bssplit[d] : null });
  return {
    rw: job.rw, rwmixread: job.rwmixread, bsMin: job.bs.min, bsMax: job.bs.max, start: region.start, size: region.size,
    sizeBased: !job.time_based, seed: job.seed, dirBs: [dir('read'), dir('write')], loops: job.loops,
    norandommap: job.norandommap, distribution: job.random_distribution,
  };
}

/**
 * Run `job` (as clone `id`) on `target` with `engine`; resolves to its result, an IO failure
 * included (never rejected for one); a non-zero `stop[0]` ends the measured phase early (another
 * clone failed). Rejects when the engine cannot start (its own Error with
 * `code`) or a log cannot be written (the fs error).
 */
export async function runJob(job: JobOptions, target: Target, engine: AnyIoEngine, progress?: ProgressSink, id: CloneId = { index: 1, clone: 0 }, stop?: Int32Array, set: ReadonlySet<string> = new Set()): Promise<JobResult> {
  const region = regionOf(target, job.offset, job.size, job.bs.min, job.bs.max, job.direct);
  if (job.startdelay > 0) await sleepAsync(job.startdelay);
  const units = Array.from({ length: job.iodepth }, (_, i) => new IoU(i));
  const writes = readPercent(job.rw, job.rwmixread) < 100;
  const d = engine.init({ job, target, units, maxBs: job.bs.max, write: writes || (job.verify !== 'none' && !job.verify_only) });
  try {
    const pc0 = engine.counters(d);
    const verify = job.verify === 'none' ? null : new VerifyState(job.bs.min, region.start, region.size, job.seed, units, job.verify, job.verify_pattern?.bytes ?? null);
    const refill = writes && !verify ? fillBuffers(job, engine, d, units) : null;
    const ctx: LoopCtx = { engine, d, units, shape: shapeOf(job, false), verify, checkAll: false, failure: null, refill };
    const phase = engine.async ? runPhaseAsync : runPhase;
    const base: WorkloadSpec = { ...workloadOf(job, region), bsMin: job.bs.min, bsMax: job.bs.max, seed: cloneSeed(job.seed, id.clone) };
    if (verify && !job.verify_only && !writes) {
      await phase(ctx, new Workload({ ...base, rw: 'write', bsMax: job.bs.min, sizeBased: true }), quietSink());
      await settle(ctx, true);
    }
    const readBack: WorkloadSpec = { ...base, rw: 'read', bsMin: job.bs.min, bsMax: job.bs.min, sizeBased: true };
    ctx.checkAll = job.verify_only;
    ctx.shape = shapeOf(job, true);
    // verify_only: the read-back is the measured workload
    const sys = target.kind === 'null' ? null : sysBlockOf(target.path);
    const disk0 = readDiskStat(sys), td0 = performance.now();
    const logs = wantsLogs(job) ? new JobLogs(job, id.index) : null;
    const m = await measured(ctx, job.verify_only ? { ...job, runtime: 0, ramp_time: 0, time_based: false } : job, job.verify_only ? readBack : base, writes && job.end_fsync, progress, logs, stop);
    const disk1 = readDiskStat(sys);
    const disk = disk0 && disk1 ? { name: disk0.name, a: disk0, b: disk1, ms: performance.now() - td0 } : null;
    ctx.shape = shapeOf(job, false);
    if (verify && writes && !job.verify_only && job.do_verify && !ctx.failure) {
      await settle(ctx, true);
      if (!ctx.failure) await phase(ctx, new Workload(readBack), quietSink());
    }
    await settle(ctx, true);
    const cache = engine.async ? { ...engine.cacheStats(d), end_fsync_ms: m.endFsyncMs } : null;
    const logFiles = logs ? logs.write() : [];
    return {
      job, target, region, engine: engine.describe(d), ...m, counters: pagesSince(pc0, engine.counters(d)), cache, error: ctx.failure, startedAt: Date.now() - m.elapsedMs, disk, set,
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

type Measure = Pick<JobResult, 'dirs' | 'series' | 'depth' | 'submit' | 'complete' | 'sync' | 'elapsedMs' | 'cpu' | 'ctx' | 'majf' | 'minf'> & { endFsyncMs: number };

/** Pages taken and given back over the whole job (ramp, layout and verify too), so a leak shows. */
function pagesSince(a: PageCounters, b: PageCounters): PageCounters {
  return {
    applicable: b.applicable,
    pins_acquired: b.pins_acquired - a.pins_acquired, pins_released: b.pins_released - a.pins_released,
    refs_taken: b.refs_taken - a.refs_taken, refs_released: b.refs_released - a.refs_released,
  };
}

function quietSink(): PhaseSink {
  return {
    dirs: null, series: null, logs: null, from: 0, until: Number.POSITIVE_INFINITY, depth: new Float64Array(7), submit: new Float64Array(7), complete: new Float64Array(7),
    sync: null, pacer: null, tick: () => true,
  };
}

/**
 * The measured phase: stats count from the end of the ramp to the end of the runtime. With
 * `endFsync` (fio's end_fsync) the fsync after the last write is part of the measured time.
 */
async function measured(ctx: LoopCtx, job: JobOptions, spec: WorkloadSpec, endFsync: boolean, progress: ProgressSink | undefined, logs: JobLogs | null, stop?: Int32Array): Promise<Measure> {
  const dirs: Dirs = newDirs();
  const interval = job.log_avg_msec || 1000;
  const series = new TimeSeries(interval, Math.ceil((job.runtime || 3_600_000) / interval) + 2);
  const t0 = performance.now();
  const from = t0 + (job.time_based ? job.ramp_time : 0); // size based: every IO counts
  const until = job.runtime > 0 ? from + job.runtime : Number.POSITIVE_INFINITY; // size based: a cap
  const sync = new LatStat();
  const b = new Baseline();
  if (from === t0) b.take();
  let nextSample = from + interval, nextProgress = t0 + 200, last = from;
  let nextStatus = job.status_interval > 0 ? from + job.status_interval : Number.POSITIVE_INFINITY;
  const sink: PhaseSink = {
    dirs, series, logs, from, until, depth: new Float64Array(7), submit: new Float64Array(7), complete: new Float64Array(7),
    sync, pacer: Pacer.needed(job) ? new Pacer(job, t0) : null,
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
      if (now >= nextStatus) {
        process.stderr.write(statusLine(job.name, now - from, dirs));
        nextStatus += job.status_interval;
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
  return { dirs, series, depth: sink.depth, submit: sink.submit, complete: sink.complete, sync, elapsedMs: Math.max(0.001, end - from), endFsyncMs, ...b.since() };
}

/** fio's --status-interval, one line: the results so far of each direction that did IO. */
function statusLine(name: string, ms: number, dirs: Dirs): string {
  const sec = Math.max(ms, 1) / 1000;
  const part = (label: string, d: DirStats): string => (d.ios ? ` ${label}: IOPS=${Math.round(d.ios / sec)}, BW=${Math.round(d.bytes / sec / 1024)}KiB/s, clat avg=${Math.round(d.clat.mean)}ns` : '');
  return `status: ${name}: ${sec.toFixed(1)}s${part('read', dirs[0])}${part('write', dirs[1])}\n`;
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
