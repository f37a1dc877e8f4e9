// Bad input never reaches memory it should not and always comes back as a clear error:
// addresses outside the arena are refused before the kernel sees them (-EFAULT), misaligned
// O_DIRECT IO is refused by the kernel (-EINVAL), closed fds give EBADF, a full ring EBUSY.
import { describe, expect, it } from 'vitest';
import { arenaCreate, arenaFree, openDevice, BiopathError } from '@biopath/native';
import {
  IoUring, preadSync, prepRead, prepReadFixed, prepReadv, putIovec, sqeSetData, sqeSetFlags, IOSQE_BUFFER_SELECT,
} from '@biopath/uring';
import { probe, withLoopDevice } from '@biopath/testing';
import { collect, withRig } from './helpers.ts';
import type { Rig } from './helpers.ts';

const loop = probe.loop();

const DEV = 1 << 20;

async function onLoop(fn: (r: Rig) => void): Promise<void> {
  await withLoopDevice(DEV, (dev) => withRig(dev, 1 << 16, { entries: 8 }, fn));
}

/** Submit one prepared SQE and return its res; also report whether native refused it. */
function one(r: Rig, prep: (s: number) => void): { res: number; refused: boolean } {
  const before = r.ring.refusedTotal();
  const s = r.ring.getSqeOrThrow();
  prep(s);
  sqeSetData(r.ring, s, 77);
  const res = collect(r.ring, 1).get(77)!;
  return { res, refused: r.ring.refusedTotal() === before + 1 };
}

describe.skipIf(!loop.ok)('addresses outside the arena are refused before the kernel sees them', () => {
  it.each([
    ['an IOVA naming no region', (a: { iova: number }) => 3000 * 2 ** 40 + 0 * a.iova, 4096],
    ['a range running past its region', (a: { iova: number }) => a.iova + (1 << 16) - 4096, 8192],
    ['a raw pointer-looking address', () => 0x7fff_0000_0000, 4096],
  ])('%s completes with -EFAULT', async (_what, addr, len) => {
    await onLoop((r) => {
      r.bytes.fill(0x11);
      const out = one(r, (s) => prepRead(r.ring, s, r.fd, addr(r.arena), len, 0));
      expect(out).toEqual({ res: -14, refused: true });
      expect(r.bytes.every((b) => b === 0x11)).toBe(true);
    });
  });

  it('an iovec whose segment leaves the arena is refused with -EFAULT', async () => {
    await onLoop((r) => {
      const u32 = new Uint32Array(r.arena.buffer);
      putIovec(u32, 0, r.arena.iova + 4096, 4096);
      putIovec(u32, 4, 4000 * 2 ** 40, 4096);
      expect(one(r, (s) => prepReadv(r.ring, s, r.fd, r.arena.iova, 2, 0))).toEqual({ res: -14, refused: true });
    });
  });

  it('a freed region can no longer be named', async () => {
    await onLoop((r) => {
      const tmp = arenaCreate(4096);
      arenaFree(tmp.id);
      expect(one(r, (s) => prepRead(r.ring, s, r.fd, tmp.iova, 4096, 0))).toEqual({ res: -14, refused: true });
    });
  });

  it('a FIXED read outside its registered buffer, or with a bad index, is refused', async () => {
    await onLoop((r) => {
      r.ring.registerBuffers([{ iova: r.arena.iova, len: 8192 }]);
      expect(one(r, (s) => prepReadFixed(r.ring, s, r.fd, r.arena.iova + 8192, 4096, 0, 0)).res).toBe(-14);
      expect(one(r, (s) => prepReadFixed(r.ring, s, r.fd, r.arena.iova, 4096, 0, 3)).res).toBe(-14);
      expect(one(r, (s) => prepReadFixed(r.ring, s, r.fd, r.arena.iova, 4096, 0, 0)).res).toBe(4096);
      r.ring.unregisterBuffers();
    });
  });

  it('an opcode native cannot check, and buffer selection, are refused with -EINVAL', async () => {
    await onLoop((r) => {
      expect(one(r, (s) => { prepRead(r.ring, s, r.fd, r.arena.iova, 4096, 0); r.ring.sqU8[s * 64] = 9; /* SENDMSG */ })).toEqual({ res: -22, refused: true });
      expect(one(r, (s) => { prepRead(r.ring, s, r.fd, r.arena.iova, 4096, 0); sqeSetFlags(r.ring, s, IOSQE_BUFFER_SELECT); })).toEqual({ res: -22, refused: true });
    });
  });
});

describe.skipIf(!loop.ok)('the kernel\'s O_DIRECT rules come back as EINVAL', () => {
  it.each([
    ['buffer not 512-aligned', 100, 4096, 0],
    ['offset not a multiple of the block size', 0, 4096, 100],
    ['length not a multiple of the block size', 0, 1000, 0],
  ])('%s', async (_what, bufOff, len, off) => {
    await onLoop((r) => {
      expect(() => preadSync(r.ring, r.fd, r.arena.iova + bufOff, len, off)).toThrow(
        expect.objectContaining({ code: 'EINVAL', message: expect.stringMatching(/misaligned O_DIRECT/) }),
      );
      expect(r.ring.refusedTotal()).toBe(0);
    });
  });
});

describe.skipIf(!loop.ok)('other bad input', () => {
  it('a closed fd gives EBADF', async () => {
    await onLoop((r) => {
      expect(() => preadSync(r.ring, 1_000_000, r.arena.iova, 4096, 0)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    });
  });

  it('a full submission ring gives EBUSY, and frees up after submit', () => {
    const ring = new IoUring({ entries: 4 });
    try {
      for (let i = 0; i < ring.sqEntries; i++) expect(ring.getSqe()).toBeGreaterThanOrEqual(0);
      expect(ring.getSqe()).toBe(-1);
      expect(() => ring.getSqeOrThrow()).toThrow(expect.objectContaining({ code: 'EBUSY', message: expect.stringMatching(/ring full/) }));
      ring.submitAndWait(ring.sqEntries);
      expect(ring.getSqe()).toBeGreaterThanOrEqual(0);
      ring.submitAndWait(ring.sqEntries + 1);
      ring.cqAdvance(ring.cqReady());
    } finally {
      ring.close();
    }
  });

  it('a missing device gives ENOENT naming the path', () => {
    expect(() => openDevice('/dev/biopath-no-such-device')).toThrow(
      expect.objectContaining({ code: 'ENOENT', message: expect.stringContaining('/dev/biopath-no-such-device') }),
    );
  });

  it('a bad arena size gives EINVAL naming the argument', () => {
    expect(() => arenaCreate(1000)).toThrow(BiopathError);
    expect(() => arenaCreate(1000)).toThrow(/arenaCreate\(size\)/);
  });

  it('a closed ring gives EBADFD', () => {
    const ring = new IoUring({ entries: 2 });
    ring.close();
    expect(() => ring.submit()).toThrow(expect.objectContaining({ code: 'EBADFD' }));
  });

  it('DEFER_TASKRUN without SINGLE_ISSUER is refused up front', () => {
    expect(() => new IoUring({ entries: 2, deferTaskrun: true })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
