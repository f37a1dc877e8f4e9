// O_DIRECT writes and reads through io_uring land real bytes on a real loop device and on an
// image file: what we write is what a plain buffered read of the backing file sees, and what we
// read back equals it. Plain, vectored and registered-buffer (FIXED) variants.
import { describe, expect, it } from 'vitest';
import { randomFillSync } from 'node:crypto';
import {
  prepFsync, IORING_FSYNC_DATASYNC, prepRead, prepReadFixed, prepReadv, prepWrite, prepWriteFixed, prepWritev, putIovec, sqeSetData,
} from '@biopath/uring';
import { createImage, probe, removeImage, withLoopDevice } from '@biopath/testing';
import { collect, readWitness, withRig } from './helpers.ts';
import type { Rig } from './helpers.ts';

const loop = probe.loop();

const SIZE = 4 << 20;
const IO = 64 << 10;
type Variant = 'plain' | 'vectored' | 'fixed';

/** Write IO bytes at `off` from arena offset 0, read them back into arena offset IO. */
function writeThenRead(r: Rig, variant: Variant, off: number): void {
  const { ring, arena, fd } = r;
  const iov = arena.iova + 4 * IO; // iovec arrays live in the arena too
  const u32 = new Uint32Array(arena.buffer);
  const ops: Array<[number, boolean]> = [[0, true], [IO, false]];
  for (const [bufOff, isWrite] of ops) {
    const s = ring.getSqeOrThrow();
    if (variant === 'plain') (isWrite ? prepWrite : prepRead)(ring, s, fd, arena.iova + bufOff, IO, off);
    if (variant === 'fixed') (isWrite ? prepWriteFixed : prepReadFixed)(ring, s, fd, arena.iova + bufOff, IO, off, 0);
    if (variant === 'vectored') {
      // two segments of IO/2 each: exercises per-segment translation
      const at = iov + (isWrite ? 0 : 64);
      putIovec(u32, at / 4 - arena.iova / 4, arena.iova + bufOff, IO / 2);
      putIovec(u32, at / 4 - arena.iova / 4 + 4, arena.iova + bufOff + IO / 2, IO / 2);
      (isWrite ? prepWritev : prepReadv)(ring, s, fd, at, 2, off);
    }
    sqeSetData(ring, s, bufOff + 1);
    expect(collect(ring, 1)).toEqual(new Map([[bufOff + 1, IO]]));
  }
}

describe.skipIf(!loop.ok).each(['loop', 'file'] as const)('O_DIRECT on a %s', (target) => {
  async function onTarget(fn: (path: string, image: string) => Promise<void>): Promise<void> {
    if (target === 'loop') return withLoopDevice(SIZE, fn);
    const image = createImage(SIZE);
    try {
      await fn(image, image);
    } finally {
      removeImage(image);
    }
  }

  it.each(['plain', 'vectored', 'fixed'] as const)('%s write then read returns the written bytes', async (variant) => {
    await onTarget(async (path, image) => {
      await withRig(path, 1 << 20, { entries: 16 }, (r) => {
        if (variant === 'fixed') r.ring.registerBuffers([{ iova: r.arena.iova, len: 2 * IO }]);
        const pattern = randomFillSync(new Uint8Array(IO));
        r.bytes.set(pattern, 0);
        const off = 7 * IO;
        const before = readWitness(image, off, IO);
        writeThenRead(r, variant, off);
        expect(Buffer.from(r.bytes.subarray(IO, 2 * IO)).equals(Buffer.from(pattern))).toBe(true);
        const after = readWitness(image, off, IO);
        expect(after.equals(Buffer.from(pattern))).toBe(true);
        expect(after.equals(before)).toBe(false);
      });
    });
  });

  it('a read returns what the backing file holds at that offset', async () => {
    await onTarget(async (path, image) => {
      await withRig(path, 1 << 20, { entries: 8 }, (r) => {
        const s = r.ring.getSqeOrThrow();
        prepRead(r.ring, s, r.fd, r.arena.iova + 8192, 16384, 3 * 4096);
        sqeSetData(r.ring, s, 1);
        expect(collect(r.ring, 1).get(1)).toBe(16384);
        expect(Buffer.from(r.bytes.subarray(8192, 8192 + 16384)).equals(readWitness(image, 3 * 4096, 16384))).toBe(true);
      });
    });
  });
});

it.skipIf(!loop.ok)('FSYNC and FDATASYNC complete with 0 on a loop device after a write', async () => {
  await withLoopDevice(SIZE, async (dev) => {
    await withRig(dev, 1 << 16, { entries: 8 }, (r) => {
      const w = r.ring.getSqeOrThrow();
      prepWrite(r.ring, w, r.fd, r.arena.iova, 4096, 0);
      sqeSetData(r.ring, w, 1);
      const f = r.ring.getSqeOrThrow();
      prepFsync(r.ring, f, r.fd, 0);
      sqeSetData(r.ring, f, 2);
      expect(collect(r.ring, 2)).toEqual(new Map([[1, 4096], [2, 0]]));
      const d = r.ring.getSqeOrThrow();
      prepFsync(r.ring, d, r.fd, IORING_FSYNC_DATASYNC);
      sqeSetData(r.ring, d, 3);
      expect(collect(r.ring, 1)).toEqual(new Map([[3, 0]]));
    });
  });
});
