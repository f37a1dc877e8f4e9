// Device errors on a real loop device (through @biopath/nvme's bdev driver wrapped in its faulty
// driver): an error at submission, an error at completion and a short completion all become
// BLK_STS_IOERR → -EIO at the direct-I/O caller (sync and async), and nothing is left pinned.
import { describe, expect, it } from 'vitest';
import { BLK_STS_IOERR, EIOCBQUEUED, Kiocb, blkMqDrain, blkdevDirectIO } from '@biopath/block';
import { ITER_DEST, createIovIter, iovIterUbuf } from '@biopath/iov-iter';
import type { Profile } from '@biopath/mm';
import { createBdevDriver, createFaultyDriver, type FaultAction } from '@biopath/nvme';
import { probe, withLoopDevice } from '@biopath/testing';
import { rig, teardown } from './helpers.ts';

const loop = probe.loop();

const FAULTS: Record<string, FaultAction> = {
  'error at submission': { kind: 'error', status: BLK_STS_IOERR, when: 'submit' },
  'error at completion': { kind: 'error', status: BLK_STS_IOERR, when: 'complete' },
  'short completion': { kind: 'short' },
};
const AXES = Object.keys(FAULTS).flatMap((f) => (['merged', 'legacy'] as Profile[]).flatMap((p) => [true, false].map((sync) => [f, p, sync] as const)));

describe.skipIf(!loop.ok).each(AXES)('%s, profile %s, sync %s', (fault, profile, sync) => {
  it('the caller gets -EIO and every pin comes back', () =>
    withLoopDevice(1 << 20, (dev) => {
      const r = rig(profile, {
        driver: (mem) => createFaultyDriver(createBdevDriver({ path: dev, mem, queueDepth: 8 }), {
          rules: [{ action: FAULTS[fault], ops: ['read'], nth: [1] }],
        }),
      });
      try {
        const buf = r.mm.mmap(16384);
        r.mm.write(buf, new Uint8Array(16384));
        const iocb = new Kiocb();
        iocb.ki_bdev = r.bdev;
        let got = 1;
        if (!sync) iocb.ki_complete = (_k, ret) => { got = ret; };
        const ret = blkdevDirectIO(iocb, iovIterUbuf(createIovIter(), ITER_DEST, r.mm, buf, 16384));
        if (sync) expect(ret).toBe(-5);
        else {
          expect(ret).toBe(EIOCBQUEUED);
          blkMqDrain(r.q);
          expect(got).toBe(-5);
        }
        expect(r.mem.nrFollPinReleased).toBe(r.mem.nrFollPinAcquired);
      } finally {
        teardown(r);
      }
    }));
});
