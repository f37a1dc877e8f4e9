import { propertyParams } from '@biopath/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.ts';
import {
  NVME_TCP_F_DATA_LAST, NVME_TCP_F_DATA_SUCCESS, NVME_TCP_F_DDGST, NVME_TCP_F_HDGST, NVME_TCP_FES_HDR_DIGEST_ERR,
  nvme_tcp_c2h_data, nvme_tcp_c2h_term, nvme_tcp_cmd, nvme_tcp_h2c_data, nvme_tcp_icreq, nvme_tcp_icresp, nvme_tcp_r2t,
  nvme_tcp_rsp,
} from './nvme-tcp-defs.ts';
import {
  nvmeTcpChGet, nvmeTcpCheckHdr, nvmeTcpCmdPduPut, nvmeTcpDataHdrGet, nvmeTcpDataPduPut, nvmeTcpHdgstOk, nvmeTcpHdrAlloc,
  nvmeTcpIcGet, nvmeTcpIcreqPut, nvmeTcpIcrespPut, nvmeTcpR2tPut, nvmeTcpRspPduPut, nvmeTcpTermPduPut,
} from './nvme-tcp-pdu.ts';

const hdr = (b: Uint8Array) => nvmeTcpChGet(b, 0, nvmeTcpHdrAlloc());

describe('NVMe/TCP PDU headers', () => {
  it('ICReq: 128 bytes, HLEN = PLEN = 128, PFV 0, HPDA, digest bits, MAXR2T at their offsets', () => {
    const b = new Uint8Array(128).fill(0xaa);
    expect(nvmeTcpIcreqPut(b, 0, { hpda: 3, hdgst: true, ddgst: false, maxr2t: 7 })).toBe(128);
    expect(Array.from(b.subarray(0, 16))).toEqual([0, 0, 128, 0, 128, 0, 0, 0, 0, 0, 3, 1, 7, 0, 0, 0]);
    expect(b.subarray(16).every((x) => x === 0)).toBe(true);
    expect(nvmeTcpCheckHdr(hdr(b), true, true)).toBe(0);
    expect(nvmeTcpIcGet(b, 0)).toEqual({ pfv: 0, pda: 3, hdgst: true, ddgst: false, maxdata: 7 });
  });

  it('ICResp round-trips CPDA, digests and MAXH2CDATA', () => {
    const b = new Uint8Array(128);
    nvmeTcpIcrespPut(b, 0, { cpda: 1, hdgst: false, ddgst: true, maxh2cdata: 131072 });
    expect(hdr(b)).toEqual({ type: nvme_tcp_icresp, flags: 0, hlen: 128, pdo: 0, plen: 128 });
    expect(nvmeTcpIcGet(b, 0)).toEqual({ pfv: 0, pda: 1, hdgst: false, ddgst: true, maxdata: 131072 });
  });

  it('CapsuleCmd without data: HLEN 72, PDO 0, PLEN 72 (+4 with a header digest that verifies)', () => {
    const sqe = Uint8Array.from({ length: 64 }, (_, i) => i);
    const b = new Uint8Array(200);
    expect(nvmeTcpCmdPduPut(b, 0, sqe, 0, false, false)).toBe(72);
    expect(hdr(b)).toEqual({ type: nvme_tcp_cmd, flags: 0, hlen: 72, pdo: 0, plen: 72 });
    expect(Array.from(b.subarray(8, 72))).toEqual(Array.from(sqe));
    expect(nvmeTcpCmdPduPut(b, 0, sqe, 0, true, true)).toBe(76);
    expect(hdr(b)).toEqual({ type: nvme_tcp_cmd, flags: NVME_TCP_F_HDGST, hlen: 72, pdo: 0, plen: 76 });
    expect(new DataView(b.buffer).getUint32(72, true)).toBe(crc32c(b, 0, 72));
    expect(nvmeTcpHdgstOk(b, 0)).toBe(true);
  });

  it('CapsuleCmd with in-capsule data: PDO after the header digest, padded to CPDA, PLEN counts data and its digest', () => {
    const b = new Uint8Array(200).fill(0xcc);
    const n = nvmeTcpCmdPduPut(b, 0, new Uint8Array(64), 512, true, true, 7);
    expect(n).toBe(96);
    expect(hdr(b)).toEqual({ type: nvme_tcp_cmd, flags: NVME_TCP_F_HDGST | NVME_TCP_F_DDGST, hlen: 72, pdo: 96, plen: 96 + 512 + 4 });
    expect(b.subarray(76, 96).every((x) => x === 0)).toBe(true);
    expect(nvmeTcpCheckHdr(hdr(b), true, true)).toBe(512);
  });

  it('CapsuleResp carries the 16-byte CQE after the common header', () => {
    const cqe = Uint8Array.from({ length: 16 }, (_, i) => 100 + i);
    const b = new Uint8Array(64);
    expect(nvmeTcpRspPduPut(b, 0, cqe, false)).toBe(24);
    expect(hdr(b)).toEqual({ type: nvme_tcp_rsp, flags: 0, hlen: 24, pdo: 0, plen: 24 });
    expect(Array.from(b.subarray(8, 24))).toEqual(Array.from(cqe));
  });

  it('TermReq carries FES, FEI and the offending header as data, never digests', () => {
    const b = new Uint8Array(200);
    const bad = Uint8Array.from({ length: 72 }, (_, i) => i);
    expect(nvmeTcpTermPduPut(b, 0, nvme_tcp_c2h_term, NVME_TCP_FES_HDR_DIGEST_ERR, 0x10, bad)).toBe(96);
    expect(hdr(b)).toEqual({ type: nvme_tcp_c2h_term, flags: 0, hlen: 24, pdo: 24, plen: 96 });
    expect(new DataView(b.buffer).getUint16(8, true)).toBe(3);
    expect(nvmeTcpCheckHdr(hdr(b), true, true)).toBe(72);
    expect(nvmeTcpTermPduPut(b, 0, nvme_tcp_c2h_term, 1, 0, new Uint8Array(300))).toBe(24 + 128);
  });

  it('data PDUs and R2T round-trip every field, for any digests and alignment', () => {
    fc.assert(fc.property(
      fc.constantFrom(nvme_tcp_h2c_data, nvme_tcp_c2h_data, nvme_tcp_r2t), fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 2 ** 24 }),
      fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 31 }), fc.boolean(),
      (type, commandId, ttag, offset, length, hd, dd, pda, last) => {
        const b = new Uint8Array(256);
        const d = { commandId, ttag, offset, length };
        const isR2t = type === nvme_tcp_r2t;
        const flags = isR2t ? 0 : (last ? NVME_TCP_F_DATA_LAST : 0) | (last && type === nvme_tcp_c2h_data ? NVME_TCP_F_DATA_SUCCESS : 0);
        if (isR2t) nvmeTcpR2tPut(b, 0, d, hd);
        else nvmeTcpDataPduPut(b, 0, type, flags, d, hd, dd, pda);
        const h = hdr(b);
        expect(h.type).toBe(type);
        expect(nvmeTcpCheckHdr(h, hd, dd)).toBe(isR2t ? 0 : length);
        if (!isR2t) expect(h.pdo % ((pda + 1) * 4)).toBe(0);
        expect(nvmeTcpDataHdrGet(b, 0, { commandId: 0, ttag: 0, offset: 0, length: 0 })).toEqual(d);
        if (hd) expect(nvmeTcpHdgstOk(b, 0)).toBe(true);
      },
    ), propertyParams({ numRuns: 300 }));
  });
});

describe('NVMe/TCP header checks refuse malformed PDUs with EPROTO', () => {
  const good = (): Uint8Array => {
    const b = new Uint8Array(64);
    nvmeTcpDataPduPut(b, 0, nvme_tcp_c2h_data, NVME_TCP_F_DATA_LAST, { commandId: 1, ttag: 0, offset: 0, length: 4096 }, false, false);
    return b;
  };
  const cases: [string, (b: Uint8Array) => void, RegExp, boolean?, boolean?][] = [
    ['an unknown type', (b) => { b[0] = 0x8; }, /unknown PDU type 0x8/],
    ['a wrong HLEN', (b) => { b[2] = 20; }, /C2HData HLEN 20, expected 24/],
    ['SUCCESS without LAST', (b) => { b[1] = NVME_TCP_F_DATA_SUCCESS; }, /SUCCESS set but not LAST/],
    ['PDO inside the header', (b) => { b[3] = 16; }, /PDO 16 lies inside the header/],
    ['PLEN shorter than the header', (b) => { new DataView(b.buffer).setUint32(4, 10, true); }, /PLEN 10 is shorter/],
    ['a header digest the connection did not negotiate', (b) => { b[1] |= NVME_TCP_F_HDGST; }, /HDGST flag set but header digests are off/],
    ['no header digest when one was negotiated', () => undefined, /HDGST flag clear but header digests are on/, true],
    ['no data digest when one was negotiated', () => undefined, /DDGST flag clear but data digests are on/, false, true],
    ['DATA flags on a CapsuleResp', (b) => { b[0] = nvme_tcp_rsp; b[1] = NVME_TCP_F_DATA_LAST; }, /DATA flags on a PDU without data/],
    ['data on an R2T', (b) => { b[0] = nvme_tcp_r2t; b[1] = 0; }, /this PDU carries no data/],
    ['an ICReq HLEN mismatch', (b) => { b[0] = nvme_tcp_icreq; }, /ICReq HLEN 24, expected 128/],
  ];
  it.each(cases)('%s', (_name, mutate, msg, hd = false, dd = false) => {
    const b = good();
    mutate(b);
    let err: unknown;
    try {
      nvmeTcpCheckHdr(hdr(b), hd, dd);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'EPROTO', message: expect.stringMatching(msg) });
    expect((err as Error).message).toMatch(/^EPROTO: nvmeTcpCheckHdr\(hdr\)/);
  });

  it('a flipped header bit fails the header digest', () => {
    const b = new Uint8Array(64);
    nvmeTcpR2tPut(b, 0, { commandId: 5, ttag: 1, offset: 0, length: 8192 }, true);
    expect(nvmeTcpHdgstOk(b, 0)).toBe(true);
    b[12] ^= 1;
    expect(nvmeTcpHdgstOk(b, 0)).toBe(false);
  });
});
