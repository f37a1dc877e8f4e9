// The bdev driver carries bios through io_uring on an O_DIRECT loop device: data written through
// it is on the device, data on the device comes back through it, in every SQE form (READ/WRITE,
// READV/WRITEV from its own iovec area, READ_FIXED/WRITE_FIXED over the registered MemMap).
import { describe, expect, it } from 'vitest';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { probe, withLoopDevice, readImage } from '@biopath/testing';
import { REQ_FUA, REQ_OP_DISCARD, REQ_OP_FLUSH, REQ_OP_READ, REQ_OP_WRITE, REQ_OP_WRITE_ZEROES, REQ_PREFLUSH } from '@biopath/block';
import { errno } from '@biopath/native';
import { createBdevDriver } from '@biopath/nvme';
import type { MemMap } from '@biopath/mm';
import {
  contiguous, expectedPattern, fillPieces, frames, io, ioMany, ioNoData, readPieces, withStack,
} from './helpers.ts';
import type { Piece } from './helpers.ts';

const loop = probe.loop();
if (!loop.ok) console.log(`skip bdev driver tests: ${loop.reason}`);
const MiB = 1 << 20;

const witness = readImage;

/** Three 4 KiB pieces from three separate frames (three segments), or one 12 KiB contiguous run. */
function layout(mem: MemMap, kind: 'one-segment' | 'three-segments'): Piece[] {
  if (kind === 'one-segment') return [{ pfn: contiguous(mem, 2), off: 0, len: 12288 }];
  return frames(mem, 3).map((pfn) => ({ pfn, off: 0, len: 4096 }));
}

const modes = [
  { name: 'READ/WRITE + READV/WRITEV', fixedBuffers: false, alwaysVectored: false },
  { name: 'always READV/WRITEV', fixedBuffers: false, alwaysVectored: true },
  { name: 'READ_FIXED/WRITE_FIXED', fixedBuffers: true, alwaysVectored: false },
];
const layouts = ['one-segment', 'three-segments'] as const;

describe.skipIf(!loop.ok).each(modes)('bdev driver, $name', (mode) => {
  it.each(layouts)('%s: write lands on the device, device data reads back', async (kind) => {
    await withLoopDevice(4 * MiB, async (dev) => {
      await withStack((mem) => createBdevDriver({ path: dev, mem, queueDepth: 8, ...mode }), (s) => {
        const w = layout(s.mem, kind);
        fillPieces(s.mem, w, 11);
        expect(io(s, REQ_OP_WRITE, 64, w)).toBe(0);
        expect(witness(dev, 64 * 512, 12288)).toEqual(expectedPattern(11, 12288));
        const r = layout(s.mem, kind);
        expect(io(s, REQ_OP_READ, 64, r)).toBe(0);
        expect(readPieces(s.mem, r)).toEqual(expectedPattern(11, 12288));
        // one SQE per request: a contiguous run is READ/WRITE (FIXED when registered), scattered pages one READV/WRITEV
        const st = s.drv.stats;
        expect(st.sqes).toBe(2);
        const vectored = kind === 'three-segments' || mode.alwaysVectored;
        expect(st.vectoredSqes).toBe(vectored ? 2 : 0);
        expect(st.fixedSqes).toBe(mode.fixedBuffers && kind === 'one-segment' ? 2 : 0);
      });
    });
  });
});

describe.skipIf(!loop.ok)('bdev driver: other ops and errors', () => {
  it('reads what another writer put on the device', async () => {
    await withLoopDevice(MiB, async (dev, image) => {
      const fd = openSync(image, 'r+');
      writeSync(fd, expectedPattern(5, 8192), 0, 8192, 8192);
      fsyncSync(fd);
      closeSync(fd);
      await withStack((mem) => createBdevDriver({ path: dev, mem }), (s) => {
        const r: Piece[] = [{ pfn: contiguous(s.mem, 1), off: 0, len: 8192 }];
        expect(io(s, REQ_OP_READ, 16, r)).toBe(0);
        expect(readPieces(s.mem, r)).toEqual(expectedPattern(5, 8192));
      });
    });
  });

  it('FLUSH, FUA and PREFLUSH writes succeed; PREFLUSH costs a linked FSYNC SQE', async () => {
    await withLoopDevice(MiB, async (dev) => {
      await withStack((mem) => createBdevDriver({ path: dev, mem }), (s) => {
        const w: Piece[] = [{ pfn: contiguous(s.mem, 0), off: 0, len: 4096 }];
        fillPieces(s.mem, w, 3);
        expect(ioNoData(s, REQ_OP_FLUSH, 0, 0)).toBe(0);
        expect(io(s, REQ_OP_WRITE | REQ_FUA, 0, w)).toBe(0);
        const before = s.drv.stats.sqes;
        expect(io(s, REQ_OP_WRITE | REQ_PREFLUSH, 8, w)).toBe(0);
        expect(s.drv.stats.sqes - before).toBe(2);
        expect(witness(dev, 4096, 4096)).toEqual(expectedPattern(3, 4096));
      });
    });
  });

  it('WRITE_ZEROES zeroes the range by writing the driver\'s zero page', async () => {
    await withLoopDevice(MiB, async (dev) => {
      await withStack((mem) => createBdevDriver({ path: dev, mem }), (s) => {
        expect(witness(dev, 512 * 100, 20480).some((b) => b !== 0)).toBe(true); // random image
        expect(ioNoData(s, REQ_OP_WRITE_ZEROES, 100, 20480)).toBe(0);
        expect(witness(dev, 512 * 100, 20480)).toEqual(Buffer.alloc(20480));
        expect(witness(dev, 512 * 140, 512).some((b) => b !== 0)).toBe(true); // and nothing past it
        expect(s.drv.stats.vectoredSqes).toBe(1);
      });
    });
  });

  it('past the end of the device: a write fails with -ENOSPC, a straddling read returns data then zeroes', async () => {
    await withLoopDevice(MiB, async (dev) => {
      await withStack((mem) => createBdevDriver({ path: dev, mem }), (s) => {
        const w: Piece[] = [{ pfn: contiguous(s.mem, 1), off: 0, len: 8192 }];
        fillPieces(s.mem, w, 9);
        expect(io(s, REQ_OP_WRITE, 2048, w)).toBe(-errno.ENOSPC);
        expect(s.drv.stats.errors).toBe(1);
        const r: Piece[] = [{ pfn: contiguous(s.mem, 1), off: 0, len: 8192 }];
        fillPieces(s.mem, r, 1);
        expect(io(s, REQ_OP_READ, 2040, r)).toBe(0);
        expect(readPieces(s.mem, r).subarray(0, 4096)).toEqual(witness(dev, MiB - 4096, 4096));
        expect(readPieces(s.mem, r).subarray(4096)).toEqual(Buffer.alloc(4096));
      }, { sizeBytes: 2 * MiB });
    });
  });

  it('more bios than tags: all complete, each with its own data', async () => {
    await withLoopDevice(MiB, async (dev) => {
      await withStack((mem) => createBdevDriver({ path: dev, mem, queueDepth: 4 }), (s) => {
        const n = 48;
        const bufs = frames(s.mem, n).map((pfn) => [{ pfn, off: 0, len: 4096 }] as Piece[]);
        bufs.forEach((p, i) => fillPieces(s.mem, p, 100 + i));
        const st = ioMany(s, bufs.map((pieces, i) => ({ opf: REQ_OP_WRITE, sector: i * 8, pieces })));
        expect(st).toEqual(new Array(n).fill(0));
        for (let i = 0; i < n; i++) expect(witness(dev, i * 4096, 4096)).toEqual(expectedPattern(100 + i, 4096));
        expect(s.drv.stats.submits).toBeLessThan(n * 2);
      });
    });
  });

  it('FIXED with more segments than ring slots falls back to one WRITEV instead of waiting for room', async () => {
    await withLoopDevice(MiB, async (dev) => {
      await withStack((mem) => createBdevDriver({ path: dev, mem, queueDepth: 1, fixedBuffers: true }), (s) => {
        const w = frames(s.mem, 5).map((pfn) => ({ pfn, off: 0, len: 4096 }));
        fillPieces(s.mem, w, 77);
        expect(io(s, REQ_OP_WRITE, 0, w)).toBe(0);
        expect(s.drv.stats).toMatchObject({ vectoredSqes: 1, fixedSqes: 0 });
        expect(witness(dev, 0, 5 * 4096)).toEqual(expectedPattern(77, 5 * 4096));
      });
    });
  });

  it('DISCARD is refused with EOPNOTSUPP', async () => {
    await withLoopDevice(MiB, async (dev) => {
      await withStack((mem) => createBdevDriver({ path: dev, mem }), (s) => {
        expect(ioNoData(s, REQ_OP_DISCARD, 0, 4096)).toBe(-errno.EOPNOTSUPP);
      });
    });
  });
});
