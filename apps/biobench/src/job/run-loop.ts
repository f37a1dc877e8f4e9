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
import type { DirStats, TimeSeries } from '../stats/io-stats.ts';
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
  dirs: [DirStats, DirStats] | null;
  series: TimeSeries | null;
  /** fio's bw/iops/lat logs of the measured phase, or null. */
  logs: JobLogs | null;
  /** performance.now() from which completions count, and after which issuing stops. */
  from: number;
  until: number;
  /** Depth distribution at queue time (fio iodepth_level buckets 1,2,4,...,>=64). */
  depth: Float64Array;
  /** Called after each reap with the time; returns false to stop issuing. */
  tick(now: number): boolean;
}

export interface LoopCtx {
  engine: AnyIoEngine;
  d: unknown;
  units: IoU[];
  verify: VerifyState | null;
  /** Check every unit read (verify_only / read-back), not just the ones this run wrote. */
  checkAll: boolean;
  failure: IoFailure | null;
}

/** Run one phase; returns the IOs completed. Stops early on the first IO error (ctx.failure). */
export function runPhase(ctx: LoopCtx, wl: Workload, sink: PhaseSink): number {
  const engine = ctx.engine as IoEngine<unknown>;
  const q = newQueue(ctx.units.length);
  while (submit(ctx, wl, sink, q)) reap(ctx, sink, q, engine.getevents(ctx.d, q.inflight > 0 ? 1 : 0));
  return q.done;
}

/** {@link runPhase} for an engine that reaps by awaiting; the event loop runs while it waits. */
export async function runPhaseAsync(ctx: LoopCtx, wl: Workload, sink: PhaseSink): Promise<number> {
  const engine = ctx.engine as AsyncIoEngine<unknown>;
  const q = newQueue(ctx.units.length);
  while (submit(ctx, wl, sink, q)) reap(ctx, sink, q, await engine.getevents(ctx.d, q.inflight > 0 ? 1 : 0));
  return q.done;
}

function newQueue(n: number): Queue {
  const q: Queue = { free: new Int32Array(n), nFree: n, batch: new Int32Array(n), nb: 0, inflight: 0, done: 0, issuing: true, retry: null, capped: false };
  for (let i = 0; i < n; i++) q.free[i] = n - 1 - i;
  return q;
}

/** Fill and commit a batch; false when nothing is in flight any more (the phase is over). */
function submit(ctx: LoopCtx, wl: Workload, sink: PhaseSink, q: Queue): boolean {
  const { engine, d, units } = ctx;
  fill(ctx, wl, sink, q);
  if (!q.issuing && q.retry) {
    ctx.verify?.complete(q.retry, false, false); // never reached the engine: undo its in-flight marks
    q.free[q.nFree++] = q.retry.index;
    q.retry = null;
  }
  if (q.nb > 0) {
    engine.commit(d);
    const t = performance.now();
    for (let i = 0; i < q.nb; i++) units[q.batch[i]!]!.tCommit = t;
    q.nb = 0;
  }
  return q.inflight > 0 || q.retry !== null || q.capped;
}

/** Account the `n` completions getevents returned; stop issuing at the end of the phase. */
function reap(ctx: LoopCtx, sink: PhaseSink, q: Queue, n: number): void {
  const now = performance.now();
  for (let i = 0; i < n; i++) {
    const io = ctx.engine.event(ctx.d, i);
    q.inflight--;
    q.done += complete(ctx, sink, io, now);
    q.free[q.nFree++] = io.index;
  }
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
}

/**
 * Queue IOs until every io_u is in flight, the engine is busy, or the workload pauses or ends;
 * at most `iodepth` queue calls, so an engine that completes inline still gets to reap (and the
 * event loop to run) between batches, like fio's iodepth_batch.
 */
function fill(ctx: LoopCtx, wl: Workload, sink: PhaseSink, q: Queue): void {
  let budget = ctx.units.length;
  q.capped = false;
  while (q.issuing && (q.nFree > 0 || q.retry)) {
    if (budget-- === 0) {
      q.capped = true;
      return;
    }
    let io = q.retry;
    if (!io) {
      io = ctx.units[q.free[q.nFree - 1]!]!;
      const got = nextAdmitted(ctx, wl, io);
      if (got === NEXT_END) q.issuing = false;
      if (got !== NEXT_OK) return;
      q.nFree--;
      io.tQueue = performance.now();
    }
    q.retry = null;
    const r = ctx.engine.queue(ctx.d, io);
    if (r === FIO_Q_BUSY) {
      q.retry = io;
      return;
    }
    if (r === FIO_Q_COMPLETED) {
      io.tCommit = io.tQueue;
      const now = performance.now();
      q.done += complete(ctx, sink, io, now);
      q.free[q.nFree++] = io.index;
      if (phaseOver(ctx, sink, now)) q.issuing = false; // an engine that completes inline may never reap
      continue;
    }
    q.batch[q.nb++] = io.index;
    q.inflight++;
    if (sink.dirs) sink.depth[Math.min(6, 31 - Math.clz32(q.inflight))]!++;
  }
}

const NEXT_OK = 0, NEXT_WAIT = 1, NEXT_END = 2;

/** Ask the workload for the next IO that verify lets through now (re-picking a few times). */
function nextAdmitted(ctx: LoopCtx, wl: Workload, io: IoU): number {
  for (let tries = 0; tries < 8; tries++) {
    if (!wl.next(io)) return NEXT_END;
    const v = ctx.verify;
    if (!v) return NEXT_OK;
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
