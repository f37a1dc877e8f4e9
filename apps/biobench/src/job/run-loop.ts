/**
 * fio's do_io() for one phase of a job: keep every free io_u queued, commit the batch, reap at
 * least one completion, account it, repeat until the phase's end time (or, size based, until the
 * workload is done), then drain what is still in flight. Nothing here allocates per IO.
 */
import type { IoEngine } from '../engine/engine.ts';
import { FIO_Q_BUSY, FIO_Q_COMPLETED } from '../engine/io-unit.ts';
import type { IoU } from '../engine/io-unit.ts';
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
  /** performance.now() from which completions count, and after which issuing stops. */
  from: number;
  until: number;
  /** Depth distribution at queue time (fio iodepth_level buckets 1,2,4,...,>=64). */
  depth: Float64Array;
  /** Called after each reap with the time; returns false to stop issuing. */
  tick(now: number): boolean;
}

export interface LoopCtx {
  engine: IoEngine<unknown>;
  d: unknown;
  units: IoU[];
  verify: VerifyState | null;
  /** Check every unit read (verify_only / read-back), not just the ones this run wrote. */
  checkAll: boolean;
  failure: IoFailure | null;
}

/** Run one phase; returns the IOs completed. Stops early on the first IO error (ctx.failure). */
export function runPhase(ctx: LoopCtx, wl: Workload, sink: PhaseSink): number {
  const { engine, d, units } = ctx;
  const q: Queue = { free: new Int32Array(units.length), nFree: units.length, batch: new Int32Array(units.length), nb: 0, inflight: 0, done: 0, issuing: true, retry: null };
  for (let i = 0; i < units.length; i++) q.free[i] = units.length - 1 - i;
  for (;;) {
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
    if (q.inflight === 0 && q.retry === null) break;
    const n = engine.getevents(d, 1);
    const now = performance.now();
    for (let i = 0; i < n; i++) {
      const io = engine.event(d, i);
      q.inflight--;
      q.done += complete(ctx, sink, io, now);
      q.free[q.nFree++] = io.index;
    }
    if (q.issuing && (!sink.tick(now) || now >= sink.until || ctx.failure)) q.issuing = false;
  }
  return q.done;
}

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
}

/** Queue IOs until every io_u is in flight, the engine is busy, or the workload pauses or ends. */
function fill(ctx: LoopCtx, wl: Workload, sink: PhaseSink, q: Queue): void {
  while (q.issuing && (q.nFree > 0 || q.retry)) {
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
      q.done += complete(ctx, sink, io, performance.now());
      q.free[q.nFree++] = io.index;
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
  return 1;
}
