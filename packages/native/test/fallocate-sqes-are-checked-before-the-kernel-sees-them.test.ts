// IORING_OP_FALLOCATE (fio's io_uring trim: a punch-hole fallocate) carries no memory reference,
// so the shim checks only its fields: reserved ones zero, a known mode, offset and length that fit
// a loff_t, length > 0. A refused SQE completes with -EINVAL before the kernel looks at the fd
// (fd -1 would otherwise give -EBADF); a good one reaches the kernel and punches a real hole.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OP, RawRing } from './fixtures/raw-ring.ts';
import type { Sqe } from './fixtures/raw-ring.ts';

const EINVAL = 22, EBADF = 9;
const PUNCH_KEEP = 0x02 | 0x01;
let ring: RawRing;
let dir: string;

beforeAll(() => {
  ring = new RawRing({ entries: 8 });
  dir = mkdtempSync(join(tmpdir(), 'biopath-falloc-'));
});
afterAll(() => {
  ring?.close();
  rmSync(dir, { recursive: true, force: true });
});

function one(s: Omit<Sqe, 'op' | 'userData'>): number {
  expect(ring.stage({ op: OP.FALLOCATE, userData: 77, ...s })).toBe(true);
  const cqes = ring.submit(1);
  expect(cqes).toHaveLength(1);
  expect(cqes[0]!.userData).toBe(77);
  return cqes[0]!.res;
}

describe('FALLOCATE field checks', () => {
  const good = { fd: -1, off: 4096, addr: 4096, len: PUNCH_KEEP };
  it('a well-formed SQE reaches the kernel (which refuses fd -1 with EBADF)', () => {
    expect(one(good)).toBe(-EBADF);
  });
  it.each([
    ['an unknown mode bit', { len: PUNCH_KEEP | 0x80 }],
    ['nonzero rw_flags', { opFlags: 1 }],
    ['nonzero buf_index', { bufIndex: 1 }],
    ['a zero length', { addr: 0 }],
    ['a length past loff_t', { addr: 2 ** 63 }],
    ['an offset past loff_t', { off: 2 ** 63 }],
  ])('%s is refused with EINVAL before the kernel sees the fd', (_what, bad) => {
    expect(one({ ...good, ...bad })).toBe(-EINVAL);
  });
});

describe('FALLOCATE on a real file', () => {
  it('punch-hole | keep-size frees the blocks, keeps the size and reads back zeroes', () => {
    const path = join(dir, 'f');
    const fd = openSync(path, 'w+');
    try {
      writeSync(fd, new Uint8Array(1 << 20).fill(0xab), 0, 1 << 20, 0);
      const before = statSync(path);
      expect(one({ fd, off: 256 << 10, addr: 512 << 10, len: PUNCH_KEEP })).toBe(0);
      const after = statSync(path);
      expect(after.size).toBe(before.size);
      expect(after.blocks).toBeLessThan(before.blocks);
      const back = new Uint8Array(1 << 20);
      readSync(fd, back, 0, 1 << 20, 0);
      expect(back.subarray(256 << 10, 768 << 10).every((b) => b === 0)).toBe(true);
      expect(back[(256 << 10) - 1]).toBe(0xab);
      expect(back[768 << 10]).toBe(0xab);
    } finally {
      closeSync(fd);
    }
  });
});
