/**
 * NVMe/TCP PDU headers: writing each PDU type's header (and its header digest) into a buffer, and
 * checking a received header before anything acts on it. All little endian; every function writes
 * at a caller-chosen offset and allocates nothing, so per-tag header buffers can be reused.
 *
 * Layout of a PDU (NVMe/TCP spec §3.6.1): common header (type, flags, HLEN, PDO, PLEN), the
 * type-specific header up to HLEN, HDGST (4 bytes, when negotiated), padding up to PDO, DATA,
 * DDGST (4 bytes, when negotiated and there is data). PLEN counts all of it.
 * @kernel include/linux/nvme-tcp.h struct nvme_tcp_hdr
 */
import { BiopathError } from '@biopath/native';
import { crc32c } from './crc32c.ts';
import {
  NVME_TCP_CH_SIZE, NVME_TCP_CMD_HLEN, NVME_TCP_DATA_HLEN, NVME_TCP_DIGEST_LENGTH, NVME_TCP_F_DATA_LAST,
  NVME_TCP_F_DATA_SUCCESS, NVME_TCP_F_DDGST, NVME_TCP_F_HDGST, NVME_TCP_IC_SIZE, NVME_TCP_PDU_NAMES, NVME_TCP_R2T_HLEN,
  NVME_TCP_RSP_HLEN, NVME_TCP_TERM_HLEN, NVME_TCP_TERM_MAX_DATA, nvme_tcp_c2h_data, nvme_tcp_c2h_term, nvme_tcp_cmd,
  nvme_tcp_h2c_data, nvme_tcp_h2c_term, nvme_tcp_icreq, nvme_tcp_icresp, nvme_tcp_r2t, nvme_tcp_rsp,
} from './nvme-tcp-defs.ts';

/** The common header of a PDU, decoded. Reused by the receiver; never allocated per PDU. */
export interface NvmeTcpHdr {
  type: number;
  flags: number;
  hlen: number;
  pdo: number;
  plen: number;
}

/** A zeroed header record. */
export function nvmeTcpHdrAlloc(): NvmeTcpHdr {
  return { type: 0, flags: 0, hlen: 0, pdo: 0, plen: 0 };
}

/** Name of a PDU type for messages (`'type 0x8'` for an unknown one). */
export function nvmeTcpPduName(type: number): string {
  return NVME_TCP_PDU_NAMES[type] ?? `type 0x${type.toString(16)}`;
}

function dv(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Write the 8-byte common header at `at`. */
export function nvmeTcpChPut(buf: Uint8Array, at: number, type: number, flags: number, hlen: number, pdo: number, plen: number): void {
  buf[at] = type;
  buf[at + 1] = flags;
  buf[at + 2] = hlen;
  buf[at + 3] = pdo;
  dv(buf).setUint32(at + 4, plen >>> 0, true);
}

/** Decode the common header at `at` into `out` (no checks: see {@link nvmeTcpCheckHdr}). Returns `out`. */
export function nvmeTcpChGet(buf: Uint8Array, at: number, out: NvmeTcpHdr): NvmeTcpHdr {
  out.type = buf[at]!;
  out.flags = buf[at + 1]!;
  out.hlen = buf[at + 2]!;
  out.pdo = buf[at + 3]!;
  out.plen = dv(buf).getUint32(at + 4, true);
  return out;
}

/**
 * PDO and PLEN of a PDU with `hlen` header bytes and `dataLen` data bytes: data starts after the
 * header (and its digest) rounded up to the receiver's alignment `(pda + 1) * 4` bytes (PDA 0: no
 * padding). Returns PDO; `nvmeTcpPduLen` gives PLEN.
 */
export function nvmeTcpPdo(hlen: number, hdgst: boolean, dataLen: number, pda = 0): number {
  if (!dataLen) return 0;
  const raw = hlen + (hdgst ? NVME_TCP_DIGEST_LENGTH : 0);
  if (!pda) return raw;
  const align = (pda + 1) * 4;
  return Math.ceil(raw / align) * align;
}

/** PLEN of a PDU (see {@link nvmeTcpPdo}). */
export function nvmeTcpPduLen(hlen: number, hdgst: boolean, dataLen: number, ddgst: boolean, pda = 0): number {
  if (!dataLen) return hlen + (hdgst ? NVME_TCP_DIGEST_LENGTH : 0);
  return nvmeTcpPdo(hlen, hdgst, dataLen, pda) + dataLen + (ddgst ? NVME_TCP_DIGEST_LENGTH : 0);
}

/**
 * Write the header digest (CRC32C of the `hlen` header bytes at `at`) right after the header and set
 * the HDGST flag. @kernel drivers/nvme/host/tcp.c nvme_tcp_hdgst()
 */
export function nvmeTcpHdgstPut(buf: Uint8Array, at: number): void {
  buf[at + 1] = buf[at + 1]! | NVME_TCP_F_HDGST;
  const hlen = buf[at + 2]!;
  dv(buf).setUint32(at + hlen, crc32c(buf, at, hlen), true);
}

/**
 * Check the header digest of the PDU header at `at`. Returns true when it matches.
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_verify_hdgst()
 */
export function nvmeTcpHdgstOk(buf: Uint8Array, at: number): boolean {
  const hlen = buf[at + 2]!;
  return dv(buf).getUint32(at + hlen, true) === crc32c(buf, at, hlen);
}

/** Options of an ICReq. */
export interface NvmeTcpIcreqOpts {
  /** Host PDU data alignment the controller must use (0..31; 0 = none). */
  hpda: number;
  hdgst: boolean;
  ddgst: boolean;
  /** Most outstanding R2Ts per command, 0's based (0 = one). */
  maxr2t: number;
}

/**
 * Write a 128-byte ICReq at `at`: PFV 0, HPDA, the digest options, MAXR2T.
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_init_connection()
 */
export function nvmeTcpIcreqPut(buf: Uint8Array, at: number, o: NvmeTcpIcreqOpts): number {
  return icPut(buf, at, nvme_tcp_icreq, 0, o.hpda, o.hdgst, o.ddgst, o.maxr2t);
}

/** ICReq and ICResp share one layout: PFV, PDA (HPDA / CPDA), digest bits, MAXR2T / MAXH2CDATA. */
function icPut(buf: Uint8Array, at: number, type: number, pfv: number, pda: number, hdgst: boolean, ddgst: boolean, maxdata: number): number {
  buf.fill(0, at, at + NVME_TCP_IC_SIZE);
  nvmeTcpChPut(buf, at, type, 0, NVME_TCP_IC_SIZE, 0, NVME_TCP_IC_SIZE);
  const v = dv(buf);
  v.setUint16(at + 8, pfv, true);
  buf[at + 10] = pda;
  buf[at + 11] = (hdgst ? 1 : 0) | (ddgst ? 2 : 0);
  v.setUint32(at + 12, maxdata >>> 0, true);
  return NVME_TCP_IC_SIZE;
}

/** Options of an ICResp (what a controller grants). */
export interface NvmeTcpIcrespOpts {
  /** Controller PDU data alignment the host must use (0..31). */
  cpda: number;
  hdgst: boolean;
  ddgst: boolean;
  /** Most data bytes the controller accepts in one H2CData PDU. */
  maxh2cdata: number;
}

/** Write a 128-byte ICResp at `at` (the target's side; used by tests and a future target). */
export function nvmeTcpIcrespPut(buf: Uint8Array, at: number, o: NvmeTcpIcrespOpts, pfv = 0): number {
  return icPut(buf, at, nvme_tcp_icresp, pfv, o.cpda, o.hdgst, o.ddgst, o.maxh2cdata);
}

/** Decoded ICReq or ICResp fields (`pda` is HPDA or CPDA, `maxdata` MAXR2T or MAXH2CDATA). */
export interface NvmeTcpIc {
  pfv: number;
  pda: number;
  hdgst: boolean;
  ddgst: boolean;
  maxdata: number;
}

/** Decode the ICReq/ICResp-specific fields at `at` (the common header is checked separately). */
export function nvmeTcpIcGet(buf: Uint8Array, at: number): NvmeTcpIc {
  const v = dv(buf);
  const d = buf[at + 11]!;
  return { pfv: v.getUint16(at + 8, true), pda: buf[at + 10]!, hdgst: (d & 1) !== 0, ddgst: (d & 2) !== 0, maxdata: v.getUint32(at + 12, true) };
}

/**
 * Write a CapsuleCmd header for the 64-byte command `sqe` (bytes) carrying `inlineLen` bytes of
 * in-capsule data: HLEN 72, PDO/PLEN per the digests and the controller's CPDA, the header digest
 * when `hdgst`. The data (and its digest) follow separately. Returns the header bytes written
 * (HLEN + HDGST + padding up to PDO).
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_setup_cmd_pdu()
 */
export function nvmeTcpCmdPduPut(
  buf: Uint8Array, at: number, sqe: Uint8Array, inlineLen: number, hdgst: boolean, ddgst: boolean, cpda = 0,
): number {
  const pdo = nvmeTcpPdo(NVME_TCP_CMD_HLEN, hdgst, inlineLen, cpda);
  const plen = nvmeTcpPduLen(NVME_TCP_CMD_HLEN, hdgst, inlineLen, ddgst, cpda);
  const flags = inlineLen && ddgst ? NVME_TCP_F_DDGST : 0;
  nvmeTcpChPut(buf, at, nvme_tcp_cmd, flags, NVME_TCP_CMD_HLEN, pdo, plen);
  buf.set(sqe.subarray(0, 64), at + NVME_TCP_CH_SIZE);
  if (hdgst) nvmeTcpHdgstPut(buf, at);
  const hdr = NVME_TCP_CMD_HLEN + (hdgst ? NVME_TCP_DIGEST_LENGTH : 0);
  if (pdo > hdr) buf.fill(0, at + hdr, at + pdo);
  return inlineLen ? pdo : hdr;
}

/** Write a CapsuleResp for the 16-byte CQE `cqe` (target side). Returns the bytes written. */
export function nvmeTcpRspPduPut(buf: Uint8Array, at: number, cqe: Uint8Array, hdgst: boolean): number {
  nvmeTcpChPut(buf, at, nvme_tcp_rsp, 0, NVME_TCP_RSP_HLEN, 0, nvmeTcpPduLen(NVME_TCP_RSP_HLEN, hdgst, 0, false));
  buf.set(cqe.subarray(0, 16), at + NVME_TCP_CH_SIZE);
  if (hdgst) nvmeTcpHdgstPut(buf, at);
  return NVME_TCP_RSP_HLEN + (hdgst ? NVME_TCP_DIGEST_LENGTH : 0);
}

/** The fields of H2CData, C2HData and R2T headers (offset/length are DATAO/DATAL or R2TO/R2TL). */
export interface NvmeTcpDataHdr {
  commandId: number;
  ttag: number;
  offset: number;
  length: number;
}

/**
 * Write an H2CData or C2HData header (`type`) for `length` data bytes at `offset` of command
 * `commandId`, transfer tag `ttag` (from the R2T; 0 for C2H), with `flags` (DATA_LAST,
 * DATA_SUCCESS). Returns the header bytes written (up to PDO).
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_setup_h2c_data_pdu()
 */
export function nvmeTcpDataPduPut(
  buf: Uint8Array, at: number, type: number, flags: number, d: NvmeTcpDataHdr, hdgst: boolean, ddgst: boolean, pda = 0,
): number {
  const pdo = nvmeTcpPdo(NVME_TCP_DATA_HLEN, hdgst, d.length, pda);
  const plen = nvmeTcpPduLen(NVME_TCP_DATA_HLEN, hdgst, d.length, ddgst, pda);
  nvmeTcpChPut(buf, at, type, flags | (ddgst && d.length ? NVME_TCP_F_DDGST : 0), NVME_TCP_DATA_HLEN, pdo, plen);
  const v = dv(buf);
  v.setUint16(at + 8, d.commandId, true);
  v.setUint16(at + 10, d.ttag, true);
  v.setUint32(at + 12, d.offset >>> 0, true);
  v.setUint32(at + 16, d.length >>> 0, true);
  v.setUint32(at + 20, 0, true);
  if (hdgst) nvmeTcpHdgstPut(buf, at);
  const hdr = NVME_TCP_DATA_HLEN + (hdgst ? NVME_TCP_DIGEST_LENGTH : 0);
  if (pdo > hdr) buf.fill(0, at + hdr, at + pdo);
  return d.length ? pdo : hdr;
}

/** Write an R2T header (target side) asking for `length` bytes at `offset`. Returns the bytes written. */
export function nvmeTcpR2tPut(buf: Uint8Array, at: number, d: NvmeTcpDataHdr, hdgst: boolean): number {
  nvmeTcpChPut(buf, at, nvme_tcp_r2t, 0, NVME_TCP_R2T_HLEN, 0, nvmeTcpPduLen(NVME_TCP_R2T_HLEN, hdgst, 0, false));
  const v = dv(buf);
  v.setUint16(at + 8, d.commandId, true);
  v.setUint16(at + 10, d.ttag, true);
  v.setUint32(at + 12, d.offset >>> 0, true);
  v.setUint32(at + 16, d.length >>> 0, true);
  v.setUint32(at + 20, 0, true);
  if (hdgst) nvmeTcpHdgstPut(buf, at);
  return NVME_TCP_R2T_HLEN + (hdgst ? NVME_TCP_DIGEST_LENGTH : 0);
}

/** Decode the fields of an H2CData/C2HData/R2T header at `at` into `out`. Returns `out`. */
export function nvmeTcpDataHdrGet(buf: Uint8Array, at: number, out: NvmeTcpDataHdr): NvmeTcpDataHdr {
  const v = dv(buf);
  out.commandId = v.getUint16(at + 8, true);
  out.ttag = v.getUint16(at + 10, true);
  out.offset = v.getUint32(at + 12, true);
  out.length = v.getUint32(at + 16, true);
  return out;
}

/**
 * Write an H2CTermReq or C2HTermReq (`type`): fatal error status `fes`, field information `fei`,
 * and up to 128 bytes of the offending PDU header `offending` as its data. No digests (the spec
 * sends TermReqs without them). Returns the bytes written.
 * @kernel drivers/nvme/target/tcp.c nvmet_tcp_fatal_error() (the host only receives them)
 */
export function nvmeTcpTermPduPut(buf: Uint8Array, at: number, type: number, fes: number, fei: number, offending: Uint8Array): number {
  const n = Math.min(offending.length, NVME_TCP_TERM_MAX_DATA);
  nvmeTcpChPut(buf, at, type, 0, NVME_TCP_TERM_HLEN, n ? NVME_TCP_TERM_HLEN : 0, NVME_TCP_TERM_HLEN + n);
  const v = dv(buf);
  v.setUint16(at + 8, fes, true);
  v.setUint32(at + 10, fei >>> 0, true);
  buf.fill(0, at + 14, at + NVME_TCP_TERM_HLEN);
  buf.set(offending.subarray(0, n), at + NVME_TCP_TERM_HLEN);
  return NVME_TCP_TERM_HLEN + n;
}

/** HLEN each PDU type must carry (0: not a known type). */
export function nvmeTcpExpectedHlen(type: number): number {
  switch (type) {
    case nvme_tcp_icreq: case nvme_tcp_icresp: return NVME_TCP_IC_SIZE;
    case nvme_tcp_cmd: return NVME_TCP_CMD_HLEN;
    case nvme_tcp_rsp: return NVME_TCP_RSP_HLEN;
    case nvme_tcp_h2c_data: case nvme_tcp_c2h_data: return NVME_TCP_DATA_HLEN;
    case nvme_tcp_r2t: return NVME_TCP_R2T_HLEN;
    case nvme_tcp_h2c_term: case nvme_tcp_c2h_term: return NVME_TCP_TERM_HLEN;
    default: return 0;
  }
}

function bad(fn: string, h: NvmeTcpHdr, what: string): BiopathError {
  return new BiopathError('EPROTO', `${fn}(hdr): ${nvmeTcpPduName(h.type)} ${what}`);
}

/**
 * Check a received common header against the PDU rules before acting on it: a known type, the
 * HLEN of that type, PLEN covering the header (and digests), a PDO that lies after the header
 * when there is data, DATA flags only on data PDUs, SUCCESS only with LAST. `hdgst`/`ddgst` say
 * what the connection negotiated (a digest PDU on a connection without it is refused, and vice
 * versa; TermReqs and IC PDUs never carry digests). Throws `BiopathError` `EPROTO` naming the PDU
 * and the field; returns the number of data bytes the PDU carries.
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_recv_pdu() (the header checks)
 */
export function nvmeTcpCheckHdr(h: NvmeTcpHdr, hdgst: boolean, ddgst: boolean, fn = 'nvmeTcpCheckHdr'): number {
  const hlen = nvmeTcpExpectedHlen(h.type);
  if (!hlen) throw new BiopathError('EPROTO', `${fn}(hdr): unknown PDU type 0x${h.type.toString(16)}`);
  if (h.hlen !== hlen) throw bad(fn, h, `HLEN ${h.hlen}, expected ${hlen}`);
  const noDigest = h.type <= nvme_tcp_c2h_term;
  const hd = hdgst && !noDigest;
  if (((h.flags & NVME_TCP_F_HDGST) !== 0) !== hd) throw bad(fn, h, `HDGST flag ${(h.flags & NVME_TCP_F_HDGST) ? 'set' : 'clear'} but header digests are ${hd ? 'on' : 'off'}`);
  const isData = h.type === nvme_tcp_c2h_data || h.type === nvme_tcp_h2c_data;
  if (!isData && (h.flags & (NVME_TCP_F_DATA_LAST | NVME_TCP_F_DATA_SUCCESS))) throw bad(fn, h, `flags 0x${h.flags.toString(16)}: DATA flags on a PDU without data`);
  if ((h.flags & NVME_TCP_F_DATA_SUCCESS) && !(h.flags & NVME_TCP_F_DATA_LAST)) throw bad(fn, h, 'SUCCESS set but not LAST');
  const hdrEnd = hlen + (hd ? 4 : 0);
  if (h.plen < hdrEnd) throw bad(fn, h, `PLEN ${h.plen} is shorter than its header (${hdrEnd})`);
  if (h.plen === hdrEnd) {
    if (h.pdo !== 0 && h.pdo !== hdrEnd) throw bad(fn, h, `PDO ${h.pdo} without data`);
    if (h.flags & NVME_TCP_F_DDGST) throw bad(fn, h, 'DDGST flag without data');
    return 0;
  }
  const canCarry = isData || h.type === nvme_tcp_cmd || h.type === nvme_tcp_h2c_term || h.type === nvme_tcp_c2h_term;
  if (!canCarry) throw bad(fn, h, `PLEN ${h.plen}: this PDU carries no data (expected ${hdrEnd})`);
  if (h.pdo < hdrEnd) throw bad(fn, h, `PDO ${h.pdo} lies inside the header (ends at ${hdrEnd})`);
  const dd = ddgst && !noDigest;
  if (((h.flags & NVME_TCP_F_DDGST) !== 0) !== dd) throw bad(fn, h, `DDGST flag ${(h.flags & NVME_TCP_F_DDGST) ? 'set' : 'clear'} but data digests are ${dd ? 'on' : 'off'}`);
  const dataLen = h.plen - h.pdo - (dd ? 4 : 0);
  if (dataLen <= 0) throw bad(fn, h, `PLEN ${h.plen} leaves no data after PDO ${h.pdo}`);
  return dataLen;
}
