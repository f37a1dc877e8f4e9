/**
 * `null`: a device that completes every request at once, to measure the stack alone. By default
 * it moves no data (reads leave the buffer as it was), like null_blk; with `memoryBacked` it
 * keeps written data in a sparse page store and reads it back (zeroes where never written), like
 * null_blk's memory_backed=1. `irqmode: 'none'` ends requests inside queueRq (null_blk
 * irqmode=0); `'poll'` ends them on the next poll/wait, exercising the asynchronous path.
 * Driver-private passthrough requests (REQ_OP_DRV_IN / DRV_OUT, built with `blkRqMapUserIov`)
 * complete like a read / write of their data at the request's sector, as null_blk transfers by
 * `op_is_write()`.
 * It keeps an NVMe-style doorbell account (null_blk has none): a request accepted with
 * `last = true`, or `commitRqs`, announces every request accepted since the previous doorbell
 * (`stats.lastQueued`, `stats.commits`, `stats.announced`), so a caller can see how block batched
 * its dispatch. The device itself does not wait for the doorbell.
 * Two calibration knobs inject a known cost for A/B runs: `completionNsec` (null_blk
 * completion_nsec with irqmode=2, timer) ends a request no earlier than that long after queueRq
 * accepted it, and `cpuNsecPerIo` (null_blk has none) busy-spins the submitting thread that long
 * per request, as a fixed loop count calibrated once per process.
 * @kernel drivers/block/null_blk/main.c null_queue_rq(), null_handle_rq()
 */
import {
  BLK_FEAT_WRITE_CACHE, BLK_STS_NOTSUPP, BLK_STS_OK, BLK_STS_TARGET, REQ_OP_DISCARD, REQ_OP_DRV_IN, REQ_OP_DRV_OUT,
  REQ_OP_FLUSH, REQ_OP_READ, REQ_OP_WRITE, REQ_OP_WRITE_ZEROES, SgTable, blkMqAllocTagSet, blkMqEndRequest, blkRqBytes,
  blkRqPos, opIsWrite, reqOp,
} from '@biopath/block';
import type { BlkMqOps, QueueLimits, Request } from '@biopath/block';
import { PAGE_SIZE } from '@biopath/mm';
import { BiopathError } from '@biopath/native';
import type { BlkDriver, EndRequestFn } from '../internal/driver-types.ts';
import { driverStatsAlloc } from '../internal/driver-types.ts';
import { forEachRequestSegment } from '../internal/rq-data.ts';


export interface NullDriverOptions {
  /** Capacity in bytes (null_blk `gb`). Default 1 GiB. */
  sizeBytes?: number;
  /** Logical block size (null_blk `bs`). Default 512. */
  blockSize?: number;
  /** Tags (null_blk `hw_queue_depth`). Default 64. */
  queueDepth?: number;
  /** `'none'` completes inside queueRq; `'poll'` on the next poll/wait. Default `'none'`. */
  irqmode?: 'none' | 'poll';
  /** Store written data and return it on reads. Default false. */
  memoryBacked?: boolean;
  /**
   * Completion delay, ns (null_blk `completion_nsec` with `irqmode=2`, timer): a request ends no
   * earlier than this long after queueRq accepted it, on the first poll/wait at or after that
   * point. Needs `irqmode: 'poll'`. 0..NULL_COMPLETION_NSEC_MAX; default 0 (ends on the next poll).
   */
  completionNsec?: number;
  /**
   * CPU cost per request, ns (null_blk has no such parameter): queueRq busy-spins the submitting
   * thread for this long — a fixed loop count, `busyLoopsPerIo`, from a once-per-process
   * calibration against `process.hrtime.bigint()`; no clock reads or allocations per request.
   * 0..NULL_CPU_NSEC_MAX; default 0.
   */
  cpuNsecPerIo?: number;
}

/** Upper bound of `completionNsec`: 1 s. */
export const NULL_COMPLETION_NSEC_MAX = 1_000_000_000;
/** Upper bound of `cpuNsecPerIo`: 10 ms. */
export const NULL_CPU_NSEC_MAX = 10_000_000;

/** The null driver: a `BlkDriver` that also reports its busy work. */
export interface NullDriver extends BlkDriver {
  /** The completion delay in force, ns (0: none). */
  readonly completionNsec: number;
  /** The CPU cost per request in force, ns (0: none). */
  readonly cpuNsecPerIo: number;
  /** Busy-loop iterations each request costs (`cpuNsecPerIo` × the calibrated loops per ns, rounded); 0 without `cpuNsecPerIo`. */
  readonly busyLoopsPerIo: number;
  /** Busy-loop iterations run so far (`busyLoopsPerIo` per accepted request). */
  busyLoops(): number;
}

/** Where the busy loop leaves its result, so the JIT cannot drop the loop. */
let busySink = 0;

/** `n` dependent integer multiply-adds (an LCG step each): CPU work, no memory traffic, no allocation. */
function busySpin(n: number): void {
  let x = busySink | 1;
  for (let i = 0; i < n; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
  busySink = x;
}

let loopsPerNsec = 0;

/**
 * Busy-loop iterations per ns of this thread, measured once per process: warm the loop up, size a
 * run to >= 1 ms, then keep the fastest of 5 runs (a run the scheduler preempted only looks slower).
 */
function busyLoopsPerNsec(): number {
  if (loopsPerNsec > 0) return loopsPerNsec;
  const time = (n: number): number => {
    const t0 = process.hrtime.bigint();
    busySpin(n);
    return Number(process.hrtime.bigint() - t0);
  };
  for (let i = 0; i < 20; i++) time(10_000);
  let n = 10_000;
  while (time(n) < 1e6 && n < 2 ** 30) n *= 2;
  let best = Infinity;
  for (let i = 0; i < 5; i++) best = Math.min(best, time(n));
  loopsPerNsec = n / Math.max(best, 1);
  return loopsPerNsec;
}

/** Options that must be integers in 0..max: EINVAL naming the option. */
function nsecOption(name: string, v: number | undefined, max: number): number {
  if (v === undefined) return 0;
  if (!Number.isSafeInteger(v) || v < 0 || v > max) throw new BiopathError('EINVAL', `createNullDriver(${name}): ${v} is not an integer in 0..${max}`);
  return v;
}

/** Atomics.wait target for sleeping until a completion deadline (nothing ever notifies it). */
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** The last stretch before a deadline is spun, not slept: Linux timer slack is ~50 µs. */
const SPIN_MS = 0.1;

/** Sleep until `until` (performance.now() ms): Atomics.wait up to SPIN_MS before it, spin the rest. */
function sleepUntil(until: number): void {
  let now = performance.now();
  if (until - now > SPIN_MS) {
    Atomics.wait(sleepCell, 0, 0, until - now - SPIN_MS);
    now = performance.now();
  }
  while (now < until) now = performance.now();
}

/** Sparse backing store: one 4 KiB page per written device page (allocated on first write only). */
class NullStore {
  readonly pages = new Map<number, Uint8Array>();

  /** Copy between device bytes [pos, pos+len) and mem[m..]; `write` stores, else loads. */
  xfer(mem: Uint8Array, m: number, pos: number, len: number, write: boolean): void {
    while (len > 0) {
      const pg = Math.floor(pos / PAGE_SIZE);
      const off = pos - pg * PAGE_SIZE;
      const n = Math.min(len, PAGE_SIZE - off);
      let p = this.pages.get(pg);
      if (write) {
        if (p === undefined) this.pages.set(pg, (p = new Uint8Array(PAGE_SIZE)));
        p.set(mem.subarray(m, m + n), off);
      } else if (p === undefined) mem.fill(0, m, m + n);
      else mem.set(p.subarray(off, off + n), m);
      pos += n; m += n; len -= n;
    }
  }

  zero(pos: number, len: number): void {
    for (let pg = Math.floor(pos / PAGE_SIZE); pg * PAGE_SIZE < pos + len; pg++) {
      const p = this.pages.get(pg);
      if (p === undefined) continue;
      const s = Math.max(pos, pg * PAGE_SIZE) - pg * PAGE_SIZE;
      const e = Math.min(pos + len, (pg + 1) * PAGE_SIZE) - pg * PAGE_SIZE;
      if (s === 0 && e === PAGE_SIZE) this.pages.delete(pg);
      else p.fill(0, s, e);
    }
  }
}

class NullQueue {
  endRequest: EndRequestFn = blkMqEndRequest;
  readonly stats = driverStatsAlloc();
  readonly sg: SgTable;
  readonly store: NullStore | null;
  /** Requests done but not yet ended (irqmode 'poll'), FIFO via rq_next. */
  head: Request | null = null;
  tail: Request | null = null;
  inFlight = 0;
  /** Requests accepted since the last doorbell. */
  unannounced = 0;
  /** completionNsec in ms (performance.now() units); 0 = no delay. */
  readonly delayMs: number;
  /** Due times (performance.now() ms) of the FIFO's requests, a ring parallel to it: due[dueHead] is head's. */
  due: Float64Array;
  dueHead = 0;
  dueLen = 0;
  busyLoops = 0;

  constructor(readonly capacityBytes: number, readonly poll: boolean, memoryBacked: boolean, completionNsec: number,
    readonly busyLoopsPerIo: number, depth: number) {
    this.sg = new SgTable(256);
    this.store = memoryBacked ? new NullStore() : null;
    this.delayMs = completionNsec / 1e6;
    this.due = new Float64Array(completionNsec > 0 ? depth : 0);
  }

  handle(rq: Request): number {
    const op = reqOp(rq.cmd_flags);
    const pos = blkRqPos(rq) * 512;
    const bytes = blkRqBytes(rq);
    if (op === REQ_OP_FLUSH) return BLK_STS_OK;
    const data = op === REQ_OP_READ || op === REQ_OP_WRITE || op === REQ_OP_DRV_IN || op === REQ_OP_DRV_OUT;
    if (!data && op !== REQ_OP_WRITE_ZEROES && op !== REQ_OP_DISCARD) return BLK_STS_NOTSUPP;
    if (pos + bytes > this.capacityBytes) return BLK_STS_TARGET;
    const st = this.store;
    if (st === null) return BLK_STS_OK;
    if (op === REQ_OP_WRITE_ZEROES || op === REQ_OP_DISCARD) st.zero(pos, bytes);
    else {
      const mem = rq.q.mem.bytes;
      const write = opIsWrite(op);
      forEachRequestSegment(rq, this.sg, (m, len, at) => st.xfer(mem, m, pos + at, len, write));
    }
    return BLK_STS_OK;
  }

  queueRq(rq: Request, last: boolean): number {
    if (this.busyLoopsPerIo > 0) {
      busySpin(this.busyLoopsPerIo);
      this.busyLoops += this.busyLoopsPerIo;
    }
    const status = this.handle(rq);
    this.stats.queued++;
    this.inFlight++;
    this.unannounced++;
    if (last) {
      this.stats.lastQueued++;
      this.doorbell();
    }
    rq.status = status;
    if (!this.poll) {
      this.endOne(rq, status);
      return BLK_STS_OK;
    }
    if (this.delayMs > 0) this.pushDue(performance.now() + this.delayMs);
    rq.rq_next = null;
    if (this.tail === null) this.head = rq;
    else this.tail.rq_next = rq;
    this.tail = rq;
    return BLK_STS_OK;
  }

  /** A doorbell: everything accepted since the previous one is announced. */
  doorbell(): void {
    this.stats.announced += this.unannounced;
    this.unannounced = 0;
  }

  /** blk_mq_ops.commit_rqs: the doorbell for a batch that ended on `last = false`. */
  commitRqs(): void {
    this.stats.commits++;
    this.doorbell();
  }

  endOne(rq: Request, status: number): void {
    this.inFlight--;
    this.stats.completed++;
    if (status !== BLK_STS_OK) this.stats.errors++;
    this.endRequest(rq, status);
  }

  /** Append a due time (the ring grows only if more requests are in flight than tags, never in steady state). */
  pushDue(t: number): void {
    const cap = this.due.length;
    if (this.dueLen === cap) {
      const d = new Float64Array(Math.max(2 * cap, 16));
      for (let i = 0; i < this.dueLen; i++) d[i] = this.due[(this.dueHead + i) % cap]!;
      this.due = d;
      this.dueHead = 0;
    }
    this.due[(this.dueHead + this.dueLen) % this.due.length] = t;
    this.dueLen++;
  }

  /** Due time of the head request (delay mode; the FIFO is not empty). */
  headDue(): number {
    return this.due[this.dueHead]!;
  }

  /**
   * End the requests that are done: all of them, or with a completion delay those due by now
   * (due times rise along the FIFO: one delay, one monotonic clock).
   */
  reap(): number {
    const delay = this.delayMs > 0;
    const now = delay && this.head !== null ? performance.now() : 0;
    let n = 0;
    while (this.head !== null) {
      if (delay) {
        if (this.headDue() > now) break;
        this.dueHead = (this.dueHead + 1) % this.due.length;
        this.dueLen--;
      }
      const rq = this.head;
      this.head = rq.rq_next;
      if (this.head === null) this.tail = null;
      rq.rq_next = null;
      this.endOne(rq, rq.status);
      n++;
    }
    return n;
  }

  /**
   * blk_mq_ops.wait: end what is done; with a completion delay, sleep until the head request is
   * due (Atomics.wait, then a spin of at most SPIN_MS) until `min` ended, nothing is left, or
   * `timeoutMs` passed.
   */
  wait(min: number, timeoutMs?: number): number {
    let n = this.reap();
    if (this.delayMs === 0) return n;
    const giveUp = timeoutMs === undefined ? Infinity : performance.now() + timeoutMs;
    while (n < min && this.head !== null) {
      const until = Math.min(this.headDue(), giveUp);
      sleepUntil(until);
      n += this.reap();
      if (until === giveUp) break;
    }
    return n;
  }

  /** blk_mq_ops.waitAsync: resolves when the head request is due (at once without a delay or with nothing queued). */
  waitAsync(): Promise<void> {
    if (this.delayMs === 0 || this.head === null) return Promise.resolve();
    const ms = this.headDue() - performance.now();
    return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, Math.ceil(ms)));
  }
}

/**
 * A null device. EINVAL for a size that is not a positive multiple of the block size, and for a
 * `completionNsec` / `cpuNsecPerIo` that is not an integer in range (or a delay with irqmode 'none').
 */
export function createNullDriver(opts: NullDriverOptions = {}): NullDriver {
  const bs = opts.blockSize ?? 512;
  const size = opts.sizeBytes ?? 2 ** 30;
  const depth = opts.queueDepth ?? 64;
  if (![512, 1024, 2048, 4096].includes(bs)) throw new BiopathError('EINVAL', `createNullDriver(blockSize): ${bs} is not 512, 1024, 2048 or 4096`);
  if (!Number.isSafeInteger(size) || size <= 0 || size % bs !== 0) {
    throw new BiopathError('EINVAL', `createNullDriver(sizeBytes): ${size} is not a positive multiple of ${bs}`);
  }
  if (!Number.isInteger(depth) || depth < 1 || depth > 4096) throw new BiopathError('EINVAL', `createNullDriver(queueDepth): ${depth} is not in 1..4096`);
  const completionNsec = nsecOption('completionNsec', opts.completionNsec, NULL_COMPLETION_NSEC_MAX);
  const cpuNsec = nsecOption('cpuNsecPerIo', opts.cpuNsecPerIo, NULL_CPU_NSEC_MAX);
  const poll = opts.irqmode === 'poll';
  if (completionNsec > 0 && !poll) {
    throw new BiopathError('EINVAL', `createNullDriver(completionNsec): ${completionNsec} needs irqmode 'poll' (null_blk: completion_nsec needs irqmode=2); irqmode 'none' ends requests inside queueRq`);
  }
  const loopsPerIo = cpuNsec > 0 ? Math.max(1, Math.round(cpuNsec * busyLoopsPerNsec())) : 0;
  const q = new NullQueue(size, poll, opts.memoryBacked ?? false, completionNsec, loopsPerIo, depth);
  const ops: BlkMqOps = {
    queueRq: (_h, rq, last) => q.queueRq(rq, last),
    commitRqs: () => q.commitRqs(),
    poll: () => q.reap(),
    wait: (_h, min, timeoutMs) => q.wait(min, timeoutMs),
    waitAsync: () => q.waitAsync(),
  };
  const limits: Partial<QueueLimits> = {
    logical_block_size: bs, physical_block_size: bs, max_hw_sectors: 2560, max_segments: 256,
    max_write_zeroes_sectors: 2560, max_hw_discard_sectors: 2 ** 22, discard_granularity: bs, features: BLK_FEAT_WRITE_CACHE,
  };
  return {
    name: 'null', ops, set: blkMqAllocTagSet({ ops, queue_depth: depth }), limits, queueDepth: depth,
    capacitySectors: size / 512, sizeBytes: size, stats: q.stats,
    setEndRequest: (fn) => { q.endRequest = fn; },
    inFlight: () => q.inFlight,
    completionNsec, cpuNsecPerIo: cpuNsec, busyLoopsPerIo: loopsPerIo,
    busyLoops: () => q.busyLoops,
    close: () => {
      if (q.inFlight > 0) throw new BiopathError('EBUSY', `null close(): ${q.inFlight} requests in flight`);
      q.store?.pages.clear();
    },
  };
}
