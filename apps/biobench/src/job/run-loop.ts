/**
 * fio's do_io() for one phase of a job: keep every free io_u queued, commit the batch, reap at
 * least one completion, account it, repeat until the phase's end time (or, size based, until the
 * workload is done), then drain what is still in flight. Nothing here allocates per IO.
 * `runPhaseAsync` is the same loop for engines that reap by awaiting (AsyncIoEngine).
 */
import type { AnyIoEngine, AsyncIoEngine, IoEngine } from '../engine/engine.ts';
import { FIO_Q_BUSY, FIO_Q_COMPLETED } from '../engine/io-unit.ts';
import type { IoU } from '../engine/io-unit.ts';
import type { JobLogs } from '../logs/job-logs.ts';
import type { Dirs, LatStat, TimeSeries } from '../stats/io-stats.ts';
import { DDIR_SYNC } from '../stats/io-stats.ts';
import type { Pacer } from './pacing.ts';
import { sleepAsync, sleepSync } from './pacing.ts';
import type { VerifyState } from './verify-state.ts';
import type { Workload } from './workload.ts';

export interface IoFailure {
  ddir: number;
  offset: number;
  len: number;
  res: number;
}

/** What a phase records into: null stats = not measured (layout, read-back). */
export interface PhaseSink {
  dirs: Dirs | null;
  series: TimeSeries | null;
  /** fio's bw/iops/lat logs of the measured phase, or null. */
  logs: JobLogs | null;
  /** performance.now() from which completions count, and after which issuing stops. */
  from: number;
  until: number;
  /**
   * fio's io_u_map / io_u_submit / io_u_complete: IOs per depth bucket at each commit (1, 2, 4,
   * ..., >=64; weighted by the IOs committed), commits per batch size (0, 1-4, 5-8, ..., >64),
   * getevents calls per number reaped (same buckets).
   */
  depth: Float64Array;
  submit: Float64Array;
  complete: Float64Array;
  /** Sync IOs (fsync/fdatasync every N writes): count and latency (ns). */
  sync: LatStat | null;
  /** rate / thinktime for this phase, or null. */
  pacer: Pacer | null;
  /** Called after each reap with the time; returns false to stop issuing. */
  tick(now: number): boolean;
}

/** fio's queue-shaping options, as the loop uses them (0 = not set). */
export interface QueueShape {
  /** Commit after this many queued (iodepth_batch_submit); 0 = after filling every free io_u. */
  batchSubmit: number;
  /** Reap at least / at most this many per getevents (iodepth_batch_complete_min/_max). */
  completeMin: number;
  completeMax: number;
  /** Once full, drain to this many in flight before queueing again (iodepth_low). */
  low: number;
  /** Issue a sync after every this many writes (fsync / fdatasync), and which one. */
  syncEvery: number;
  syncDdir: number;
}

export interface LoopCtx {
  engine: AnyIoEngine;
  d: unknown;
  units: IoU[];
  shape: QueueShape;
  verify: VerifyState | null;
  /** refill_buffers: fresh data into a write's buffer before it is queued; null = keep the buffer. */
  refill: ((io: IoU) => void) | null;
  /** Check every unit read (verify_only / read-back), not just the ones this run wrote. */
  checkAll: boolean;
  failure: IoFailure | null;
}

/** Run one phase; returns the IOs completed. Stops early on the first IO error (ctx.failure). */
export function runPhase(ctx: LoopCtx, wl: Workload, sink: PhaseSink): number {
  const engine = ctx.engine as IoEngine<unknown>;
  const q = newQueue(ctx.units.length);
  while (submit(ctx, wl, sink, q)) {
    if (q.inflight === 0 && q.wakeAt > 0) sleepSync(q.wakeAt - performance.now());
    const min = minEvents(ctx, q);
    reap(ctx, sink, q, engine.getevents(ctx.d, min, ctx.shape.completeMax), min);
  }
  return q.done;
}

/** {@link runPhase} for an engine that reaps by awaiting; the event loop runs while it waits. */
export async function runPhaseAsync(ctx: LoopCtx, wl: Workload, sink: PhaseSink): Promise<number> {
  const engine = ctx.engine as AsyncIoEngine<unknown>;
  const q = newQueue(ctx.units.length);
  while (submit(ctx, wl, sink, q)) {
    if (q.inflight === 0 && q.wakeAt > 0) await sleepAsync(q.wakeAt - performance.now());
    const min = minEvents(ctx, q);
    reap(ctx, sink, q, await engine.getevents(ctx.d, min, ctx.shape.completeMax), min);
  }
  return q.done;
}

/** fio's wait_for_completions(): at least iodepth_batch_complete_min, more to drain to iodepth_low. */
function minEvents(ctx: LoopCtx, q: Queue): number {
  if (q.inflight === 0) return 0;
  const base = Math.min(ctx.shape.completeMin, q.inflight);
  return q.draining ? Math.max(base, q.inflight - ctx.shape.low, 1) : q.held || q.syncPending ? Math.max(base, 1) : base;
}

function newQueue(n: number): Queue {
  const q: Queue = {
    free: new Int32Array(n), nFree: n, batch: new Int32Array(n), nb: 0, inflight: 0, done: 0, issuing: true, retry: null, capped: false,
    draining: false, held: false, wakeAt: 0, writes: 0, syncPending: false,
  };
  for (let i = 0; i < n; i++) q.free[i] = n - 1 - i;
  return q;
}

/** Fill and commit a batch; false when nothing is in flight any more (the phase is over). */
function submit(ctx: LoopCtx, wl: Workload, sink: PhaseSink, q: Queue): boolean {
  fill(ctx, wl, sink, q);
  if (!q.issuing && q.retry) {
    ctx.verify?.complete(q.retry, false, false); // never reached the engine: undo its in-flight marks
    q.free[q.nFree++] = q.retry.index;
    q.retry = null;
  }
  commitBatch(ctx, sink, q);
  return q.inflight > 0 || q.retry !== null || q.capped;
}

/**
 * Commit what is queued; its IOs' submission ends when commit returns (fio's slat: from the io_u's
 * prep to the submit's return). Counts the batch in iodepth_submit and the depth in iodepth_level.
 */
function commitBatch(ctx: LoopCtx, sink: PhaseSink, q: Queue): void {
  if (q.nb === 0) return;
  ctx.engine.commit(ctx.d);
  const t = performance.now();
  for (let i = 0; i < q.nb; i++) ctx.units[q.batch[i]!]!.tCommit = t;
  if (sink.dirs) {
    sink.depth[depthBucket(q.inflight)]! += q.nb;
    sink.submit[countBucket(q.nb)]!++;
  }
  q.nb = 0;
}

/** An IO the engine completed inside queue(): one submitted and one reaped at once (fio's sync engines). */
function inlineCounted(sink: PhaseSink, depth: number): void {
  sink.depth[depthBucket(depth)]!++;
  sink.submit[1]!++;
  sink.complete[1]!++;
}

/** fio's io_u_mark_depth(): 1, 2, 4, 8, 16, 32, >=64. */
const depthBucket = (n: number): number => Math.min(6, 31 - Math.clz32(Math.max(1, n)));

/** fio's io_u_mark_submit()/io_u_mark_complete(): 0, 1-4, 5-8, 9-16, 17-32, 33-64, >64. */
const countBucket = (n: number): number => (n === 0 ? 0 : n <= 4 ? 1 : Math.min(6, 32 - Math.clz32(n - 1) - 1));

/** Account the `n` completions getevents returned; stop issuing at the end of the phase. */
function reap(ctx: LoopCtx, sink: PhaseSink, q: Queue, n: number, min: number): void {
  const now = performance.now();
  if (sink.dirs && (min > 0 || n > 0)) sink.complete[countBucket(n)]!++;
  for (let i = 0; i < n; i++) {
    const io = ctx.engine.event(ctx.d, i);
    q.inflight--;
    q.done += complete(ctx, sink, io, now);
    q.free[q.nFree++] = io.index;
  }
  if (q.draining && q.inflight <= ctx.shape.low) q.draining = false;
  if (q.issuing && phaseOver(ctx, sink, now)) q.issuing = false;
}

const phaseOver = (ctx: LoopCtx, sink: PhaseSink, now: number): boolean => !sink.tick(now) || now >= sink.until || ctx.failure !== null;

interface Queue {
  free: Int32Array;
  nFree: number;
  batch: Int32Array;
  nb: number;
  inflight: number;
  done: number;
  issuing: boolean;
  /** An io_u the engine answered busy for: queued again first. */
  retry: IoU | null;
  /** The last fill stopped at its budget (an engine completing inline): reap, then fill again. */
  capped: boolean;
  /** The queue filled up and waits to drain to iodepth_low. */
  draining: boolean;
  /** `retry` is held by the pacer (rate, thinktime) until `wakeAt` (0 = when nothing is in flight). */
  held: boolean;
  wakeAt: number;
  /** Writes issued since the last sync, and whether a sync waits for the queue to empty. */
  writes: number;
  syncPending: boolean;
}

/**
 * Queue IOs until every io_u is in flight, the engine is busy, or the workload pauses or ends;
 * at most `iodepth` queue calls, so an engine that completes inline still gets to reap (and the
 * event loop to run) between batches, like fio's iodepth_batch.
 */
function fill(ctx: LoopCtx, wl: Workload, sink: PhaseSink, q: Queue): void {
  let budget = ctx.units.length;
  const shape = ctx.shape;
  q.capped = false;
  q.held = false;
  q.wakeAt = 0;
  while (q.issuing && (q.nFree > 0 || q.retry)) {
    if (budget-- === 0) {
      q.capped = true;
      return;
    }
    if (q.draining) return;
    if (q.syncPending && !queueSync(ctx, q)) return;
    let io = q.retry;
    if (!io) {
      io = ctx.units[q.free[q.nFree - 1]!]!;
      const got = nextAdmitted(ctx, wl, io);
      if (got === NEXT_END) q.issuing = false;
      if (got !== NEXT_OK) return;
      q.nFree--;
    }
    const now = performance.now();
    if (sink.pacer) {
      const due = sink.pacer.due(io, now, q.inflight);
      if (due > now) {
        q.retry = io;
        q.held = true;
        q.wakeAt = Number.isFinite(due) ? due : 0;
        return;
      }
    }
    q.retry = null;
    io.tQueue = now;
    const r = ctx.engine.queue(ctx.d, io);
    if (r === FIO_Q_BUSY) {
      q.retry = io;
      return;
    }
    if (r === FIO_Q_COMPLETED) {
      io.tCommit = io.tQueue;
      const now = performance.now();
      if (sink.dirs) inlineCounted(sink, q.inflight + 1);
      q.done += complete(ctx, sink, io, now);
      q.free[q.nFree++] = io.index;
      if (phaseOver(ctx, sink, now)) q.issuing = false; // an engine that completes inline may never reap
      continue;
    }
    issued(sink, q, io, shape);
    if (q.inflight === ctx.units.length && shape.low < q.inflight) q.draining = true;
    if (shape.batchSubmit > 0 && q.nb >= shape.batchSubmit) commitBatch(ctx, sink, q);
  }
}

/** `io` went to the engine: into the batch, the pacer's schedule and the writes-before-sync count. */
function issued(sink: PhaseSink, q: Queue, io: IoU, shape: QueueShape): void {
  q.batch[q.nb++] = io.index;
  q.inflight++;
  sink.pacer?.issued(io);
  if (io.ddir === 1 && shape.syncEvery > 0 && ++q.writes >= shape.syncEvery) {
    q.writes = 0;
    q.syncPending = true;
  }
}

/**
 * fsync / fdatasync every N writes: once the writes before it have completed, queue the sync on a
 * free io_u. False while it waits (nothing else is queued meanwhile).
 */
function queueSync(ctx: LoopCtx, q: Queue): boolean {
  if (q.inflight > 0 || q.nFree === 0) return false;
  const io = ctx.units[q.free[--q.nFree]!]!;
  io.ddir = ctx.shape.syncDdir;
  io.offset = 0;
  io.buflen = 0;
  io.tQueue = performance.now();
  q.syncPending = false;
  const r = ctx.engine.queue(ctx.d, io);
  if (r === FIO_Q_BUSY) {
    q.free[q.nFree++] = io.index;
    q.syncPending = true;
    return false;
  }
  if (r === FIO_Q_COMPLETED) {
    io.tCommit = io.tQueue;
    q.free[q.nFree++] = io.index;
    return true;
  }
  q.batch[q.nb++] = io.index;
  q.inflight++;
  return false; // commit it and wait for it before more writes
}

const NEXT_OK = 0, NEXT_WAIT = 1, NEXT_END = 2;

/** Ask the workload for the next IO that verify lets through now (re-picking a few times). */
function nextAdmitted(ctx: LoopCtx, wl: Workload, io: IoU): number {
  for (let tries = 0; tries < 8; tries++) {
    if (!wl.next(io)) return NEXT_END;
    const v = ctx.verify;
    if (!v) {
      if (io.ddir === 1 && ctx.refill) ctx.refill(io);
      return NEXT_OK;
    }
    if (v.admit(io)) {
      v.issue(io);
      if (io.ddir === 1) ctx.engine.syncToDevice?.(ctx.d, io);
      return NEXT_OK;
    }
  }
  return NEXT_WAIT;
}

/** Account one completion; returns 1 when it counted toward the phase. */
function complete(ctx: LoopCtx, sink: PhaseSink, io: IoU, now: number): number {
  const ok = io.res === io.buflen;
  if (!ok && !ctx.failure) ctx.failure = { ddir: io.ddir, offset: io.offset, len: io.buflen, res: io.res };
  if (io.ddir >= DDIR_SYNC) {
    if (ok && sink.sync && now >= sink.from && now <= sink.until) sink.sync.add((now - io.tQueue) * 1e6);
    return 0;
  }
  const v = ctx.verify;
  if (v) {
    if (io.ddir === 0 && ok) ctx.engine.syncFromDevice?.(ctx.d, io);
    v.complete(io, ok, ctx.checkAll);
  }
  if (!ok || !sink.dirs || now < sink.from || now > sink.until) return ok ? 1 : 0;
  const slat = (io.tCommit - io.tQueue) * 1e6, clat = (now - io.tCommit) * 1e6;
  sink.dirs[io.ddir]!.record(io.buflen, slat, clat, slat + clat);
  sink.series?.addLatency(slat + clat);
  sink.logs?.io(now - sink.from, io.ddir, io.buflen, slat, clat);
  return 1;
}
