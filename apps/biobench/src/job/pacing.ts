/**
 * When the next IO may go: fio's `rate` / `rate_iops` (a fixed schedule per direction from the
 * start of the phase: the n-th byte or IO is due at start + n / rate, so the rate holds over the
 * whole run whatever the latency) and `thinktime` / `thinktime_blocks` (after every N IOs issued,
 * wait for those in flight, then pause). Preallocated; nothing here allocates per IO.
 * @fio io_u.c rate_ddir() / usec_for_io(), backend.c handle_thinktime()
 */
import type { IoU } from '../engine/io-unit.ts';
import type { JobOptions } from '../options/table.ts';

export class Pacer {
  readonly #t0: number;
  /** Bytes/s and IOs/s per direction; 0 = no limit. */
  readonly #bps: [number, number];
  readonly #iops: [number, number];
  readonly #bytes = [0, 0];
  readonly #ios = [0, 0];
  readonly #thinkMs: number;
  readonly #thinkBlocks: number;
  #sinceThink = 0;
  #thinkPending = false;
  #thinkUntil = 0;

  constructor(job: Pick<JobOptions, 'rate' | 'rate_iops' | 'thinktime' | 'thinktime_blocks'>, t0: number) {
    this.#t0 = t0;
    this.#bps = [job.rate?.read ?? 0, job.rate?.write ?? 0];
    this.#iops = [job.rate_iops?.read ?? 0, job.rate_iops?.write ?? 0];
    this.#thinkMs = job.thinktime / 1000;
    this.#thinkBlocks = job.thinktime_blocks;
  }

  /** Whether the job has anything to pace (else the loop skips the pacer). */
  static needed(job: Pick<JobOptions, 'rate' | 'rate_iops' | 'thinktime'>): boolean {
    return job.thinktime > 0 || !!(job.rate && (job.rate.read || job.rate.write)) || !!(job.rate_iops && (job.rate_iops.read || job.rate_iops.write));
  }

  /**
   * performance.now() time at which `io` may be queued (≤ `now`: at once; Infinity: only after
   * every IO in flight has completed). `inflight` is the number in flight now.
   */
  due(io: IoU, now: number, inflight: number): number {
    if (this.#thinkPending) {
      if (inflight > 0) return Number.POSITIVE_INFINITY;
      this.#thinkPending = false;
      this.#thinkUntil = now + this.#thinkMs;
    }
    let t = this.#thinkUntil;
    const d = io.ddir === 1 ? 1 : 0;
    if (io.ddir <= 1) {
      if (this.#bps[d]! > 0) t = Math.max(t, this.#t0 + (this.#bytes[d]! / this.#bps[d]!) * 1000);
      if (this.#iops[d]! > 0) t = Math.max(t, this.#t0 + (this.#ios[d]! / this.#iops[d]!) * 1000);
    }
    return t;
  }

  /** `io` was queued: advance its direction's schedule and the thinktime count. */
  issued(io: IoU): void {
    if (io.ddir > 1) return;
    this.#bytes[io.ddir]! += io.buflen;
    this.#ios[io.ddir]!++;
    if (this.#thinkMs > 0 && ++this.#sinceThink >= this.#thinkBlocks) {
      this.#sinceThink = 0;
      this.#thinkPending = true;
    }
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Block the thread for `ms` (the sync job loop, nothing in flight). */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms);
}

/** Let the event loop run for `ms` (the async job loop). */
export function sleepAsync(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
