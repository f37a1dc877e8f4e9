// Every driver counts block's doorbells: requests accepted with `last = true` (`lastQueued`) and
// `commitRqs` calls (`commits`); the null driver also counts the requests each doorbell announced
// (`announced`), so `queued - announced` is what block accepted without ringing for it yet.
import { describe, expect, it } from 'vitest';
import { BLK_STS_DEV_RESOURCE, BlkPlug, REQ_OP_READ, blkFinishPlug, blkMqDrain, blkStartPlug, bioPut, submitBio } from '@biopath/block';
import type { Bio } from '@biopath/block';
import { createBdevDriver, createFaultyDriver, createNullDriver } from '@biopath/nvme';
import { probe, withLoopDevice } from '@biopath/testing';
import { contiguous, makeBio, withStack } from './helpers.ts';
import type { Stack } from './helpers.ts';

const loop = probe.loop();

/** Submit `n` one-page reads far apart (no merging) under one plug; returns them for bioPut. */
function plugged(s: Stack, n: number): Bio[] {
  const pfn = contiguous(s.mem, 0);
  const bios = Array.from({ length: n }, (_, i) => makeBio(s, REQ_OP_READ, i * 64, [{ pfn, off: 0, len: 4096 }]));
  const plug = new BlkPlug();
  blkStartPlug(plug);
  for (const b of bios) submitBio(b);
  blkFinishPlug(plug);
  return bios;
}

describe('null driver: doorbell accounting', () => {
  it.each(['none', 'poll'] as const)('irqmode %s: a plugged batch is announced by one last request, no commit', async (irqmode) => {
    await withStack(() => createNullDriver({ irqmode }), (s) => {
      const bios = plugged(s, 5);
      expect(s.drv.stats).toMatchObject({ queued: 5, lastQueued: 1, commits: 0, announced: 5 });
      blkMqDrain(s.q);
      for (const b of bios) bioPut(b);
    });
  });

  it('a batch cut short by a busy answer is announced by commitRqs', async () => {
    const mk = () => createFaultyDriver(createNullDriver({ irqmode: 'poll' }), {
      rules: [{ nth: [3], action: { kind: 'busy', status: BLK_STS_DEV_RESOURCE } }],
    });
    await withStack(mk, (s) => {
      const bios = plugged(s, 4);
      expect(s.drv.stats).toMatchObject({ queued: 2, lastQueued: 0, commits: 1, announced: 2, busy: 1 });
      blkMqDrain(s.q);
      expect(s.drv.stats).toMatchObject({ queued: 4, completed: 4, announced: 4 });
      for (const b of bios) bioPut(b);
    });
  });
});

describe.skipIf(!loop.ok)('bdev driver: doorbell accounting', () => {
  it('one io_uring_enter for a plugged batch, at its last request', () =>
    withLoopDevice(1 << 20, (dev) => withStack((mem) => createBdevDriver({ path: dev, mem, queueDepth: 8 }), (s) => {
      const bios = plugged(s, 4);
      expect(s.drv.stats).toMatchObject({ queued: 4, lastQueued: 1, commits: 0, submits: 1 });
      blkMqDrain(s.q);
      for (const b of bios) bioPut(b);
    })));
});
