/**
 * A scripted NVMe/TCP target for the host's tests: a real TCP server on 127.0.0.1 (port 0) that
 * speaks just enough of the protocol — ICResp, Fabrics Connect / Property Get/Set, Identify, Read
 * (C2HData), Write (in-capsule or R2T/H2CData), CapsuleResp — over an in-memory namespace, with
 * knobs to misbehave (refuse Connect, corrupt a data digest, close the connection mid-IO). It is a
 * test peer, not a target: the real one (Linux nvmet-tcp in the QEMU guest) is the next step.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { crc32c } from '../src/tcp/crc32c.ts';
import { nvmfConnectDataGet } from '../src/tcp/nvme-fabrics.ts';
import {
  NVME_TCP_F_DATA_LAST, NVME_TCP_F_DATA_SUCCESS, nvme_tcp_c2h_data, nvme_tcp_cmd, nvme_tcp_h2c_data, nvme_tcp_icreq,
} from '../src/tcp/nvme-tcp-defs.ts';
import {
  nvmeTcpChGet, nvmeTcpDataHdrGet, nvmeTcpDataPduPut, nvmeTcpHdrAlloc, nvmeTcpIcGet, nvmeTcpIcrespPut, nvmeTcpR2tPut,
  nvmeTcpRspPduPut,
} from '../src/tcp/nvme-tcp-pdu.ts';

export interface ScriptedTargetOpts {
  subsysnqn: string;
  /** Namespace size in 512-byte blocks. */
  nsBlocks: number;
  /** Identify Controller IOCCSZ (16-byte units; default 4 + 4096/16: 4 KiB of in-capsule data). */
  ioccsz?: number;
  maxh2cdata?: number;
  /** Ask for a large write's data this many bytes per R2T (default: all of it in one). */
  r2tChunk?: number;
  /** Bytes per C2HData PDU (default: the whole transfer in one). */
  c2hChunk?: number;
  /** End reads with C2HData SUCCESS instead of a CapsuleResp. */
  c2hSuccess?: boolean;
  /** Answer Connect with this NVMe status (e.g. 0x4182, DNR | Connect Invalid Parameters). */
  refuseConnect?: number;
  /** Flip a byte of the data digest of the next C2HData PDU carrying one. */
  corruptDdgst?: boolean;
  /** Close the connection on receiving an IO command with this opcode (after `closeAfter` of them). */
  closeOnOpcode?: number;
  closeAfter?: number;
  /** Never answer this: the ICReq, the admin Connect, or Identify (a target that hangs). */
  mute?: 'icreq' | 'connect' | 'identify';
}

export interface ScriptedTarget {
  port: number;
  ns: Uint8Array;
  /** PDU types received, per connection, in order (for assertions). */
  log: string[];
  /** Every connection accepted. */
  conns: Socket[];
  close(): Promise<void>;
}

interface Conn {
  sock: Socket;
  buf: Buffer;
  hdgst: boolean;
  ddgst: boolean;
  qid: number;
  /** Writes waiting for H2CData: command id → { slba byte offset, length, received }. */
  pending: Map<number, { at: number; len: number; got: number }>;
  ioSeen: number;
}

function digest(b: Uint8Array): Buffer {
  const d = Buffer.alloc(4);
  d.writeUInt32LE(crc32c(b), 0);
  return d;
}

/** Start the scripted target. Always `await t.close()` (in a finally). */
export async function startScriptedTarget(o: ScriptedTargetOpts): Promise<ScriptedTarget> {
  const ns = new Uint8Array(o.nsBlocks * 512);
  const log: string[] = [];
  const conns: Socket[] = [];
  const state = { cc: 0, corrupt: o.corruptDdgst ?? false };
  const server: Server = createServer((sock) => {
    conns.push(sock);
    const c: Conn = { sock, buf: Buffer.alloc(0), hdgst: false, ddgst: false, qid: -1, pending: new Map(), ioSeen: 0 };
    sock.on('error', () => undefined);
    sock.on('data', (chunk) => {
      c.buf = Buffer.concat([c.buf, chunk]);
      while (c.buf.length >= 8 && !sock.destroyed) {
        const plen = c.buf.readUInt32LE(4);
        if (c.buf.length < plen) break;
        const pdu = c.buf.subarray(0, plen);
        c.buf = c.buf.subarray(plen);
        onPdu(c, pdu);
      }
    });
  });

  function send(c: Conn, ...parts: Uint8Array[]): void {
    if (!c.sock.destroyed) c.sock.write(Buffer.concat(parts));
  }

  function rsp(c: Conn, cid: number, status: number, result = 0): void {
    const cqe = Buffer.alloc(16);
    cqe.writeUInt32LE(result >>> 0, 0);
    cqe.writeUInt32LE(Math.floor(result / 2 ** 32), 4);
    cqe.writeUInt16LE(cid, 12);
    cqe.writeUInt16LE((status << 1) & 0xffff, 14);
    const b = Buffer.alloc(28);
    send(c, b.subarray(0, nvmeTcpRspPduPut(b, 0, cqe, c.hdgst)));
  }

  function c2h(c: Conn, cid: number, data: Uint8Array): void {
    const chunk = o.c2hChunk ?? data.length;
    for (let off = 0; off < data.length; off += chunk) {
      const n = Math.min(chunk, data.length - off);
      const last = off + n === data.length;
      const flags = last ? NVME_TCP_F_DATA_LAST | (o.c2hSuccess ? NVME_TCP_F_DATA_SUCCESS : 0) : 0;
      const h = Buffer.alloc(64);
      const hl = nvmeTcpDataPduPut(h, 0, nvme_tcp_c2h_data, flags, { commandId: cid, ttag: 0, offset: off, length: n }, c.hdgst, c.ddgst);
      const piece = data.subarray(off, off + n);
      const dd = c.ddgst ? digest(piece) : Buffer.alloc(0);
      if (c.ddgst && state.corrupt && c.qid > 0) {
        dd[0] ^= 0xff;
        state.corrupt = false;
      }
      send(c, h.subarray(0, hl), piece, dd);
    }
    if (!o.c2hSuccess) rsp(c, cid, 0);
  }

  function r2t(c: Conn, cid: number, offset: number, length: number): void {
    const r = Buffer.alloc(32);
    log.push(`r2t ${offset}+${length}`);
    send(c, r.subarray(0, nvmeTcpR2tPut(r, 0, { commandId: cid, ttag: cid + 0x100, offset, length }, c.hdgst)));
  }

  function identify(cns: number): Uint8Array {
    const d = Buffer.alloc(4096);
    if (cns === 1) {
      d.write('biopath-scripted', 24, 'ascii');
      d[77] = 5;
      d.writeUInt32LE(o.ioccsz ?? 4 + 4096 / 16, 1792);
      d.writeUInt32LE(1, 516);
    } else {
      d.writeUInt32LE(o.nsBlocks, 0);
      d.writeUInt32LE(o.nsBlocks, 8);
      d[130] = 9;
    }
    return d;
  }

  function onCmd(c: Conn, pdu: Buffer): void {
    const sqe = pdu.subarray(8, 72);
    const opcode = sqe[0]!;
    const cid = sqe.readUInt16LE(2);
    const inline = pdu[3] ? pdu.subarray(pdu[3], pdu.length - (c.ddgst ? 4 : 0)) : null;
    if (opcode === 0x7f) {
      const fctype = sqe[4]!;
      if (fctype === 0x01) {
        log.push(`connect q${sqe.readUInt16LE(42)}`);
        if (o.mute === 'connect') return;
        const data = nvmfConnectDataGet(inline!);
        if (o.refuseConnect) return rsp(c, cid, o.refuseConnect);
        if (data.subsysnqn !== o.subsysnqn) return rsp(c, cid, 0x4182);
        c.qid = sqe.readUInt16LE(42);
        return rsp(c, cid, 0, 1);
      }
      if (fctype === 0x04) {
        const off = sqe.readUInt32LE(44);
        const v = off === 0 ? 0x2001000f + 0x1_0000_0000 * 0x20 : off === 0x1c ? state.cc & 1 : off === 0x14 ? state.cc : 0;
        return rsp(c, cid, 0, v);
      }
      if (fctype === 0x00) {
        state.cc = sqe.readUInt32LE(48);
        log.push(`cc ${state.cc.toString(16)}`);
        return rsp(c, cid, 0);
      }
      return rsp(c, cid, 0x4002);
    }
    if (c.qid === 0) {
      if (opcode === 0x06 && o.mute === 'identify') return;
      if (opcode === 0x18) {
        log.push('keep alive');
        return rsp(c, cid, 0);
      }
      if (opcode === 0x06) return c2h(c, cid, identify(sqe[40]!));
      return rsp(c, cid, 0x4001);
    }
    c.ioSeen++;
    if (o.closeOnOpcode === opcode && c.ioSeen > (o.closeAfter ?? 0)) {
      log.push('close');
      c.sock.destroy();
      return;
    }
    const at = Number(sqe.readBigUInt64LE(40)) * 512;
    const len = ((sqe.readUInt32LE(48) & 0xffff) + 1) * 512;
    if (opcode === 0x02) return c2h(c, cid, ns.subarray(at, at + len));
    if (opcode === 0x01) {
      if (inline) {
        log.push(`inline ${inline.length}`);
        ns.set(inline, at);
        return rsp(c, cid, 0);
      }
      c.pending.set(cid, { at, len, got: 0 });
      return r2t(c, cid, 0, Math.min(o.r2tChunk ?? len, len));
    }
    return rsp(c, cid, 0x4001);
  }

  function onH2c(c: Conn, pdu: Buffer): void {
    const d = nvmeTcpDataHdrGet(pdu, 0, { commandId: 0, ttag: 0, offset: 0, length: 0 });
    const w = c.pending.get(d.commandId);
    if (!w || d.ttag !== d.commandId + 0x100) {
      c.sock.destroy();
      return;
    }
    const data = pdu.subarray(pdu[3]!, pdu[3]! + d.length);
    if (c.ddgst && digest(data).readUInt32LE(0) !== pdu.readUInt32LE(pdu[3]! + d.length)) log.push('bad h2c ddgst');
    ns.set(data, w.at + d.offset);
    w.got += d.length;
    log.push(`h2c ${d.length}${pdu[1]! & NVME_TCP_F_DATA_LAST ? ' last' : ''}`);
    if (w.got === w.len) {
      c.pending.delete(d.commandId);
      rsp(c, d.commandId, 0);
    } else if (pdu[1]! & NVME_TCP_F_DATA_LAST) {
      r2t(c, d.commandId, w.got, Math.min(o.r2tChunk ?? w.len, w.len - w.got));
    }
  }

  function onPdu(c: Conn, pdu: Buffer): void {
    const h = nvmeTcpChGet(pdu, 0, nvmeTcpHdrAlloc());
    if (h.type === nvme_tcp_icreq) {
      if (o.mute === 'icreq') return;
      const ic = nvmeTcpIcGet(pdu, 0);
      c.hdgst = ic.hdgst;
      c.ddgst = ic.ddgst;
      const b = Buffer.alloc(128);
      nvmeTcpIcrespPut(b, 0, { cpda: 0, hdgst: ic.hdgst, ddgst: ic.ddgst, maxh2cdata: o.maxh2cdata ?? 8192 });
      return send(c, b);
    }
    if (c.hdgst && digest(pdu.subarray(0, h.hlen)).readUInt32LE(0) !== pdu.readUInt32LE(h.hlen)) {
      log.push('bad hdgst');
      c.sock.destroy();
      return;
    }
    if (h.type === nvme_tcp_cmd) return onCmd(c, pdu);
    if (h.type === nvme_tcp_h2c_data) return onH2c(c, pdu);
    c.sock.destroy();
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    ns,
    log,
    conns,
    close: () => new Promise<void>((r) => {
      for (const s of conns) s.destroy();
      server.close(() => r());
    }),
  };
}
