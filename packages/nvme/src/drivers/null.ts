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

  constructor(readonly capacityBytes: number, readonly poll: boolean, memoryBacked: boolean) {
    this.sg = new SgTable(256);
    this.store = memoryBacked ? new NullStore() : null;
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

  reap(): number {
    let n = 0;
    while (this.head !== null) {
      const rq = this.head;
      this.head = rq.rq_next;
      if (this.head === null) this.tail = null;
      rq.rq_next = null;
      this.endOne(rq, rq.status);
      n++;
    }
    return n;
  }
}

/** A null device. EINVAL for a size that is not a positive multiple of the block size. */
export function createNullDriver(opts: NullDriverOptions = {}): BlkDriver {
  const bs = opts.blockSize ?? 512;
  const size = opts.sizeBytes ?? 2 ** 30;
  const depth = opts.queueDepth ?? 64;
  if (![512, 1024, 2048, 4096].includes(bs)) throw new BiopathError('EINVAL', `createNullDriver(blockSize): ${bs} is not 512, 1024, 2048 or 4096`);
  if (!Number.isSafeInteger(size) || size <= 0 || size % bs !== 0) {
    throw new BiopathError('EINVAL', `createNullDriver(sizeBytes): ${size} is not a positive multiple of ${bs}`);
  }
  if (!Number.isInteger(depth) || depth < 1 || depth > 4096) throw new BiopathError('EINVAL', `createNullDriver(queueDepth): ${depth} is not in 1..4096`);
  const q = new NullQueue(size, opts.irqmode === 'poll', opts.memoryBacked ?? false);
  const ops: BlkMqOps = {
    queueRq: (_h, rq, last) => q.queueRq(rq, last),
    commitRqs: () => q.commitRqs(),
    poll: () => q.reap(),
    wait: () => q.reap(),
    waitAsync: () => Promise.resolve(),
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
    close: () => {
      if (q.inFlight > 0) throw new BiopathError('EBUSY', `null close(): ${q.inFlight} requests in flight`);
      q.store?.pages.clear();
    },
  };
}
