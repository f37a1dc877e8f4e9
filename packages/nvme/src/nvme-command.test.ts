// NVMe commands encode byte for byte as the NVMe base and NVM command set specs lay them out, and
// `struct nvme_uring_cmd` matches include/uapi/linux/nvme_ioctl.h.
import { describe, expect, it } from 'vitest';
import {
  nvmeCommandAlloc, nvmeCommandWrite, nvmeDsmRangePut, nvmeSetPrps, nvmeSetupDsm, nvmeSetupFlush, nvmeSetupIdentifyCtrl,
  nvmeSetupIdentifyNs, nvmeSetupRw, nvmeSetupWriteZeroes, nvmeUringCmdPut, NVME_RW_FUA, NVME_RW_LR, NVME_WZ_DEAC,
  NVME_URING_CMD_IO, NVME_URING_CMD_IO_VEC, NVME_URING_CMD_ADMIN, NVME_URING_CMD_ADMIN_VEC, NVME_URING_CMD_SIZE,
  NVME_CMD_SGL_METABUF, nvme_cmd_read, nvme_cmd_write, nvmeInitCommand,
} from '@biopath/nvme';

/** The 64 bytes a controller would fetch. */
function sqeBytes(fill: (c: Uint32Array) => void): Uint8Array {
  const c = nvmeCommandAlloc();
  fill(c);
  const out = new Uint8Array(64);
  nvmeCommandWrite(c, out, 0);
  return out;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Build expected bytes from (offset, little-endian value, width) triples. */
function layout(fields: [number, number | bigint, number][]): string {
  const b = Buffer.alloc(64);
  for (const [at, v, w] of fields) {
    if (w === 1) b.writeUInt8(Number(v), at);
    else if (w === 2) b.writeUInt16LE(Number(v), at);
    else if (w === 4) b.writeUInt32LE(Number(v), at);
    else b.writeBigUInt64LE(BigInt(v), at);
  }
  return b.toString('hex');
}

describe('NVM command set I/O commands', () => {
  it('Read: opcode 02h, NSID, SLBA in CDW10-11, 0-based NLB in CDW12 15:0', () => {
    const got = sqeBytes((c) => nvmeSetupRw(c, nvme_cmd_read, 1, 0x1_2345_6789, 8));
    expect(hex(got)).toBe(layout([[0, 0x02, 1], [4, 1, 4], [40, 0x1_2345_6789n, 8], [48, 7, 4]]));
  });

  it('Write with FUA and Limited Retry: control bits 14/15 land in CDW12 bits 30/31', () => {
    const got = sqeBytes((c) => nvmeSetupRw(c, nvme_cmd_write, 3, 2048, 65536, NVME_RW_FUA | NVME_RW_LR, 0x7));
    expect(got[0]).toBe(0x01);
    expect(Buffer.from(got).readUInt32LE(48)).toBe((0xffff | (1 << 30) | (1 << 31)) >>> 0);
    expect(Buffer.from(got).readUInt32LE(52)).toBe(7); // CDW13 DSM
    expect(Buffer.from(got).readBigUInt64LE(40)).toBe(2048n);
  });

  it('Flush: opcode 00h and the namespace, nothing else', () => {
    expect(hex(sqeBytes((c) => nvmeSetupFlush(c, 0xffffffff)))).toBe(layout([[4, 0xffffffff, 4]]));
  });

  it('Write Zeroes: opcode 08h, SLBA, NLB-1 and DEAC (CDW12 bit 25)', () => {
    const got = sqeBytes((c) => nvmeSetupWriteZeroes(c, 1, 100, 16, NVME_WZ_DEAC));
    expect(hex(got)).toBe(layout([[0, 0x08, 1], [4, 1, 4], [40, 100n, 8], [48, 15 | (1 << 25), 4]]));
  });

  it('Dataset Management: opcode 09h, NR (0-based) in CDW10, AD in CDW11, 16-byte ranges', () => {
    expect(hex(sqeBytes((c) => nvmeSetupDsm(c, 2, 3)))).toBe(layout([[0, 0x09, 1], [4, 2, 4], [40, 2, 4], [44, 4, 4]]));
    const ranges = new Uint32Array(8);
    nvmeDsmRangePut(ranges, 0, 1, 0x1_0000_0001, 77, 0xaa);
    const b = Buffer.from(ranges.buffer);
    expect(b.readUInt32LE(16)).toBe(0xaa); // context attributes
    expect(b.readUInt32LE(20)).toBe(77); // length in LBAs, 1-based
    expect(b.readBigUInt64LE(24)).toBe(0x1_0000_0001n); // starting LBA
  });
});

describe('admin Identify', () => {
  it('Identify Controller: opcode 06h, CNS 01h in CDW10, NSID 0', () => {
    expect(hex(sqeBytes((c) => nvmeSetupIdentifyCtrl(c)))).toBe(layout([[0, 0x06, 1], [40, 1, 4]]));
  });

  it('Identify Namespace: CNS 00h and the NSID', () => {
    expect(hex(sqeBytes((c) => nvmeSetupIdentifyNs(c, 5)))).toBe(layout([[0, 0x06, 1], [4, 5, 4]]));
  });
});

describe('common fields', () => {
  it('CID occupies CDW0 31:16, PRP1/PRP2 bytes 24-39', () => {
    const got = sqeBytes((c) => {
      nvmeInitCommand(c, 0x02, 1, 0xbeef);
      nvmeSetPrps(c, 0x12_3456_7000, 0x12_3456_8000);
    });
    expect(hex(got)).toBe(layout([[0, 0x02, 1], [2, 0xbeef, 2], [4, 1, 4], [24, 0x12_3456_7000n, 8], [32, 0x12_3456_8000n, 8]]));
  });
});

describe('struct nvme_uring_cmd', () => {
  it('ioctl numbers are _IOWR(N, 0x80..0x83, 72-byte struct)', () => {
    const iowr = (nr: number) => ((3 << 30) | (NVME_URING_CMD_SIZE << 16) | (0x4e << 8) | nr) >>> 0;
    expect([NVME_URING_CMD_IO, NVME_URING_CMD_IO_VEC, NVME_URING_CMD_ADMIN, NVME_URING_CMD_ADMIN_VEC]).toEqual(
      [iowr(0x80), iowr(0x81), iowr(0x82), iowr(0x83)]);
  });

  it('fields at the uapi offsets; flags forced to 0 and CID/DPTR not carried', () => {
    const c = nvmeCommandAlloc();
    nvmeSetupRw(c, nvme_cmd_write, 9, 0x10, 4, NVME_RW_FUA, 0x11);
    c[0] |= (NVME_CMD_SGL_METABUF << 8) | (0x1234 << 16); // PSDT and a CID the kernel must not see
    nvmeSetPrps(c, 0xdead000, 0xbeef000);
    c[2] = 0xc2;
    c[3] = 0xc3;
    const u32 = new Uint32Array(20).fill(0xffffffff);
    nvmeUringCmdPut(u32, 1, c, 0x7_0000_1000, 2048, 0x5000, 64, 1500);
    const b = Buffer.from(u32.buffer, 4, NVME_URING_CMD_SIZE);
    expect(b[0]).toBe(0x01); // opcode
    expect(b[1]).toBe(0); // flags
    expect(b.readUInt16LE(2)).toBe(0); // rsvd1
    expect(b.readUInt32LE(4)).toBe(9); // nsid
    expect([b.readUInt32LE(8), b.readUInt32LE(12)]).toEqual([0xc2, 0xc3]);
    expect(b.readBigUInt64LE(16)).toBe(0x5000n); // metadata
    expect(b.readBigUInt64LE(24)).toBe(0x7_0000_1000n); // addr
    expect(b.readUInt32LE(32)).toBe(64); // metadata_len
    expect(b.readUInt32LE(36)).toBe(2048); // data_len
    expect(b.readBigUInt64LE(40)).toBe(0x10n); // cdw10-11 SLBA
    expect(b.readUInt32LE(48)).toBe(3 | (1 << 30)); // cdw12
    expect(b.readUInt32LE(52)).toBe(0x11); // cdw13
    expect(b.readUInt32LE(64)).toBe(1500); // timeout_ms
    expect(b.readUInt32LE(68)).toBe(0); // rsvd2
    expect(u32[19]).toBe(0xffffffff); // nothing written past 72 bytes
  });
});
