// The same bio workload gives identical data through the nvme driver (passthrough on /dev/ng0n1)
// and the bdev driver (O_DIRECT io_uring on /dev/nvme0n1), each reading back what the other wrote;
// and requests PRPs cannot express reach the controller split or bounced, with the right data.
import { describe, expect, it } from 'vitest';
import { probe } from '@biopath/testing';
import { REQ_OP_READ, REQ_OP_WRITE } from '@biopath/block';
import type { MemMap } from '@biopath/mm';
import { createBdevDriver, createNvmeDriver } from '@biopath/nvme';
import { contiguous, fillPieces, frames, io, readPieces, withStack, expectedPattern } from './helpers.ts';
import type { Piece, Stack } from './helpers.ts';

const nvme = probe.nvme();
const ng = probe.nvmeGenericPath();
const blk = ng.replace('/dev/ng', '/dev/nvme');
if (!nvme.ok) console.log(`skip nvme-vs-bdev tests: ${nvme.reason} (they run in the QEMU guest: tools/qemu-nvme/run-tests.sh)`);

const REGION = 2048; // sectors per region (1 MiB)

/** A seeded workload: writes of 1..6 blocks of 4 KiB, contiguous or scattered, at sector offsets in one region. */
function workload(seed: number, n: number): { sector: number; pages: number; scattered: boolean; seed: number }[] {
  let x = seed >>> 0;
  const rnd = (m: number) => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return (x >>> 8) % m; };
  return Array.from({ length: n }, (_, i) => ({ sector: rnd(REGION / 8 - 6) * 8, pages: 1 + rnd(6), scattered: rnd(2) === 1, seed: seed * 100 + i }));
}

function piecesFor(mem: MemMap, pages: number, scattered: boolean): Piece[] {
  if (scattered) return frames(mem, pages).map((pfn) => ({ pfn, off: 0, len: 4096 }));
  return [{ pfn: contiguous(mem, 3), off: 0, len: pages * 4096 }];
}

/** Apply the workload at `base`; returns the expected contents of the region. */
function apply(s: Stack, base: number, ops: ReturnType<typeof workload>): Buffer {
  const model = Buffer.alloc(REGION * 512);
  expect(io(s, REQ_OP_WRITE, base, [{ pfn: contiguous(s.mem, 8), off: 0, len: 1 << 20 }])).toBe(0); // zero the region
  for (const op of ops) {
    const p = piecesFor(s.mem, op.pages, op.scattered);
    fillPieces(s.mem, p, op.seed);
    expect(io(s, REQ_OP_WRITE, base + op.sector, p)).toBe(0);
    expectedPattern(op.seed, op.pages * 4096).copy(model, op.sector * 512);
  }
  return model;
}

function readRegion(s: Stack, base: number): Buffer {
  const p: Piece[] = [{ pfn: contiguous(s.mem, 8), off: 0, len: 1 << 20 }];
  expect(io(s, REQ_OP_READ, base, p)).toBe(0);
  return readPieces(s.mem, p);
}

const both = <T>(fn: (n: Stack, b: Stack) => T | Promise<T>) =>
  withStack((mem) => createNvmeDriver({ path: ng, mem, queueDepth: 16 }), (n) =>
    withStack((mem) => createBdevDriver({ path: blk, mem, queueDepth: 16 }), (b) => fn(n, b), { nrPages: 1024 }), { nrPages: 1024 });

describe.skipIf(!nvme.ok)('nvme and bdev drivers on one namespace', () => {
  it('the same workload through each gives the same bytes, and each reads what the other wrote', async () => {
    await both((n, b) => {
      const ops = workload(7, 24);
      const viaNvme = apply(n, 0, ops);
      const viaBdev = apply(b, REGION, ops);
      expect(viaBdev.equals(viaNvme)).toBe(true);
      expect(readRegion(b, 0).equals(viaNvme)).toBe(true);
      expect(readRegion(n, REGION).equals(viaBdev)).toBe(true);
      expect(n.drv.stats.vectoredSqes).toBeGreaterThan(0);
    });
  });
});

/** An nvme stack whose queue does not split at the PRP boundary, so the driver sees gaps. */
const rawNvme = <T>(fn: (s: Stack, bdev: Stack) => T | Promise<T>) =>
  withStack((mem) => createNvmeDriver({ path: ng, mem, queueDepth: 8, sgl: false }), (s) =>
    withStack((mem) => createBdevDriver({ path: blk, mem }), (b) => fn(s, b), { nrPages: 512 }),
  { nrPages: 1024, limits: { virt_boundary_mask: 0 } });

describe.skipIf(!nvme.ok)('requests PRPs cannot express', () => {
  it('are split at block-aligned gaps and bounced otherwise, and the data is right both ways', async () => {
    await rawNvme((s, b) => {
      const [f1, f2, f3, f4] = frames(s.mem, 4);
      const split: Piece[] = [{ pfn: f1!, off: 0, len: 1024 }, { pfn: f2!, off: 512, len: 2048 }, { pfn: f3!, off: 0, len: 4096 }];
      fillPieces(s.mem, split, 61);
      expect(io(s, REQ_OP_WRITE, 4096, split)).toBe(0);
      expect(s.drv.stats.splits).toBe(1);
      const bounce: Piece[] = [{ pfn: f4!, off: 0, len: 768 }, { pfn: f1!, off: 2048, len: 256 }];
      fillPieces(s.mem, bounce, 62);
      expect(io(s, REQ_OP_WRITE, 4200, bounce)).toBe(0);
      expect(s.drv.stats.bounces).toBe(1);
      const r1: Piece[] = [{ pfn: contiguous(b.mem, 1), off: 0, len: 7168 }];
      expect(io(b, REQ_OP_READ, 4096, r1)).toBe(0);
      expect(readPieces(b.mem, r1)).toEqual(expectedPattern(61, 7168));
      const r2: Piece[] = [{ pfn: contiguous(b.mem, 0), off: 0, len: 1024 }];
      expect(io(b, REQ_OP_READ, 4200, r2)).toBe(0);
      expect(readPieces(b.mem, r2)).toEqual(expectedPattern(62, 1024));
      const back: Piece[] = [{ pfn: f4!, off: 1024, len: 768 }, { pfn: f2!, off: 0, len: 256 }];
      expect(io(s, REQ_OP_READ, 4200, back)).toBe(0);
      expect(readPieces(s.mem, back)).toEqual(expectedPattern(62, 1024));
      expect(s.drv.stats.bounces).toBe(2);
    });
  });
});

