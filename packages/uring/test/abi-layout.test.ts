// The SQE/CQE byte layout matches the kernel's: fields written by prep helpers land at the
// kernel's offsets, and the kernel echoes user_data / res from where we read them.
import { describe, expect, it } from 'vitest';
import { arenaCreate, arenaFree, IOVA_SHIFT } from '@biopath/native';
import {
  IoUring, prepNop, prepNopInject, prepRead, prepReadFixed, prepUringCmd, sqeCmdOffset, sqeSetData, sqeSetFlags,
  SQE_ADDR, SQE_BUF_INDEX, SQE_FD, SQE_LEN, SQE_OFF, SQE_OPCODE, SQE_USER_DATA, SQE_FLAGS, SQE_CMD, IOSQE_IO_LINK,
  IORING_OP_READ, IORING_OP_READ_FIXED, IORING_OP_URING_CMD,
} from '@biopath/uring';

function u64(b: Uint8Array, at: number): bigint {
  return new DataView(b.buffer, b.byteOffset).getBigUint64(at, true);
}

describe.each([
  { sqe128: false, sqeSize: 64, cqeSize: 16 },
  { sqe128: true, sqeSize: 128, cqeSize: 32 },
])('ring with sqe128=$sqe128', ({ sqe128, sqeSize, cqeSize }) => {
  it(`uses ${sqeSize}-byte SQEs and ${cqeSize}-byte CQEs`, () => {
    const r = new IoUring({ entries: 8, sqe128 });
    try {
      expect(r.sqeSize).toBe(sqeSize);
      expect(r.cqeSize).toBe(cqeSize);
      expect(r.sqU8.byteLength).toBeGreaterThanOrEqual(r.sqEntries * sqeSize);
    } finally {
      r.close();
    }
  });

  it('prepRead writes opcode, fd, off, addr, len and user_data at the kernel offsets', () => {
    const r = new IoUring({ entries: 8, sqe128 });
    try {
      const s = r.getSqe();
      prepRead(r, s, 7, 0x123456789a, 4096, 2 ** 40 + 512);
      sqeSetData(r, s, 2 ** 52 + 3);
      sqeSetFlags(r, s, IOSQE_IO_LINK);
      const b = r.sqU8.subarray(s * sqeSize, (s + 1) * sqeSize);
      expect(b[SQE_OPCODE]).toBe(IORING_OP_READ);
      expect(b[SQE_FLAGS]).toBe(IOSQE_IO_LINK);
      expect(new DataView(b.buffer, b.byteOffset).getInt32(SQE_FD, true)).toBe(7);
      expect(u64(b, SQE_OFF)).toBe(2n ** 40n + 512n);
      expect(u64(b, SQE_ADDR)).toBe(0x123456789an);
      expect(new DataView(b.buffer, b.byteOffset).getUint32(SQE_LEN, true)).toBe(4096);
      expect(u64(b, SQE_USER_DATA)).toBe(2n ** 52n + 3n);
    } finally {
      r.close();
    }
  });

  it('a NOP round-trips user_data, and an injected result comes back in res', () => {
    const r = new IoUring({ entries: 8, sqe128 });
    try {
      const a = r.getSqe();
      prepNop(r, a);
      sqeSetData(r, a, 0xdead_beef_1234);
      const b = r.getSqe();
      prepNopInject(r, b, -5);
      sqeSetData(r, b, 42);
      r.submitAndWait(2);
      const got = new Map<number, number>();
      for (let i = 0; i < r.cqReady(); i++) got.set(r.cqeUserData(i), r.cqeRes(i));
      r.cqAdvance(r.cqReady());
      expect(got).toEqual(new Map([[0xdead_beef_1234, 0], [42, -5]]));
    } finally {
      r.close();
    }
  });
});

describe('fixed and passthrough fields', () => {
  it('prepReadFixed puts buf_index at byte 40; prepUringCmd puts cmd_op at byte 8 and the command at 48', () => {
    const r = new IoUring({ entries: 4, sqe128: true });
    try {
      const s = r.getSqe();
      prepReadFixed(r, s, 3, 4096, 512, 0, 9);
      const b = r.sqU8.subarray(s * 128, s * 128 + 128);
      expect(b[SQE_OPCODE]).toBe(IORING_OP_READ_FIXED);
      expect(new DataView(b.buffer, b.byteOffset).getUint16(SQE_BUF_INDEX, true)).toBe(9);
      const t = r.getSqe();
      prepUringCmd(r, t, 0xc0484e80, 5);
      const c = r.sqU8.subarray(t * 128, t * 128 + 128);
      expect(c[SQE_OPCODE]).toBe(IORING_OP_URING_CMD);
      expect(new DataView(c.buffer, c.byteOffset).getUint32(SQE_OFF, true)).toBe(0xc0484e80);
      expect(sqeCmdOffset(r, t)).toBe(t * 128 + SQE_CMD);
    } finally {
      r.close();
    }
  });

  it('arena IOVAs carry the region id in bits IOVA_SHIFT (32) and up', () => {
    const a = arenaCreate(4096);
    try {
      expect(IOVA_SHIFT).toBe(32);
      expect(a.iova).toBe(a.id * 2 ** IOVA_SHIFT);
    } finally {
      arenaFree(a.id);
    }
  });
});
