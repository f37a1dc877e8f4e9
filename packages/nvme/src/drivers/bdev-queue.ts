/**
 * The `bdev` driver's hardware queue. A request is one SQE (plus a linked FSYNC for PREFLUSH):
 * DMA-adjacent segments are joined first, then io_uring READ/WRITE for one contiguous range,
 * READ_FIXED/WRITE_FIXED for one range inside the registered MemMap (`fixedBuffers`), or
 * READV/WRITEV for several (the iovec array lives in arena memory this driver owns, one slice per
 * tag) on an O_DIRECT fd of any block
 * device or image file. FLUSH is an FSYNC; PREFLUSH links one before the write; FUA is RWF_DSYNC;
 * WRITE_ZEROES writes from a zero page. One `io_uring_enter` per batch.
 * @kernel drivers/block/loop.c lo_rw_aio() (the closest kernel twin: a request as a file IO)
 */
import {
  BLK_STS_DEV_RESOURCE, BLK_STS_IOERR, BLK_STS_NOTSUPP, BLK_STS_OK, REQ_FUA, REQ_OP_FLUSH, REQ_OP_READ, REQ_OP_WRITE,
  REQ_OP_WRITE_ZEROES, REQ_PREFLUSH, SgTable, blkRqBytes, blkRqMapSg, blkRqPos, errnoToBlkStatus, reqOp,
} from '@biopath/block';
import type { Request } from '@biopath/block';
import { PAGE_SIZE, type MemMap } from '@biopath/mm';
import {
  IORING_OP_READ, IORING_OP_READV, IORING_OP_READ_FIXED, IORING_OP_WRITE, IORING_OP_WRITEV, IORING_OP_WRITE_FIXED,
  IOSQE_IO_LINK, SQE_BUF_INDEX, prepFsync, prepRw, putIovec, sqeSetData, sqeSetFlags, sqeSetOpFlags,
} from '@biopath/uring';
import { UringQueue, rqUserData } from '../internal/uring-queue.ts';
import { DriverArea, IOVEC_BYTES } from '../internal/tag-area.ts';
import { zeroFillRequestTail } from '../internal/rq-data.ts';
import { sgCoalesce } from '../internal/sg-coalesce.ts';

/** RWF_DSYNC: the write is durable when it completes (REQ_FUA). */
const RWF_DSYNC = 0x2;
/** io_uring's largest registered buffer. */
const MAX_FIXED_BUF = 1 << 30;

export interface BdevDriverOptions {
  /** Block device or image file. Opened O_DIRECT. */
  path: string;
  /** The frames bios will name (registered as fixed buffers with `fixedBuffers`). */
  mem: MemMap;
  /** Tags (requests in flight). Default 64. */
  queueDepth?: number;
  /** Register the MemMap: a request that is one contiguous range becomes READ_FIXED/WRITE_FIXED; several ranges still go as one READV/WRITEV. */
  fixedBuffers?: boolean;
  /** Always READV/WRITEV, even for one segment (default: READ/WRITE for one). */
  alwaysVectored?: boolean;
  /** Open read-only. */
  readOnly?: boolean;
  /** SQPOLL idle time (ms): the kernel polls the SQ; submits become free. */
  sqpollIdleMs?: number;
  /** IORING_SETUP_SINGLE_ISSUER: only the creating thread submits (it always is here). */
  singleIssuer?: boolean;
  /** IORING_SETUP_DEFER_TASKRUN (needs `singleIssuer`, not SQPOLL): completions run when this thread enters the ring to wait. */
  deferTaskrun?: boolean;
  /**
   * Ring the doorbell at the next poll/wait instead of at `last` (submit and wait in one
   * io_uring_enter, as fio's and liburing's loops do); `commitRqs`, a busy ring and errors still
   * submit at once. Default false: the doorbell rings at `last`, as block's contract says.
   */
  deferDoorbell?: boolean;
}

/** Per-tag state (the request's PDU). */
export class BdevPdu {
  pending = 0;
  status = 0;
  done = 0;
  expect = 0;
  constructor(readonly iovByte: number) {}
}

export class BdevQueue extends UringQueue {
  readonly sg: SgTable;
  readonly area: DriverArea;
  readonly zeroPageIova: number;
  fixedBufs = 0;
  constructor(
    readonly fd: number, readonly mem: MemMap, readonly depth: number, readonly iovCap: number,
    readonly lbs: number, readonly capacityBytes: number, readonly opts: BdevDriverOptions,
  ) {
    super({ entries: depth * 2, sqpollIdleMs: opts.sqpollIdleMs, singleIssuer: opts.singleIssuer, deferTaskrun: opts.deferTaskrun });
    this.deferDoorbell = opts.deferDoorbell ?? false;
    this.sg = new SgTable(iovCap);
    this.area = new DriverArea(depth * iovCap * IOVEC_BYTES + PAGE_SIZE);
    this.zeroPageIova = this.area.iova(this.area.region.size - PAGE_SIZE);
  }

  registerFixed(): void {
    const base = this.mem.region.iova;
    const bufs: { iova: number; len: number }[] = [];
    for (let off = 0; off < this.mem.region.size; off += MAX_FIXED_BUF) {
      bufs.push({ iova: base + off, len: Math.min(MAX_FIXED_BUF, this.mem.region.size - off) });
    }
    this.ring.registerBuffers(bufs);
    this.fixedBufs = bufs.length;
  }

  /** Registered buffer holding [iova, iova+len), or -1. */
  fixedIndex(iova: number, len: number): number {
    if (this.fixedBufs === 0) return -1;
    const off = iova - this.mem.region.iova;
    const k = Math.floor(off / MAX_FIXED_BUF);
    return k < this.fixedBufs && off + len <= (k + 1) * MAX_FIXED_BUF ? k : -1;
  }

  queueRq(rq: Request, last: boolean): number {
    const op = reqOp(rq.cmd_flags);
    let st: number;
    if (op === REQ_OP_READ || op === REQ_OP_WRITE) st = this.queueRw(rq, op);
    else if (op === REQ_OP_FLUSH) st = this.queueFlush(rq);
    else if (op === REQ_OP_WRITE_ZEROES) st = this.queueZeroes(rq);
    else st = BLK_STS_NOTSUPP;
    if (st === BLK_STS_DEV_RESOURCE) this.stats.busy++;
    if ((last && !this.deferDoorbell) || st !== BLK_STS_OK) this.kick();
    return st;
  }

  /** Stage the linked FSYNC that implements REQ_PREFLUSH. */
  preflush(rq: Request): void {
    const s = this.ring.getSqe();
    prepFsync(this.ring, s, this.fd, 0);
    sqeSetFlags(this.ring, s, IOSQE_IO_LINK);
    sqeSetData(this.ring, s, rqUserData(rq));
  }

  begin(rq: Request, sqes: number, expect: number): BdevPdu {
    const pdu = rq.driver_data as BdevPdu;
    pdu.pending = sqes;
    pdu.status = BLK_STS_OK;
    pdu.done = 0;
    pdu.expect = expect;
    this.accepted(sqes);
    return pdu;
  }

  /**
   * READ/WRITE: map the request (block's segments), join DMA-adjacent segments (`sgCoalesce`),
   * then one contiguous range is one READ/WRITE SQE (READ_FIXED/WRITE_FIXED when it lies in a
   * registered buffer) and several ranges are one READV/WRITEV SQE over an iovec array — never
   * one SQE per page or per segment. PREFLUSH adds one linked FSYNC in front.
   */
  queueRw(rq: Request, op: number): number {
    if (blkRqMapSg(rq, this.sg) <= 0) return BLK_STS_IOERR;
    sgCoalesce(this.sg);
    const flush = op === REQ_OP_WRITE && (rq.cmd_flags & REQ_PREFLUSH) !== 0 ? 1 : 0;
    if (!this.reserve(flush + 1)) return BLK_STS_DEV_RESOURCE;
    const pdu = this.begin(rq, flush + 1, blkRqBytes(rq));
    if (flush) this.preflush(rq);
    const rwFlags = op === REQ_OP_WRITE && (rq.cmd_flags & REQ_FUA) !== 0 ? RWF_DSYNC : 0;
    this.prepOne(rq, op, blkRqPos(rq) * 512, rwFlags, pdu);
    return BLK_STS_OK;
  }

  prepOne(rq: Request, op: number, pos: number, rwFlags: number, pdu: BdevPdu): void {
    const r = this.ring;
    const s = r.getSqe();
    const sg = this.sg;
    const write = op === REQ_OP_WRITE;
    const buf = sg.nents === 1 ? this.fixedIndex(sg.iova[0]!, sg.len[0]!) : -1;
    if (sg.nents === 1 && buf >= 0) {
      prepRw(r, s, write ? IORING_OP_WRITE_FIXED : IORING_OP_READ_FIXED, this.fd, sg.iova[0]!, sg.len[0]!, pos);
      r.sqU16[(s * r.sqeSize + SQE_BUF_INDEX) >> 1] = buf;
      this.stats.fixedSqes++;
    } else if (sg.nents === 1 && !this.opts.alwaysVectored) {
      prepRw(r, s, write ? IORING_OP_WRITE : IORING_OP_READ, this.fd, sg.iova[0]!, sg.len[0]!, pos);
    } else {
      const w = pdu.iovByte >> 2;
      for (let i = 0; i < sg.nents; i++) putIovec(this.area.u32, w + i * 4, sg.iova[i]!, sg.len[i]!);
      prepRw(r, s, write ? IORING_OP_WRITEV : IORING_OP_READV, this.fd, this.area.iova(pdu.iovByte), sg.nents, pos);
      this.stats.vectoredSqes++;
    }
    if (rwFlags) sqeSetOpFlags(r, s, rwFlags);
    sqeSetData(r, s, rqUserData(rq));
  }

  queueFlush(rq: Request): number {
    if (!this.reserve(1)) return BLK_STS_DEV_RESOURCE;
    this.begin(rq, 1, 0);
    const s = this.ring.getSqe();
    prepFsync(this.ring, s, this.fd, 0);
    sqeSetData(this.ring, s, rqUserData(rq));
    return BLK_STS_OK;
  }

  /** WRITE_ZEROES as WRITEV of the zero page (the kernel's __blkdev_issue_zero_pages()). */
  queueZeroes(rq: Request): number {
    const bytes = blkRqBytes(rq);
    const nvec = Math.ceil(bytes / PAGE_SIZE);
    if (nvec > this.iovCap) return BLK_STS_IOERR;
    if (!this.reserve(1)) return BLK_STS_DEV_RESOURCE;
    const pdu = this.begin(rq, 1, bytes);
    const w = pdu.iovByte >> 2;
    for (let i = 0; i < nvec; i++) putIovec(this.area.u32, w + i * 4, this.zeroPageIova, Math.min(PAGE_SIZE, bytes - i * PAGE_SIZE));
    const s = this.ring.getSqe();
    prepRw(this.ring, s, IORING_OP_WRITEV, this.fd, this.area.iova(pdu.iovByte), nvec, blkRqPos(rq) * 512);
    sqeSetData(this.ring, s, rqUserData(rq));
    this.stats.vectoredSqes++;
    return BLK_STS_OK;
  }

  protected complete(rq: Request, res: number): number {
    const pdu = rq.driver_data as BdevPdu;
    if (res < 0) {
      if (pdu.status === BLK_STS_OK) pdu.status = errnoToBlkStatus(res);
    } else {
      pdu.done += res;
    }
    if (--pdu.pending > 0) return 0;
    let status = pdu.status;
    if (status === BLK_STS_OK && pdu.done < pdu.expect) status = this.shortCompletion(rq, pdu.done);
    this.end(rq, status);
    return 1;
  }

  /** A short transfer: a read that ran past the end of the device reads zeroes there (as loop does); anything else is an I/O error. */
  shortCompletion(rq: Request, done: number): number {
    const end = blkRqPos(rq) * 512 + blkRqBytes(rq);
    if (reqOp(rq.cmd_flags) === REQ_OP_READ && end > this.capacityBytes) {
      zeroFillRequestTail(rq, this.sg, done);
      return BLK_STS_OK;
    }
    return BLK_STS_IOERR;
  }
}

