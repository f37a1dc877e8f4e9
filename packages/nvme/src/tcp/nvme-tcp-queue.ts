/**
 * The host queue: allocation over a socket, the ICReq/ICResp exchange, queueing a command (its
 * capsule, in-capsule data for small writes, the transport SGL), and failing everything when the
 * connection breaks.
 * @kernel drivers/nvme/host/tcp.c
 */
import { createIovIter, iovIterBvec, type BioVec, ITER_DEST, ITER_SOURCE } from '@biopath/iov-iter';
import type { MemMap } from '@biopath/mm';
import { BiopathError } from '@biopath/native';
import { nvmeCommandAlloc, nvmeCommandWrite, nvmeFlags, nvmePut64, type NvmeCommand } from '../nvme-command.ts';
import { NVME_CMD_SGL_METABUF, NVME_COMMAND_SIZE, NVME_SGL_FMT_DATA_DESC, NVME_TRANSPORT_SGL_DATA_DESC } from '../nvme-defs.ts';
import { nvmfFctype } from './nvme-fabrics.ts';
import {
  NVME_SGL_FMT_OFFSET, NVME_SGL_FMT_TRANSPORT_A, NVME_TCP_ADMIN_CCSZ, NVME_TCP_CMD_HLEN, NVME_TCP_DIGEST_LENGTH,
  NVME_TCP_IC_SIZE, nvme_fabrics_type_connect,
} from './nvme-tcp-defs.ts';
import { nvmeTcpCmdPduPut, nvmeTcpDataHdrGet, nvmeTcpHdrAlloc, nvmeTcpIcreqPut } from './nvme-tcp-pdu.ts';
import { nvmeTcpRecv } from './nvme-tcp-recv.ts';
import { H2C_SLOT, nvmeTcpSendData } from './nvme-tcp-send.ts';
import type { NvmeTcpSocket } from './nvme-tcp-socket.ts';
import { NVME_TCP_RECV_PDU, type NvmeTcpDone, type NvmeTcpQueue, type NvmeTcpRequest } from './nvme-tcp-types.ts';

/** Options of {@link nvmeTcpAllocQueue}. */
export interface NvmeTcpQueueOpts {
  qid: number;
  sock: NvmeTcpSocket;
  mem: MemMap;
  /** Tags (1..65535). */
  queueDepth: number;
  hdgst?: boolean;
  ddgst?: boolean;
  /** Capsule length for in-capsule data (default: 64 + 8192 on the admin queue, 64 on IO queues until Identify sets IOCCSZ * 16). */
  cmndCapsuleLen?: number;
}

function nvmeTcpRequestAlloc(tag: number): NvmeTcpRequest {
  return {
    tag, busy: false, cmd: nvmeCommandAlloc(), pdu: new Uint8Array(NVME_TCP_CMD_HLEN + NVME_TCP_DIGEST_LENGTH + 128),
    h2cHdrs: new Uint8Array(H2C_SLOT), ddgsts: new Uint8Array(NVME_TCP_DIGEST_LENGTH), iter: createIovIter(), dataLen: 0, write: false, dataRecvd: 0, dataSent: 0, status: 0, done: null,
  };
}

/**
 * A queue over a connected socket, with `queueDepth` preallocated requests; receives start at
 * once. Throws `EINVAL` for a bad depth or qid.
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_alloc_queue()
 */
export function nvmeTcpAllocQueue(o: NvmeTcpQueueOpts): NvmeTcpQueue {
  if (!Number.isInteger(o.queueDepth) || o.queueDepth < 1 || o.queueDepth > 65535) {
    throw new BiopathError('EINVAL', `nvmeTcpAllocQueue(queueDepth): ${o.queueDepth} is not an integer in 1..65535`);
  }
  if (!Number.isInteger(o.qid) || o.qid < 0 || o.qid > 65534) throw new BiopathError('EINVAL', `nvmeTcpAllocQueue(qid): ${o.qid} is not in 0..65534`);
  const rqs: NvmeTcpRequest[] = [];
  for (let t = 0; t < o.queueDepth; t++) rqs.push(nvmeTcpRequestAlloc(t));
  const q: NvmeTcpQueue = {
    qid: o.qid, sock: o.sock, mem: o.mem, state: 'new', rqs, nrBusy: 0, hdgst: o.hdgst ?? false, ddgst: o.ddgst ?? false,
    cpda: 0, maxh2cdata: 0,
    cmndCapsuleLen: o.cmndCapsuleLen ?? (o.qid === 0 ? NVME_COMMAND_SIZE + NVME_TCP_ADMIN_CCSZ : NVME_COMMAND_SIZE),
    rcvState: NVME_TCP_RECV_PDU, rbuf: new Uint8Array(512), rbufOff: 0, rbufNeed: 8, hdr: nvmeTcpHdrAlloc(),
    dataHdr: nvmeTcpDataHdrGet(new Uint8Array(24), 0, { commandId: 0, ttag: 0, offset: 0, length: 0 }), dataRemaining: 0,
    curReq: null, curFlags: 0, ddgstCrc: 0, ddgstBuf: new Uint8Array(4), ddgstOff: 0, icDone: null, error: null,
    stats: { cmds: 0, inlineWrites: 0, r2ts: 0, h2cPdus: 0, c2hPdus: 0, c2hBytes: 0, responses: 0, ddgstErrors: 0 },
  };
  o.sock.onData = (chunk) => nvmeTcpRecv(q, chunk);
  o.sock.onClose = (err) => nvmeTcpFailQueue(q, new BiopathError('ECONNRESET', `nvme-tcp queue ${q.qid}: connection closed${err ? ` (${err.message})` : ''}`));
  return q;
}

/**
 * Exchange ICReq/ICResp: ask for the digests the queue was created with, HPDA 0, MAXR2T 0 (one
 * R2T at a time); resolve when the ICResp checks out (PFV 0, the same digests, CPDA ≤ 31,
 * MAXH2CDATA ≥ 4096 and a multiple of 4), reject with `BiopathError` `EPROTO` naming the field
 * otherwise, `ECONNRESET` if the connection ends first.
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_init_connection()
 */
export function nvmeTcpInitConnection(q: NvmeTcpQueue): Promise<void> {
  if (q.state !== 'new') return Promise.reject(new BiopathError('EINVAL', `nvmeTcpInitConnection(q): queue ${q.qid} is ${q.state}`));
  return new Promise((resolve, reject) => {
    q.state = 'icreq';
    q.icDone = (err) => { q.icDone = null; if (err) reject(err); else resolve(); };
    const icreq = new Uint8Array(NVME_TCP_IC_SIZE);
    nvmeTcpIcreqPut(icreq, 0, { hpda: 0, hdgst: q.hdgst, ddgst: q.ddgst, maxr2t: 0 });
    q.sock.write(icreq);
  });
}

/** In-capsule data limit of a command on this queue: the capsule minus the SQE. @kernel drivers/nvme/host/tcp.c nvme_tcp_inline_data_size() */
function nvmeTcpInlineDataSize(q: NvmeTcpQueue): number {
  return q.cmndCapsuleLen - NVME_COMMAND_SIZE;
}

/**
 * The transport SGL in DPTR: an in-capsule Data Block (offset 0, subtype "offset"), or a Transport
 * Data Block the controller moves by C2HData/R2T (also used, with length 0, when there is no data).
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_set_sg_inline() / nvme_tcp_set_sg_host_data() / nvme_tcp_set_sg_null()
 */
function nvmeTcpSetSg(cmd: NvmeCommand, len: number, inline: boolean): void {
  cmd[0] = (cmd[0]! & 0xffff00ff) | (((nvmeFlags(cmd) & ~0xc0) | NVME_CMD_SGL_METABUF) << 8);
  nvmePut64(cmd, 6, 0);
  cmd[8] = len >>> 0;
  const type = inline ? (NVME_SGL_FMT_DATA_DESC << 4) | NVME_SGL_FMT_OFFSET : (NVME_TRANSPORT_SGL_DATA_DESC << 4) | NVME_SGL_FMT_TRANSPORT_A;
  cmd[9] = (type << 24) >>> 0;
}

/** The first free tag, or -1. */
function nvmeTcpGetTag(q: NvmeTcpQueue): number {
  for (let t = 0; t < q.rqs.length; t++) if (!q.rqs[t]!.busy) return t;
  return -1;
}

/**
 * Queue command `cmd` (already set up: opcode, NSID, CDWs; the command identifier and DPTR are
 * filled here) moving `dataLen` bytes of `bvec` — into them for a read (`write` false), out of them
 * for a write. A write within the queue's in-capsule limit (and every Fabrics Connect) travels in
 * the capsule; a larger one waits for R2Ts. `done` runs exactly once (see `NvmeTcpDone`). The
 * pages must stay allocated until then. Returns the tag; `-EBUSY` when every tag is in use,
 * `-EIO` when the queue is not live (done is not called then). Throws `EINVAL` when `dataLen`
 * exceeds the bvecs.
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_queue_rq() + nvme_tcp_setup_cmd_pdu()
 */
export function nvmeTcpQueueRq(
  q: NvmeTcpQueue, cmd: NvmeCommand, bvec: readonly BioVec[], nrSegs: number, dataLen: number, write: boolean, done: NvmeTcpDone,
): number {
  if (q.state !== 'live') return -5;
  const tag = nvmeTcpGetTag(q);
  if (tag < 0) return -16;
  const req = q.rqs[tag]!;
  iovIterBvec(req.iter, write ? ITER_SOURCE : ITER_DEST, q.mem, bvec, nrSegs, dataLen);
  req.cmd.set(cmd);
  req.cmd[0] = (req.cmd[0]! & 0xffff) | (tag << 16);
  const isConnect = nvmfFctype(cmd) === nvme_fabrics_type_connect;
  const inline = write && dataLen > 0 && (dataLen <= nvmeTcpInlineDataSize(q) || isConnect);
  nvmeTcpSetSg(req.cmd, dataLen, inline);
  req.busy = true;
  req.dataLen = dataLen;
  req.write = write;
  req.dataRecvd = 0;
  req.dataSent = 0;
  req.status = 0;
  req.done = done;
  q.nrBusy++;
  q.stats.cmds++;
  const sqe = req.pdu.subarray(req.pdu.length - NVME_COMMAND_SIZE);
  nvmeCommandWrite(req.cmd, sqe, 0);
  const hl = nvmeTcpCmdPduPut(req.pdu, 0, sqe, inline ? dataLen : 0, q.hdgst, q.ddgst, q.cpda);
  q.sock.cork();
  q.sock.write(req.pdu.subarray(0, hl));
  if (inline) {
    q.stats.inlineWrites++;
    nvmeTcpSendData(q, req, dataLen, 0);
  }
  q.sock.uncork();
  return tag;
}

/**
 * End request `req` with `status` and `result`: the tag is free again before `done` runs.
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_end_request()
 */
export function nvmeTcpEndRequest(q: NvmeTcpQueue, req: NvmeTcpRequest, status: number, result: number): void {
  const done = req.done;
  req.busy = false;
  req.done = null;
  q.nrBusy--;
  done?.(status, result);
}

/**
 * The connection failed (protocol error, TermReq, closed by the peer, or closed by us): mark the
 * queue dead, close the socket, end every in-flight request with `-EIO` and reject a pending
 * ICReq. Idempotent; the first error is kept in `q.error`.
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_error_recovery() + nvme_tcp_teardown_io_queues() (cancel)
 */
export function nvmeTcpFailQueue(q: NvmeTcpQueue, err: Error): void {
  if (q.state === 'dead') return;
  q.state = 'dead';
  q.error = err;
  q.sock.close();
  q.icDone?.(err);
  for (const req of q.rqs) if (req.busy) nvmeTcpEndRequest(q, req, -5, 0);
}

/** Close the queue: in-flight requests end with -EIO. Idempotent. */
export function nvmeTcpFreeQueue(q: NvmeTcpQueue): void {
  nvmeTcpFailQueue(q, new BiopathError('ESHUTDOWN', `nvme-tcp queue ${q.qid}: closed by the host`));
}
