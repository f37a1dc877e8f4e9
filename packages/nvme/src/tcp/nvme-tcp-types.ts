/**
 * The host's per-queue and per-request state: the twins of `struct nvme_tcp_queue` and
 * `struct nvme_tcp_request`. Plain objects of one fixed shape, allocated once per queue.
 * @kernel drivers/nvme/host/tcp.c struct nvme_tcp_queue, struct nvme_tcp_request
 */
import type { BioVec, IovIter } from '@biopath/iov-iter';
import type { MemMap } from '@biopath/mm';
import type { NvmeCommand } from '../nvme-command.ts';
import type { NvmeTcpDataHdr, NvmeTcpHdr } from './nvme-tcp-pdu.ts';
import type { NvmeTcpSocket } from './nvme-tcp-socket.ts';

/**
 * How a request ends: `status` 0 (success), an NVMe status as Linux keeps it (SCT << 8 | SC, DNR
 * 0x4000; e.g. `NVME_SC_DATA_XFER_ERROR` for a data digest mismatch), or a negative errno for a
 * host-side failure (`-EIO`: the connection failed or closed). `result` is the CQE's result
 * (DW0 + DW1 * 2^32; Property Get's value, Connect's CNTLID).
 */
export type NvmeTcpDone = (status: number, result: number) => void;

/** One tag's state. `busy` while the request is in flight. */
export interface NvmeTcpRequest {
  tag: number;
  busy: boolean;
  cmd: NvmeCommand;
  /** Header buffer for this tag's CapsuleCmd (HLEN + HDGST + padding). */
  pdu: Uint8Array;
  /**
   * H2CData headers (one 256-byte slot per PDU of the current R2T) and data digests (4 bytes per
   * PDU). Grown when an R2T needs more PDUs than ever before, otherwise reused: with one R2T
   * outstanding per command, the next R2T arrives only after the target has read the previous
   * PDUs, so their buffers are free again.
   */
  h2cHdrs: Uint8Array;
  ddgsts: Uint8Array;
  /** Iterator over the request's pages: destination for reads, source for writes. */
  iter: IovIter;
  dataLen: number;
  write: boolean;
  /** Bytes received through C2HData / sent in-capsule or by H2CData. */
  dataRecvd: number;
  dataSent: number;
  /** Host-side status to report when the completion arrives (a data digest failure). */
  status: number;
  done: NvmeTcpDone | null;
}

/** Receive states. @kernel drivers/nvme/host/tcp.c enum nvme_tcp_recv_state */
export const NVME_TCP_RECV_PDU = 0;
export const NVME_TCP_RECV_DATA = 1;
export const NVME_TCP_RECV_DDGST = 2;

/** Queue life: waiting for ICResp, live, or failed/closed (requests refused, in-flight ended with -EIO). */
export type NvmeTcpQueueState = 'new' | 'icreq' | 'live' | 'dead';

/** Counters (plain numbers, never reset). */
export interface NvmeTcpQueueStats {
  cmds: number;
  inlineWrites: number;
  r2ts: number;
  h2cPdus: number;
  c2hPdus: number;
  c2hBytes: number;
  responses: number;
  ddgstErrors: number;
}

/** A host queue: one TCP connection, one NVMe submission/completion queue pair. */
export interface NvmeTcpQueue {
  qid: number;
  sock: NvmeTcpSocket;
  mem: MemMap;
  state: NvmeTcpQueueState;
  rqs: NvmeTcpRequest[];
  nrBusy: number;
  hdgst: boolean;
  ddgst: boolean;
  /** Controller PDU data alignment (from ICResp) for the PDUs the host sends. */
  cpda: number;
  /** Most data bytes per H2CData PDU (ICResp MAXH2CDATA). */
  maxh2cdata: number;
  /** Command capsule length in bytes: in-capsule data may be up to this minus 64. */
  cmndCapsuleLen: number;
  // receive side
  rcvState: number;
  /** Received PDU header (and TermReq data) accumulate here. */
  rbuf: Uint8Array;
  rbufOff: number;
  rbufNeed: number;
  hdr: NvmeTcpHdr;
  dataHdr: NvmeTcpDataHdr;
  dataRemaining: number;
  /** The request the current C2HData PDU fills, and that PDU's flags. */
  curReq: NvmeTcpRequest | null;
  curFlags: number;
  ddgstCrc: number;
  ddgstBuf: Uint8Array;
  ddgstOff: number;
  /** ICResp waiter during nvmeTcpInitConnection. */
  icDone: ((err: Error | null) => void) | null;
  /** Why the queue died (EPROTO for a protocol violation, ECONNRESET for a closed connection). */
  error: Error | null;
  stats: NvmeTcpQueueStats;
}

/** Bytes of the bvecs a request names, for callers building one. */
export function nvmeTcpBvecBytes(bvec: readonly BioVec[], nrSegs: number): number {
  let n = 0;
  for (let s = 0; s < nrSegs; s++) n += bvec[s]!.bv_len;
  return n;
}
