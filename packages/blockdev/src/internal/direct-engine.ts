/**
 * Direct IO for a handle: requests queued by the caller in one tick go down together under one
 * plug (blk_start_plug … blk_finish_plug), each as an async kiocb through `blkdevDirectIO`
 * (UBUF over user memory for pin/get, KVEC over kernel pages for list); flush, discard and
 * write-zeroes are data-less bios. Completions are reaped by a pump (pump.ts) and settled only
 * after the pages are released, so when a caller's promise settles nothing of it is held.
 */
import {
  BlkPlug, EIOCBQUEUED, IOCB_DSYNC, REQ_OP_DISCARD, REQ_OP_FLUSH, REQ_OP_WRITE_ZEROES, SECTOR_SIZE, bioAlloc, bioDirtyDeferred,
  bioFlushDirtyWork, bioPut, blkFinishPlug, blkFlushDeferredRelease, blkStartPlug, blkStatusToErrno, blkdevDirectIO,
  releaseModeFromName, submitBio,
} from '@biopath/block';
import type { Bio, Kiocb } from '@biopath/block';
import { ITER_DEST, ITER_SOURCE, iovIterKvec, iovIterUbuf } from '@biopath/iov-iter';
import type { ResolvedOptions } from '../options.ts';
import type { Stack } from './setup.ts';
import { IoReq, OP_DISCARD, OP_FLUSH, OP_NAMES, OP_READ, OP_WRITE } from './io-req.ts';
import { errno, errorFromErrno } from './native.ts';
import type { BiopathError } from './native.ts';
import { HandleStats } from './stats.ts';

/** Longest stretch the handle keeps the JS thread in microtasks, in ms. */
export const YIELD_MS = 1;
const ECANCELED = -errno.ECANCELED;
const EINVAL = -errno.EINVAL;

function why(res: number): string {
  if (res === ECANCELED) return 'cancelled by close({ abort: true }) before it reached the device';
  if (res === EINVAL) return 'refused by blkdevDirectIO: the buffer address is not aligned to the queue\'s dma_alignment';
  return 'the device failed it; nothing of the buffer is held';
}

/** Everything the direct path keeps per handle. */
export class DirectEngine {
  readonly plug = new BlkPlug();
  /** Queued by the caller, not yet submitted (submitted at the end of the tick, or when the pump wakes). */
  pending: IoReq[] = [];
  npending = 0;
  /** Completed (ki_complete / last bio ended), not yet settled. */
  done: IoReq[] = [];
  ndone = 0;
  /** Submitted and not yet completed. */
  inflight = 0;
  flushScheduled = false;
  /** The pump runs: it submits what is queued when it next wakes or resumes. */
  pumping = false;
  /** The pump sleeps in the driver's wait: requests queued now must be flushed at the end of the tick. */
  sleeping = false;
  /** Resolved when nothing is pending or in flight (close). */
  idleWaiters: (() => void)[] = [];
  freeReqs: IoReq | null = null;
  readonly release: number;
  readonly list: boolean;
  readonly deferredRelease: boolean;
  /** The pump (pump.ts) — set by the handle. */
  startPump: () => void = () => { /* replaced by the handle */ };
  readonly onComplete: (k: Kiocb, ret: number) => void;
  readonly onBioEnd: (bio: Bio) => void;

  constructor(readonly s: Stack, readonly o: ResolvedOptions, readonly stats: HandleStats) {
    this.release = releaseModeFromName(o.release);
    this.list = o.strategy === 'list';
    this.deferredRelease = o.release === 'deferred';
    this.onComplete = (k, ret) => {
      const r = k.ki_data as IoReq;
      r.res = ret;
      this.complete(r);
    };
    this.onBioEnd = (bio) => {
      const r = bio.bi_private as IoReq;
      if (bio.bi_status !== 0 && r.res >= 0) r.res = blkStatusToErrno(bio.bi_status);
      bioPut(bio);
      if (--r.bios === 0) this.complete(r);
    };
  }

  reqAlloc(): IoReq {
    const r = this.freeReqs;
    if (r === null) {
      const n = new IoReq();
      n.kiocb.ki_bdev = this.s.bdev;
      n.kiocb.ki_complete = this.onComplete;
      n.kiocb.ki_release = this.release;
      return n;
    }
    this.freeReqs = r.next;
    r.next = null;
    return r;
  }

  reqFree(r: IoReq): void {
    r.buf = null;
    r.bounce = null;
    r.group = null;
    r.resolve = null;
    r.reject = null;
    r.res = 0;
    r.next = this.freeReqs;
    this.freeReqs = r;
  }

  /**
   * Queue `r` for the end of this tick (one plug per tick). A running pump that is not asleep
   * submits it when it resumes, in the same round as the IOs that completed; otherwise a flush is
   * scheduled: a microtask, except when the JS thread has not reached the event loop for
   * YIELD_MS — then the next macrotask, so a caller that resubmits from every completion cannot
   * starve timers and IO.
   */
  queue(r: IoReq): void {
    this.pending[this.npending++] = r;
    if (!this.flushScheduled && (!this.pumping || this.sleeping)) {
      this.flushScheduled = true;
      if (performance.now() - this.lastYield < YIELD_MS) queueMicrotask(this.flushTick);
      else setImmediate(this.flushMacrotask);
    }
  }

  /** performance.now() when this handle last let the event loop run (pump or flush). */
  lastYield = 0;

  readonly flushTick = (): void => {
    this.flushScheduled = false;
    this.submitPending();
  };

  readonly flushMacrotask = (): void => {
    this.lastYield = performance.now();
    this.flushTick();
  };

  /** Submit everything queued, under one plug; unless the pump holds the ring (it submits when it wakes). */
  submitPending(): void {
    if (this.npending === 0) return;
    const n = this.npending;
    this.npending = 0;
    blkStartPlug(this.plug);
    for (let i = 0; i < n; i++) {
      const r = this.pending[i]!;
      this.pending[i] = undefined as unknown as IoReq;
      this.inflight++;
      if (r.op <= OP_WRITE) this.submitRw(r);
      else this.submitBios(r);
    }
    blkFinishPlug(this.plug);
    if (this.ndone > 0) this.settleDone();
    if (this.inflight > 0 && !this.pumping) this.startPump();
  }

  private submitRw(r: IoReq): void {
    const k = r.kiocb, it = r.iter;
    const dir = r.op === OP_READ ? ITER_DEST : ITER_SOURCE;
    k.ki_pos = r.offset;
    k.ki_flags = r.fua ? IOCB_DSYNC : 0;
    if (this.list) {
      const kv = this.kvec0(r);
      iovIterKvec(it, dir, this.s.mem, r.kvec, 1, kv);
    } else iovIterUbuf(it, dir, this.s.mm, r.addr, r.length);
    if (this.o.profile === 'legacy' && !this.list) this.stats.refsTaken += ((r.addr & 4095) + r.length + 4095) >>> 12;
    const ret = blkdevDirectIO(k, it);
    if (ret === EIOCBQUEUED) return;
    r.res = ret === 0 ? r.length : ret; // 0: empty (cannot happen: length > 0); negative: refused up front, nothing taken
    this.complete(r);
  }

  private kvec0(r: IoReq): number {
    const kv = r.kvec[0]!;
    kv.iov_base = r.addr;
    kv.iov_len = r.length;
    return r.length;
  }

  /** Flush, discard, write-zeroes: data-less bios, split to the queue's per-op limit. */
  private submitBios(r: IoReq): void {
    const opf = r.op === OP_FLUSH ? REQ_OP_FLUSH : r.op === OP_DISCARD ? REQ_OP_DISCARD : REQ_OP_WRITE_ZEROES;
    const lim = this.s.q.limits;
    const maxSectors = r.op === OP_DISCARD ? lim.max_discard_sectors : lim.max_write_zeroes_sectors;
    const lbs = lim.logical_block_size;
    const chunk = r.op === OP_FLUSH ? 0 : Math.max(lbs, Math.floor((maxSectors * SECTOR_SIZE) / lbs) * lbs);
    let pos = r.offset, left = r.length;
    r.bios = 1; // held until every piece is submitted
    do {
      const n = Math.min(left, chunk);
      const bio = bioAlloc(this.s.bdev, 0, opf);
      bio.bi_iter.bi_sector = pos / SECTOR_SIZE;
      bio.bi_iter.bi_size = n;
      bio.bi_private = r;
      bio.bi_end_io = this.onBioEnd;
      r.bios++;
      submitBio(bio);
      pos += n;
      left -= n;
    } while (left > 0);
    if (--r.bios === 0) this.complete(r);
  }

  complete(r: IoReq): void {
    this.inflight--;
    this.done[this.ndone++] = r;
  }

  /**
   * Settle every completed request: first make sure its pages are released (dirtying work a read
   * deferred, the deferred release mode's batch), then copy a bounced read out, count it and
   * resolve or reject the caller's promise.
   */
  settleDone(): void {
    if (bioDirtyDeferred() > 0) bioFlushDirtyWork();
    if (this.deferredRelease) blkFlushDeferredRelease();
    const n = this.ndone;
    this.ndone = 0;
    for (let i = 0; i < n; i++) {
      const r = this.done[i]!;
      this.done[i] = undefined as unknown as IoReq;
      this.settle(r);
    }
    if (this.inflight === 0 && this.npending === 0 && this.idleWaiters.length > 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  private settle(r: IoReq): void {
    const st = this.stats;
    let err: BiopathError | null = null;
    let value: unknown;
    if (r.res < 0) {
      err = errorFromErrno(r.res, `${OP_NAMES[r.op]}(offset ${r.offset}, length ${r.length}): ${why(r.res)}`);
      st.errors++;
    } else if (r.op === OP_READ) {
      let out = r.buf;
      if (r.bounce !== null) {
        if (out === null) out = r.bounce.view.slice(0, r.length);
        else out.set(r.bounce.view.subarray(0, r.length));
      }
      st.countRead(r.length);
      value = out;
    } else {
      st.countOther(r.op, r.length);
      value = r.length;
    }
    if (r.bounce !== null) this.s.pool.unbounce(r.bounce);
    const g = r.group;
    if (g !== null) {
      if (err !== null && g.err === null) g.err = err;
      else if (err === null) {
        if (g.results !== null) g.results[r.index] = value as Uint8Array;
        else g.bytes += r.length;
      }
      if (--g.left === 0) {
        if (g.err !== null) g.reject(g.err);
        else g.resolve(g.results ?? g.bytes);
      }
    } else if (err !== null) r.reject!(err);
    else r.resolve!(value);
    this.reqFree(r);
  }

  /** Reject everything queued and not yet submitted (close with abort). */
  cancelPending(): void {
    const n = this.npending;
    this.npending = 0;
    for (let i = 0; i < n; i++) {
      const r = this.pending[i]!;
      this.pending[i] = undefined as unknown as IoReq;
      r.res = ECANCELED;
      this.done[this.ndone++] = r;
      this.stats.cancelled++;
    }
    this.settleDone();
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.inflight === 0 && this.npending === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}
