// The bdev driver's ring options: SINGLE_ISSUER + DEFER_TASKRUN rings move the same data, and a
// deferred doorbell leaves a batch staged at `last` and submits it with the next wait.
import { describe, expect, it } from 'vitest';
import { BlkPlug, REQ_OP_READ, REQ_OP_WRITE, blkFinishPlug, blkMqDrain, blkStartPlug, bioPut, submitBio } from '@biopath/block';
import { createBdevDriver } from '@biopath/nvme';
import type { BdevDriverOptions } from '@biopath/nvme';
import { probe, withLoopDevice } from '@biopath/testing';
import { contiguous, expectedPattern, fillPieces, io, makeBio, readPieces, withStack } from './helpers.ts';
import type { Piece } from './helpers.ts';

const loop = probe.loop();

type RingOpts = Omit<BdevDriverOptions, 'path' | 'mem'>;
const CASES: [string, RingOpts][] = [
  ['singleIssuer + deferTaskrun', { singleIssuer: true, deferTaskrun: true }],
  ['deferDoorbell', { deferDoorbell: true }],
  ['all three', { singleIssuer: true, deferTaskrun: true, deferDoorbell: true }],
];

describe.skipIf(!loop.ok).each(CASES)('bdev driver, %s', (_name, ring) => {
  it('written data reads back', () =>
    withLoopDevice(1 << 20, (dev) => withStack((mem) => createBdevDriver({ path: dev, mem, queueDepth: 8, ...ring }), (s) => {
      const w: Piece[] = [{ pfn: contiguous(s.mem, 1), off: 0, len: 8192 }];
      fillPieces(s.mem, w, 3);
      expect(io(s, REQ_OP_WRITE, 16, w)).toBe(0);
      const r: Piece[] = [{ pfn: contiguous(s.mem, 1), off: 0, len: 8192 }];
      expect(io(s, REQ_OP_READ, 16, r)).toBe(0);
      expect(readPieces(s.mem, r)).toEqual(expectedPattern(3, 8192));
    })));
});

describe.skipIf(!loop.ok)('bdev driver, deferDoorbell', () => {
  it('a plugged batch stays staged at last and is submitted by the next wait', () =>
    withLoopDevice(1 << 20, (dev) => withStack((mem) => createBdevDriver({ path: dev, mem, queueDepth: 8, deferDoorbell: true }), (s) => {
      const pfn = contiguous(s.mem, 0);
      const bios = [0, 64, 128].map((sector) => makeBio(s, REQ_OP_READ, sector, [{ pfn, off: 0, len: 4096 }]));
      const plug = new BlkPlug();
      blkStartPlug(plug);
      for (const b of bios) submitBio(b);
      blkFinishPlug(plug);
      expect(s.drv.stats).toMatchObject({ queued: 3, lastQueued: 1, submits: 0 });
      blkMqDrain(s.q);
      // The wait submitted the staged batch; how many io_uring_enter calls it took to see all three
      // completions depends on when the loop device finishes them, so only "at least one" is fixed.
      expect(s.drv.stats).toMatchObject({ completed: 3, errors: 0 });
      expect(s.drv.stats.submits).toBeGreaterThanOrEqual(1);
      for (const b of bios) bioPut(b);
    })));
});
