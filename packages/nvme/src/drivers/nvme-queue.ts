/**
 * The `nvme` driver's hardware queue: requests become NVMe commands (Read/Write/Flush/Write
 * Zeroes/DSM) sent as `nvme_uring_cmd` through `IORING_OP_URING_CMD` on `/dev/ngXnY`. Each
 * request's DMA segments are planned (map-plan.ts): one command when PRP- (or SGL-) expressible
 * within MDTS, several when split, a bounce copy when neither works. A one-piece command carries
 * addr/data_len (NVME_URING_CMD_IO); several pieces an iovec array in this driver's arena area
 * (NVME_URING_CMD_IO_VEC). The kernel builds the real PRPs; with `recordDptr` the driver also
 * builds the spec PRP list/SGL it models into per-tag list pages, so tools can inspect them.
 * @kernel drivers/nvme/host/pci.c nvme_queue_rq(), nvme_map_data(); drivers/nvme/host/core.c nvme_setup_cmd()
 */
import {
  BLK_STS_DEV_RESOURCE, BLK_STS_IOERR, BLK_STS_NOTSUPP, BLK_STS_OK, REQ_FUA, REQ_NOUNMAP, REQ_OP_DISCARD, REQ_OP_FLUSH,
  REQ_OP_READ, REQ_OP_WRITE, REQ_OP_WRITE_ZEROES, REQ_PREFLUSH, SgTable, blkRqBytes, blkRqMapSg, blkRqPos, reqOp,
} from '@biopath/block';
import type { Request } from '@biopath/block';
import { warnOnOnce } from '@biopath/native';
import { putIovec, prepUringCmd, sqeCmdOffset, sqeSetData, sqeSetFlags, IOSQE_IO_LINK } from '@biopath/uring';
import { UringQueue, rqUserData } from '../internal/uring-queue.ts';
import { rqCopyFromBuffer, rqCopyToBuffer } from '../internal/rq-data.ts';
import { NvmeMapPlan, nvmeMapPlan } from '../map-plan.ts';
import type { NvmeMapLimits } from '../map-plan.ts';
import {
  nvmeCommandAlloc, nvmeCommandWrite, nvmeDsmRangePut, nvmeSetupDsm, nvmeSetupFlush, nvmeSetupRw, nvmeSetupWriteZeroes,
} from '../nvme-command.ts';
import type { NvmeCommand } from '../nvme-command.ts';
import {
  NVME_RW_FUA, NVME_URING_CMD_IO, NVME_URING_CMD_IO_VEC, NVME_WZ_DEAC, nvme_cmd_read, nvme_cmd_write,
} from '../nvme-defs.ts';
import { nvmeUringCmdPut } from '../nvme-uring-cmd.ts';
import { nvmeUringResToBlkStatus, nvmeStatusString } from '../nvme-status.ts';
import { nvmePciSetupPrps, prpResultAlloc } from '../prp.ts';
import { nvmePciSetupSgls } from '../sgl.ts';
import { NvmeLayout, NvmePdu } from './nvme-layout.ts';

/** The last controller error seen (for messages and tests). */
export interface NvmeLastError {
  /** `cqe->res`: NVMe status (positive) or -errno. */
  res: number;
  text: string;
  op: number;
  sector: number;
}

export class NvmeQueue extends UringQueue {
  readonly sg: SgTable;
  readonly plan: NvmeMapPlan;
  readonly cmd: NvmeCommand = nvmeCommandAlloc();
  readonly pieceIova: Float64Array;
  readonly pieceLen: Uint32Array;
  readonly prpRes = prpResultAlloc();
  lastError: NvmeLastError | null = null;

  constructor(
    readonly fd: number, readonly nsid: number, readonly lim: NvmeMapLimits, readonly lay: NvmeLayout,
    readonly deac: boolean, readonly recordDptr: boolean,
  ) {
    super({ entries: Math.min(4096, lay.depth * (lay.maxChunks + 1)), sqe128: true });
    this.sg = new SgTable(lim.maxSegs * lay.maxChunks);
    this.plan = new NvmeMapPlan(lay.maxChunks);
    this.pieceIova = new Float64Array(lim.maxSegs + 1);
    this.pieceLen = new Uint32Array(lim.maxSegs + 1);
  }

  queueRq(rq: Request, last: boolean): number {
    const op = reqOp(rq.cmd_flags);
    let st: number;
    if (op === REQ_OP_READ || op === REQ_OP_WRITE) st = this.queueRw(rq, op);
    else if (op === REQ_OP_FLUSH) st = this.queueNoData(rq, 0);
    else if (op === REQ_OP_WRITE_ZEROES) st = this.queueNoData(rq, 1);
    else if (op === REQ_OP_DISCARD) st = this.queueDiscard(rq);
    else st = BLK_STS_NOTSUPP;
    if (st === BLK_STS_DEV_RESOURCE) this.stats.busy++;
    if (last || st !== BLK_STS_OK) this.kick();
    return st;
  }

  begin(rq: Request, sqes: number): NvmePdu {
    const pdu = rq.driver_data as NvmePdu;
    pdu.pending = sqes;
    pdu.status = BLK_STS_OK;
    pdu.res = 0;
    pdu.iovNext = 0;
    this.accepted(sqes);
    return pdu;
  }

  /** Stage one URING_CMD for `this.cmd` with data at addr/len. */
  stage(rq: Request, cmdOp: number, addr: number, len: number, link = false): void {
    const r = this.ring;
    const s = r.getSqe();
    prepUringCmd(r, s, cmdOp, this.fd);
    nvmeUringCmdPut(r.sqU32, sqeCmdOffset(r, s) >> 2, this.cmd, addr, len);
    sqeSetData(r, s, rqUserData(rq));
    if (link) sqeSetFlags(r, s, IOSQE_IO_LINK);
  }

  queueRw(rq: Request, op: number): number {
    const n = blkRqMapSg(rq, this.sg);
    if (n <= 0) return BLK_STS_IOERR;
    const nchunks = nvmeMapPlan(this.sg.iova, this.sg.len, n, this.lim, this.plan);
    if (warnOnOnce(nchunks < 0, `nvme: request of ${blkRqBytes(rq)} bytes exceeds what the driver can map`)) return BLK_STS_IOERR;
    const pdu = rq.driver_data as NvmePdu;
    if (this.plan.bounce) {
      if (warnOnOnce(blkRqBytes(rq) > this.lay.maxBytes, 'nvme: bounce of a request larger than max_hw_sectors')) return BLK_STS_IOERR;
      if (!this.lay.takeBounce(pdu)) return BLK_STS_DEV_RESOURCE;
    }
    const flush = op === REQ_OP_WRITE && (rq.cmd_flags & REQ_PREFLUSH) !== 0 ? 1 : 0;
    if (!this.reserve(nchunks + flush)) {
      this.lay.putBounce(pdu);
      return BLK_STS_DEV_RESOURCE;
    }
    this.begin(rq, nchunks + flush);
    if (nchunks > 1) this.stats.splits++;
    if (this.plan.bounce) {
      this.stats.bounces++;
      if (op === REQ_OP_WRITE) rqCopyToBuffer(rq, this.sg, this.lay.bounceBytes(pdu));
    }
    if (flush) {
      nvmeSetupFlush(this.cmd, this.nsid);
      this.stage(rq, NVME_URING_CMD_IO, 0, 0, true);
    }
    const control = op === REQ_OP_WRITE && (rq.cmd_flags & REQ_FUA) !== 0 ? NVME_RW_FUA : 0;
    const slba0 = (blkRqPos(rq) * 512) / this.lim.lbaSize;
    let done = 0;
    for (let k = 0; k < nchunks; k++) {
      const bytes = this.plan.bytes[k]!;
      nvmeSetupRw(this.cmd, op === REQ_OP_WRITE ? nvme_cmd_write : nvme_cmd_read, this.nsid, slba0 + done / this.lim.lbaSize, bytes / this.lim.lbaSize, control);
      this.stageChunk(rq, pdu, k, flush === 1 && k < nchunks - 1);
      done += bytes;
    }
    return BLK_STS_OK;
  }

  /** Gather chunk k's pieces, record the modelled DPTR if asked, and stage it (`link`: behind a PREFLUSH). */
  stageChunk(rq: Request, pdu: NvmePdu, k: number, link: boolean): void {
    const p = this.plan;
    let n: number;
    if (p.bounce) {
      this.pieceIova[0] = this.lay.bounceIova(pdu) + p.off[k]!;
      this.pieceLen[0] = p.bytes[k]!;
      n = 1;
    } else {
      n = this.gather(k);
    }
    if (this.recordDptr && k === 0) this.record(rq, pdu, n);
    if (n === 1) return this.stage(rq, NVME_URING_CMD_IO, this.pieceIova[0]!, this.pieceLen[0]!, link);
    const base = pdu.iovByte + this.lay.iovUsed(pdu, n);
    for (let i = 0; i < n; i++) putIovec(this.lay.area.u32, (base >> 2) + i * 4, this.pieceIova[i]!, this.pieceLen[i]!);
    this.stage(rq, NVME_URING_CMD_IO_VEC, this.lay.area.iova(base), n, link);
    this.stats.vectoredSqes++;
  }

  /** Chunk k's segment pieces into pieceIova/pieceLen; returns the count. */
  gather(k: number): number {
    const p = this.plan;
    let seg = p.seg[k]!;
    let off = p.off[k]!;
    let left = p.bytes[k]!;
    let n = 0;
    while (left > 0) {
      const take = Math.min(left, this.sg.len[seg]! - off);
      this.pieceIova[n] = this.sg.iova[seg]! + off;
      this.pieceLen[n++] = take;
      left -= take;
      seg++;
      off = 0;
    }
    return n;
  }

  /** The spec DPTR (PRPs, or an SGL when the plan says so) of the first command, into the tag's record area. */
  record(rq: Request, pdu: NvmePdu, n: number): void {
    const area = this.lay.listArea(pdu);
    const rc = this.plan.sgl
      ? nvmePciSetupSgls(this.cmd, this.pieceIova, this.pieceLen, n, area, this.lim.sgl === 'dword')
      : nvmePciSetupPrps(this.cmd, this.pieceIova, this.pieceLen, n, area, this.prpRes);
    warnOnOnce(rc < 0, `nvme: planned command is not expressible (rc ${rc}, tag ${rq.tag})`);
    nvmeCommandWrite(this.cmd, this.lay.area.u8, pdu.sqeImageByte);
  }

  /** FLUSH (kind 0) or WRITE_ZEROES (kind 1): no data. */
  queueNoData(rq: Request, kind: number): number {
    if (!this.reserve(1)) return BLK_STS_DEV_RESOURCE;
    this.begin(rq, 1);
    if (kind === 0) nvmeSetupFlush(this.cmd, this.nsid);
    else {
      const flags = (rq.cmd_flags & REQ_NOUNMAP) === 0 && this.deac ? NVME_WZ_DEAC : 0;
      nvmeSetupWriteZeroes(this.cmd, this.nsid, (blkRqPos(rq) * 512) / this.lim.lbaSize, blkRqBytes(rq) / this.lim.lbaSize, flags);
    }
    this.stage(rq, NVME_URING_CMD_IO, 0, 0);
    return BLK_STS_OK;
  }

  /** DISCARD as Dataset Management / Deallocate with one range from the tag's range page. */
  queueDiscard(rq: Request): number {
    if (!this.reserve(1)) return BLK_STS_DEV_RESOURCE;
    const pdu = this.begin(rq, 1);
    nvmeDsmRangePut(this.lay.area.u32, pdu.dsmByte >> 2, 0, (blkRqPos(rq) * 512) / this.lim.lbaSize, blkRqBytes(rq) / this.lim.lbaSize);
    nvmeSetupDsm(this.cmd, this.nsid, 1);
    this.stage(rq, NVME_URING_CMD_IO, this.lay.area.iova(pdu.dsmByte), 16);
    return BLK_STS_OK;
  }

  protected complete(rq: Request, res: number): number {
    const pdu = rq.driver_data as NvmePdu;
    if (res !== 0 && pdu.status === BLK_STS_OK) {
      pdu.status = nvmeUringResToBlkStatus(res);
      pdu.res = res;
      this.lastError = { res, text: res > 0 ? nvmeStatusString(res) : `errno ${-res}`, op: reqOp(rq.cmd_flags), sector: blkRqPos(rq) };
    }
    if (--pdu.pending > 0) return 0;
    if (pdu.bounce >= 0) {
      if (pdu.status === BLK_STS_OK && reqOp(rq.cmd_flags) === REQ_OP_READ) rqCopyFromBuffer(rq, this.sg, this.lay.bounceBytes(pdu));
      this.lay.putBounce(pdu);
    }
    this.end(rq, pdu.status);
    return 1;
  }
}
