/**
 * The host's receive side: a state machine over the byte stream (PDU header → data → data digest)
 * that checks every header before acting, lands C2HData payloads directly in the request's pages
 * through its iov_iter (from the socket's buffer, no staging copy), completes commands from
 * CapsuleResp (or from a C2HData with SUCCESS), answers R2Ts, and fails the queue on anything the
 * protocol does not allow.
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_recv_skb(), nvme_tcp_recv_pdu(), nvme_tcp_recv_data(), nvme_tcp_recv_ddgst()
 */
import { copyToIter } from '@biopath/iov-iter';
import { BiopathError } from '@biopath/native';
import { CRC32C_SEED, crc32cFinal, crc32cUpdate } from './crc32c.ts';
import {
  NVME_SC_DATA_XFER_ERROR, NVME_TCP_CH_SIZE, NVME_TCP_F_DATA_LAST, NVME_TCP_F_DATA_SUCCESS, NVME_TCP_F_DDGST,
  NVME_TCP_MIN_MAXH2CDATA, nvme_tcp_c2h_data, nvme_tcp_c2h_term, nvme_tcp_icresp, nvme_tcp_r2t,
  nvme_tcp_rsp,
} from './nvme-tcp-defs.ts';
import { nvmeTcpChGet, nvmeTcpCheckHdr, nvmeTcpDataHdrGet, nvmeTcpHdgstOk, nvmeTcpIcGet, nvmeTcpPduName } from './nvme-tcp-pdu.ts';
import { nvmeTcpEndRequest, nvmeTcpFailQueue } from './nvme-tcp-queue.ts';
import { nvmeTcpSendH2cData } from './nvme-tcp-send.ts';
import {
  NVME_TCP_RECV_DATA, NVME_TCP_RECV_DDGST, NVME_TCP_RECV_PDU, type NvmeTcpQueue, type NvmeTcpRequest,
} from './nvme-tcp-types.ts';

function protoErr(q: NvmeTcpQueue, what: string): BiopathError {
  return new BiopathError('EPROTO', `nvme-tcp queue ${q.qid}: ${what}`);
}

/**
 * Feed received bytes to the queue. Never throws: a protocol violation fails the queue (`q.error`
 * says why, every in-flight request ends with -EIO).
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_recv_skb()
 */
export function nvmeTcpRecv(q: NvmeTcpQueue, chunk: Uint8Array): void {
  let off = 0;
  try {
    while (off < chunk.length && q.state !== 'dead') {
      if (q.rcvState === NVME_TCP_RECV_PDU) off += nvmeTcpRecvPdu(q, chunk, off);
      else if (q.rcvState === NVME_TCP_RECV_DATA) off += nvmeTcpRecvData(q, chunk, off);
      else off += nvmeTcpRecvDdgst(q, chunk, off);
    }
  } catch (e) {
    nvmeTcpFailQueue(q, e instanceof Error ? e : new Error(String(e)));
  }
}

/** Reset for the next PDU. @kernel drivers/nvme/host/tcp.c nvme_tcp_init_recv_ctx() */
function nvmeTcpInitRecvCtx(q: NvmeTcpQueue): void {
  q.rcvState = NVME_TCP_RECV_PDU;
  q.rbufOff = 0;
  q.rbufNeed = NVME_TCP_CH_SIZE;
  q.curReq = null;
}

/**
 * Accumulate a PDU header: first the common header, then (once it checks out) up to PDO for a
 * data PDU, the whole PDU otherwise. @kernel drivers/nvme/host/tcp.c nvme_tcp_recv_pdu()
 */
function nvmeTcpRecvPdu(q: NvmeTcpQueue, chunk: Uint8Array, off: number): number {
  const n = Math.min(chunk.length - off, q.rbufNeed - q.rbufOff);
  q.rbuf.set(chunk.subarray(off, off + n), q.rbufOff);
  q.rbufOff += n;
  if (q.rbufOff < q.rbufNeed) return n;
  if (q.rbufNeed === NVME_TCP_CH_SIZE) {
    const h = nvmeTcpChGet(q.rbuf, 0, q.hdr);
    if (q.state === 'icreq' && h.type !== nvme_tcp_icresp) throw protoErr(q, `expected ICResp, got ${nvmeTcpPduName(h.type)}`);
    if (q.state === 'live' && h.type === nvme_tcp_icresp) throw protoErr(q, 'ICResp on a live queue');
    const dataLen = nvmeTcpCheckHdr(h, q.hdgst, q.ddgst, 'nvmeTcpRecvPdu');
    const need = h.type === nvme_tcp_c2h_data ? h.pdo : h.plen;
    if (need > q.rbuf.length) throw protoErr(q, `${nvmeTcpPduName(h.type)} header of ${need} bytes`);
    if (dataLen && h.type !== nvme_tcp_c2h_data && h.type !== nvme_tcp_c2h_term) throw protoErr(q, `unexpected ${nvmeTcpPduName(h.type)} PDU with data`);
    q.rbufNeed = need;
    if (q.rbufOff < q.rbufNeed) return n;
  }
  nvmeTcpHandlePdu(q);
  return n;
}

function nvmeTcpHandlePdu(q: NvmeTcpQueue): void {
  const h = q.hdr;
  if (h.type === nvme_tcp_icresp) return nvmeTcpHandleIcresp(q);
  if (q.hdgst && h.type !== nvme_tcp_c2h_term && !nvmeTcpHdgstOk(q.rbuf, 0)) {
    throw new BiopathError('EBADMSG', `nvme-tcp queue ${q.qid}: header digest error on ${nvmeTcpPduName(h.type)}`);
  }
  switch (h.type) {
    case nvme_tcp_rsp: nvmeTcpProcessNvmeCqe(q); nvmeTcpInitRecvCtx(q); return;
    case nvme_tcp_c2h_data: nvmeTcpHandleC2hData(q); return;
    case nvme_tcp_r2t: nvmeTcpHandleR2t(q); nvmeTcpInitRecvCtx(q); return;
    case nvme_tcp_c2h_term: nvmeTcpHandleC2hTerm(q); return;
    default: throw protoErr(q, `unexpected ${nvmeTcpPduName(h.type)} PDU`);
  }
}

/** @kernel drivers/nvme/host/tcp.c nvme_tcp_init_connection() (the ICResp checks) */
function nvmeTcpHandleIcresp(q: NvmeTcpQueue): void {
  const ic = nvmeTcpIcGet(q.rbuf, 0);
  if (h2c(q, ic.pfv !== 0, `ICResp PFV ${ic.pfv}, expected 0`)) return;
  if (h2c(q, ic.hdgst !== q.hdgst, `header digest mismatch: host ${q.hdgst ? 'on' : 'off'}, controller ${ic.hdgst ? 'on' : 'off'}`)) return;
  if (h2c(q, ic.ddgst !== q.ddgst, `data digest mismatch: host ${q.ddgst ? 'on' : 'off'}, controller ${ic.ddgst ? 'on' : 'off'}`)) return;
  if (h2c(q, ic.pda > 31, `ICResp CPDA ${ic.pda} > 31`)) return;
  if (h2c(q, ic.maxdata < NVME_TCP_MIN_MAXH2CDATA || ic.maxdata % 4 !== 0, `ICResp MAXH2CDATA ${ic.maxdata} (needs ≥ 4096, a multiple of 4)`)) return;
  q.cpda = ic.pda;
  q.maxh2cdata = ic.maxdata;
  q.state = 'live';
  nvmeTcpInitRecvCtx(q);
  q.icDone?.(null);
}

function h2c(q: NvmeTcpQueue, bad: boolean, what: string): boolean {
  if (bad) nvmeTcpFailQueue(q, protoErr(q, what));
  return bad;
}

/** The request a PDU names, which must be in flight. */
function nvmeTcpFindReq(q: NvmeTcpQueue, commandId: number, what: string): NvmeTcpRequest {
  const req = q.rqs[commandId];
  if (!req || !req.busy) throw protoErr(q, `${what} for command id ${commandId}, which is not in flight`);
  return req;
}

/** CapsuleResp: end the command with its status (or the host's, after a data digest error). @kernel drivers/nvme/host/tcp.c nvme_tcp_process_nvme_cqe() */
function nvmeTcpProcessNvmeCqe(q: NvmeTcpQueue): void {
  const v = new DataView(q.rbuf.buffer, q.rbuf.byteOffset + NVME_TCP_CH_SIZE, 16);
  const req = nvmeTcpFindReq(q, v.getUint16(12, true), 'CapsuleResp');
  const status = v.getUint16(14, true) >> 1;
  q.stats.responses++;
  nvmeTcpEndRequest(q, req, req.status || status, v.getUint32(0, true) + v.getUint32(4, true) * 4294967296);
}

/** @kernel drivers/nvme/host/tcp.c nvme_tcp_handle_c2h_data() */
function nvmeTcpHandleC2hData(q: NvmeTcpQueue): void {
  const d = nvmeTcpDataHdrGet(q.rbuf, 0, q.dataHdr);
  const req = nvmeTcpFindReq(q, d.commandId, 'C2HData');
  if (req.write || !req.dataLen) throw protoErr(q, `C2HData for command id ${d.commandId}, which reads no data`);
  if (d.offset !== req.dataRecvd) throw protoErr(q, `C2HData offset ${d.offset}, expected ${req.dataRecvd}`);
  if (d.offset + d.length > req.dataLen) throw protoErr(q, `C2HData [${d.offset}, +${d.length}) beyond the ${req.dataLen}-byte request`);
  if (d.length !== q.hdr.plen - q.hdr.pdo - (q.ddgst ? 4 : 0)) throw protoErr(q, `C2HData DATAL ${d.length} disagrees with PLEN ${q.hdr.plen}`);
  q.stats.c2hPdus++;
  q.curReq = req;
  q.curFlags = q.hdr.flags;
  q.dataRemaining = d.length;
  q.ddgstCrc = CRC32C_SEED;
  q.rcvState = NVME_TCP_RECV_DATA;
}

/**
 * Copy payload bytes from the socket's buffer into the request's pages (its iov_iter); fold them
 * into the data digest. @kernel drivers/nvme/host/tcp.c nvme_tcp_recv_data()
 */
function nvmeTcpRecvData(q: NvmeTcpQueue, chunk: Uint8Array, off: number): number {
  const req = q.curReq!;
  const n = Math.min(chunk.length - off, q.dataRemaining);
  const src = chunk.subarray(off, off + n);
  if (q.ddgst) q.ddgstCrc = crc32cUpdate(q.ddgstCrc, src, 0, n);
  if (copyToIter(src, n, req.iter) !== n) throw protoErr(q, `C2HData: request ${req.tag}'s pages took less than ${n} bytes`);
  req.dataRecvd += n;
  q.stats.c2hBytes += n;
  q.dataRemaining -= n;
  if (q.dataRemaining === 0) {
    if (q.hdr.flags & NVME_TCP_F_DDGST) {
      q.rcvState = NVME_TCP_RECV_DDGST;
      q.ddgstOff = 0;
    } else nvmeTcpC2hDataDone(q, req);
  }
  return n;
}

/** @kernel drivers/nvme/host/tcp.c nvme_tcp_recv_ddgst() */
function nvmeTcpRecvDdgst(q: NvmeTcpQueue, chunk: Uint8Array, off: number): number {
  const n = Math.min(chunk.length - off, 4 - q.ddgstOff);
  q.ddgstBuf.set(chunk.subarray(off, off + n), q.ddgstOff);
  q.ddgstOff += n;
  if (q.ddgstOff < 4) return n;
  const req = q.curReq!;
  const got = new DataView(q.ddgstBuf.buffer).getUint32(0, true);
  if (got !== crc32cFinal(q.ddgstCrc)) {
    q.stats.ddgstErrors++;
    req.status = NVME_SC_DATA_XFER_ERROR;
  }
  nvmeTcpC2hDataDone(q, req);
  return n;
}

/** A C2HData PDU is in: with LAST + SUCCESS the command is complete (no CapsuleResp follows). */
function nvmeTcpC2hDataDone(q: NvmeTcpQueue, req: NvmeTcpRequest): void {
  const flags = q.curFlags;
  nvmeTcpInitRecvCtx(q);
  if ((flags & NVME_TCP_F_DATA_LAST) && req.dataRecvd !== req.dataLen) {
    throw protoErr(q, `C2HData LAST after ${req.dataRecvd} of ${req.dataLen} bytes`);
  }
  if (flags & NVME_TCP_F_DATA_SUCCESS) nvmeTcpEndRequest(q, req, req.status, 0);
}

/** @kernel drivers/nvme/host/tcp.c nvme_tcp_handle_r2t() */
function nvmeTcpHandleR2t(q: NvmeTcpQueue): void {
  const d = nvmeTcpDataHdrGet(q.rbuf, 0, q.dataHdr);
  const req = nvmeTcpFindReq(q, d.commandId, 'R2T');
  if (!req.write) throw protoErr(q, `R2T for command id ${d.commandId}, which is not a write`);
  if (!d.length) throw protoErr(q, `R2T for command id ${d.commandId} with length 0`);
  if (d.offset !== req.dataSent) throw protoErr(q, `R2T offset ${d.offset}, expected ${req.dataSent}`);
  if (d.offset + d.length > req.dataLen) throw protoErr(q, `R2T [${d.offset}, +${d.length}) beyond the ${req.dataLen}-byte request`);
  q.stats.r2ts++;
  nvmeTcpSendH2cData(q, req, d.ttag, d.offset, d.length);
}

/** The controller ended the connection: report its fatal error status. @kernel drivers/nvme/host/tcp.c nvme_tcp_handle_c2h_term() */
function nvmeTcpHandleC2hTerm(q: NvmeTcpQueue): void {
  const v = new DataView(q.rbuf.buffer, q.rbuf.byteOffset);
  const fes = v.getUint16(8, true);
  const names: Record<number, string> = {
    1: 'Invalid PDU Header Field', 2: 'PDU Sequence Error', 3: 'Header Digest Error', 4: 'Data Transfer Out Of Range',
    5: 'Data Transfer Limit Exceeded', 6: 'Unsupported Parameter',
  };
  throw new BiopathError('ECONNABORTED', `nvme-tcp queue ${q.qid}: C2HTermReq, FES 0x${fes.toString(16)} (${names[fes] ?? 'unknown'}), FEI 0x${v.getUint32(10, true).toString(16)}`);
}
