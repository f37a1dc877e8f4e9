/**
 * `faulty`: wraps another driver and injects failures on a schedule (the n-th matching request,
 * every k-th) or at random from a seeded generator: errors at submission or at completion,
 * delayed completions (held for a number of poll/wait rounds or milliseconds), and short
 * completions (the device moved only part of the data: the rest of a read buffer is poisoned and
 * the request fails with BLK_STS_IOERR), busy answers (null_blk `requeue_inject`) and lost
 * requests that only block's timeout handler ends (null_blk `timeout_inject`). Deterministic for
 * a given seed and request sequence.
 * @kernel drivers/md/dm-flakey.c, drivers/block/null_blk (fault injection), lib/fault-inject.c
 */
import {
  BLK_STS_IOERR, BLK_STS_OK, BLK_STS_TIMEOUT, REQ_OP_READ, SgTable, blkMqAllocTagSet, blkMqEndRequest, blkRqBytes, blkRqPos, blkRqSectors,
  reqOp,
} from '@biopath/block';
import type { BlkMqHwCtx, BlkMqOps, Request } from '@biopath/block';
import { BiopathError } from '@biopath/native';
import type { BlkDriver, EndRequestFn } from '../internal/driver-types.ts';
import { fillRequestFrom } from '../internal/rq-data.ts';
import {
  FaultSchedule, FAULT_NONE, FAULT_ERROR_SUBMIT, FAULT_ERROR_COMPLETE, FAULT_DELAY, FAULT_SHORT, FAULT_BUSY, FAULT_TIMEOUT,
} from './faulty-schedule.ts';
import type { FaultyOptions } from './faulty-schedule.ts';

export type { FaultyOptions, FaultRule, FaultAction, FaultOp, FaultRecord } from './faulty-schedule.ts';

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Per-tag fault state. */
class FaultPdu {
  kind = FAULT_NONE;
  rule = -1;
  polls = 0;
  deadline = 0;
  status = 0;
  next: Request | null = null;
  /** Lost (a `timeout` fault): accepted, never passed on; only `timeout()` ends it. */
  lost = false;
  /** Timer re-arms left before a lost request ends. */
  resets = 0;
}

class FaultyQueue {
  endRequest: EndRequestFn = blkMqEndRequest;
  readonly sg = new SgTable(1024);
  pdus: FaultPdu[] = [];
  held: Request | null = null;
  nrHeld = 0;
  nrLost = 0;
  ended = 0;

  constructor(readonly inner: BlkDriver, readonly sched: FaultSchedule) {}

  pdu(rq: Request): FaultPdu {
    return this.pdus[rq.tag]!;
  }

  queueRq(hctx: BlkMqHwCtx, rq: Request, last: boolean): number {
    const p = this.pdu(rq);
    const rule = this.sched.pick(reqOp(rq.cmd_flags), blkRqPos(rq), blkRqSectors(rq), rq.tag);
    p.kind = rule < 0 ? FAULT_NONE : this.sched.kind(rule);
    p.rule = rule;
    if (p.kind === FAULT_ERROR_SUBMIT || p.kind === FAULT_TIMEOUT) {
      if (last) this.inner.ops.commitRqs?.(hctx);
      if (p.kind === FAULT_ERROR_SUBMIT) return this.sched.status(rule);
      return this.lose(rq, p);
    }
    if (p.kind === FAULT_BUSY) {
      p.kind = FAULT_NONE;
      this.inner.stats.busy++;
      return this.sched.status(rule);
    }
    const st = this.inner.ops.queueRq(hctx, rq, last);
    if (st !== BLK_STS_OK) {
      if (rule >= 0) this.sched.unrecord(rule);
      p.kind = FAULT_NONE;
    }
    return st;
  }

  /** Accept `rq` and never pass it on (null_blk's timeout_inject: the command is dropped). */
  lose(rq: Request, p: FaultPdu): number {
    p.kind = FAULT_NONE;
    p.lost = true;
    p.resets = this.sched.timeoutResets(p.rule);
    this.nrLost++;
    return BLK_STS_OK;
  }

  /**
   * blk_mq_ops.timeout: a lost request re-arms its timer `resets` times, then ends with
   * BLK_STS_TIMEOUT; any other request is the inner driver's to judge (re-arm if it has no handler).
   * @kernel drivers/block/null_blk/main.c null_timeout_rq()
   */
  timeout(rq: Request): 'done' | 'reset-timer' {
    const p = this.pdu(rq);
    if (!p.lost) return this.inner.ops.timeout?.(rq) ?? 'reset-timer';
    if (p.resets > 0) {
      p.resets--;
      return 'reset-timer';
    }
    p.lost = false;
    this.nrLost--;
    this.endOne(rq, BLK_STS_TIMEOUT);
    return 'done';
  }

  /** The inner driver ended `rq`: apply its fault, or pass it on. */
  onInnerEnd(rq: Request, status: number): void {
    const p = this.pdu(rq);
    const kind = p.kind;
    p.kind = FAULT_NONE;
    if (kind === FAULT_ERROR_COMPLETE) return this.endOne(rq, this.sched.status(p.rule));
    if (kind === FAULT_SHORT) return this.endShort(rq, p, status);
    if (kind === FAULT_DELAY) return this.hold(rq, p, status);
    this.endOne(rq, status);
  }

  endShort(rq: Request, p: FaultPdu, status: number): void {
    if (status === BLK_STS_OK && reqOp(rq.cmd_flags) === REQ_OP_READ) {
      fillRequestFrom(rq, this.sg, this.sched.shortBytes(p.rule, blkRqBytes(rq), rq.q.limits.logical_block_size), this.sched.poison(p.rule));
    }
    this.endOne(rq, status === BLK_STS_OK ? BLK_STS_IOERR : status);
  }

  hold(rq: Request, p: FaultPdu, status: number): void {
    p.status = status;
    p.polls = this.sched.delayPolls(p.rule);
    const ms = this.sched.delayMs(p.rule);
    p.deadline = ms > 0 ? performance.now() + ms : 0;
    p.next = this.held;
    this.held = rq;
    this.nrHeld++;
  }

  endOne(rq: Request, status: number): void {
    this.ended++;
    this.endRequest(rq, status);
  }

  /** One poll round for held requests: count down, release those due. */
  release(): void {
    const now = this.held !== null ? performance.now() : 0;
    let prev: Request | null = null;
    for (let rq = this.held; rq !== null;) {
      const p = this.pdu(rq);
      const next = p.next;
      if (p.polls > 0) p.polls--;
      if (p.polls === 0 && (p.deadline === 0 || now >= p.deadline)) {
        if (prev === null) this.held = next;
        else this.pdu(prev).next = next;
        p.next = null;
        this.nrHeld--;
        this.endOne(rq, p.status);
      } else {
        prev = rq;
      }
      rq = next;
    }
  }

  poll(h: BlkMqHwCtx): number {
    const before = this.ended;
    this.inner.ops.poll(h);
    this.release();
    return this.ended - before;
  }

  /** Sleep until the earliest held deadline (only when nothing else can make progress). */
  sleepUntilDue(): void {
    let due = Infinity;
    for (let rq = this.held; rq !== null; rq = this.pdu(rq).next) {
      const p = this.pdu(rq);
      if (p.polls > 0) return;
      due = Math.min(due, p.deadline);
    }
    const ms = due - performance.now();
    if (ms > 0 && Number.isFinite(ms)) Atomics.wait(sleepCell, 0, 0, ms);
  }

  wait(h: BlkMqHwCtx, min: number): number {
    const before = this.ended;
    for (;;) {
      const got = this.ended - before;
      if (got >= min) break;
      if (this.inner.inFlight() > 0) this.inner.ops.wait(h, 1);
      else if (this.nrHeld === 0) break;
      else this.sleepUntilDue();
      this.release();
    }
    return this.ended - before;
  }
}

/**
 * Wrap `inner` with the fault schedule `opts`. The returned driver owns `inner`: closing it
 * closes `inner`. `faults.log` lists what was injected, in order. Its `stats` are the inner
 * driver's object, which also counts the busy answers injected here (`busy`); requests refused or
 * lost here never reach the inner driver, so they are not in its `queued`.
 */
export function createFaultyDriver(inner: BlkDriver, opts: FaultyOptions): BlkDriver & { faults: FaultSchedule } {
  const sched = new FaultSchedule(opts);
  const q = new FaultyQueue(inner, sched);
  inner.setEndRequest((rq, st) => q.onInnerEnd(rq, st));
  const iops = inner.ops;
  const ops: BlkMqOps = {
    queueRq: (h, rq, last) => q.queueRq(h, rq, last),
    commitRqs: (h) => iops.commitRqs?.(h),
    poll: (h) => q.poll(h),
    wait: (h, min) => q.wait(h, min),
    timeout: (rq) => q.timeout(rq),
    waitAsync: async (h) => {
      if (inner.inFlight() > 0) await iops.waitAsync?.(h);
    },
    initHctx: (h, i) => iops.initHctx?.(h, i),
    exitHctx: (h) => iops.exitHctx?.(h),
    initRequest: (set, rq, i) => {
      q.pdus[rq.tag] = new FaultPdu();
      iops.initRequest?.(set, rq, i);
    },
  };
  return {
    name: 'faulty', ops, set: blkMqAllocTagSet({ ops, queue_depth: inner.queueDepth, timeout_ms: inner.set.timeout_ms }),
    limits: inner.limits,
    queueDepth: inner.queueDepth, capacitySectors: inner.capacitySectors, sizeBytes: inner.sizeBytes, stats: inner.stats,
    faults: sched,
    setEndRequest: (fn) => { q.endRequest = fn; },
    inFlight: () => inner.inFlight() + q.nrHeld + q.nrLost,
    close: () => {
      if (q.nrHeld > 0) throw new BiopathError('EBUSY', `faulty close(): ${q.nrHeld} delayed requests still held`);
      if (q.nrLost > 0) throw new BiopathError('EBUSY', `faulty close(): ${q.nrLost} lost requests not yet timed out`);
      inner.close();
    },
  };
}
