// The bdev driver's contract: a request costs one SQE whatever its page count. Physically
// contiguous pages — even when block split them into several segments at max_segment_size — go as
// one READ/WRITE (or READ_FIXED/WRITE_FIXED over the registered MemMap); scattered pages as one
// READV/WRITEV. Checked on a real loop device: the SQE counters and the bytes on the device.
import { describe, expect, it } from 'vitest';
import { REQ_OP_READ, REQ_OP_WRITE } from '@biopath/block';
import { probe, readImage, withLoopDevice } from '@biopath/testing';
import { createBdevDriver } from '@biopath/nvme';
import { contiguous, expectedPattern, fillPieces, frames, io, readPieces, withStack } from './helpers.ts';
import type { Piece, Stack } from './helpers.ts';

const loop = probe.loop();
if (!loop.ok) console.log(`skip bdev SQE-shape tests: ${loop.reason}`);
const MiB = 1 << 20;
const KiB = 1024;
/** Block splits segments at 64 KiB; 1 MiB requests stay whole. */
const limits = { max_segment_size: 64 * KiB, max_hw_sectors: 2048, max_user_sectors: 2048 };

/** Write `pieces` (pattern `seed`) at sector 0, read them back into `back`; returns the SQE deltas of each. */
function roundTrip(s: Stack, dev: string, pieces: Piece[], back: Piece[], seed: number): { w: Record<string, number>; r: Record<string, number> } {
  const bytes = pieces.reduce((a, p) => a + p.len, 0);
  const snap = () => ({ ...s.drv.stats });
  const delta = (a: Record<string, number>, b: Record<string, number>) => ({
    queued: b.queued! - a.queued!, sqes: b.sqes! - a.sqes!, fixed: b.fixedSqes! - a.fixedSqes!, vectored: b.vectoredSqes! - a.vectoredSqes!,
  });
  fillPieces(s.mem, pieces, seed);
  const s0 = snap();
  expect(io(s, REQ_OP_WRITE, 0, pieces)).toBe(0);
  const s1 = snap();
  expect(readImage(dev, 0, bytes)).toEqual(expectedPattern(seed, bytes));
  fillPieces(s.mem, back, seed + 1);
  expect(io(s, REQ_OP_READ, 0, back)).toBe(0);
  const s2 = snap();
  expect(readPieces(s.mem, back)).toEqual(expectedPattern(seed, bytes));
  return { w: delta(s0 as never, s1 as never), r: delta(s1 as never, s2 as never) };
}

describe.skipIf(!loop.ok)('bdev driver: one SQE per request', () => {
  it.each([false, true])('64 contiguous pages (block maps 4 segments) are one SQE, fixedBuffers %s', async (fixedBuffers) => {
    await withLoopDevice(4 * MiB, async (dev) => {
      await withStack((mem) => createBdevDriver({ path: dev, mem, queueDepth: 4, fixedBuffers }), (s) => {
        const run = (): Piece[] => [{ pfn: contiguous(s.mem, 6), off: 0, len: 256 * KiB }];
        const d = roundTrip(s, dev, run(), run(), 21);
        for (const x of [d.w, d.r]) {
          expect(x).toEqual({ queued: 1, sqes: 1, fixed: fixedBuffers ? 1 : 0, vectored: 0 });
        }
      }, { limits });
    });
  });

  it.each([false, true])('16 scattered pages are one READV/WRITEV, fixedBuffers %s', async (fixedBuffers) => {
    await withLoopDevice(4 * MiB, async (dev) => {
      await withStack((mem) => createBdevDriver({ path: dev, mem, queueDepth: 4, fixedBuffers }), (s) => {
        const pages = (): Piece[] => frames(s.mem, 16).map((pfn) => ({ pfn, off: 0, len: 4096 }));
        const d = roundTrip(s, dev, pages(), pages(), 33);
        for (const x of [d.w, d.r]) expect(x).toEqual({ queued: 1, sqes: 1, fixed: 0, vectored: 1 });
      }, { limits });
    });
  });

  it('two contiguous runs and a lone page: one READV/WRITEV of three ranges, the bytes in order', async () => {
    await withLoopDevice(4 * MiB, async (dev) => {
      await withStack((mem) => createBdevDriver({ path: dev, mem, queueDepth: 4 }), (s) => {
        const mk = (): Piece[] => {
          const a = contiguous(s.mem, 5);
          const gap = frames(s.mem, 1);
          const b = contiguous(s.mem, 4);
          return [{ pfn: a, off: 0, len: 128 * KiB }, { pfn: gap[0]!, off: 0, len: 4096 }, { pfn: b, off: 0, len: 64 * KiB }];
        };
        const d = roundTrip(s, dev, mk(), mk(), 45);
        for (const x of [d.w, d.r]) expect(x).toEqual({ queued: 1, sqes: 1, fixed: 0, vectored: 1 });
      }, { limits });
    });
  });
});
