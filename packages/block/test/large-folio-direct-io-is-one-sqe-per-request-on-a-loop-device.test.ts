// O_DIRECT from and into large-folio user buffers (mmap folioOrder 6: one 256 KiB folio) through the
// whole stack onto a real loop device (@biopath/nvme's bdev driver): the bytes land and come back,
// every request is one SQE, `current` adds each folio as one range while the per-page profiles add
// 64 pages, and every pin is given back (the rig's teardown checks the MemMap's pin baseline).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Kiocb, bioIovCounters, blkdevDirectIO } from '@biopath/block';
import { ITER_DEST, ITER_SOURCE, createIovIter, iovIterUbuf } from '@biopath/iov-iter';
import { PROFILES, folioNrPages } from '@biopath/mm';
import { probe, withLoopDevice } from '@biopath/testing';
import { createBdevDriver } from '@biopath/nvme';
import { pattern, rig, teardown } from './helpers.ts';

const loop = probe.loop();
if (!loop.ok) console.log(`skip large-folio direct IO tests: ${loop.reason}`);
const LEN = 256 * 1024;

describe.skipIf(!loop.ok).each(PROFILES.map((p) => [p]))('profile %s', (profile) => {
  it('256 KiB write and read through one folio each: one SQE per request, data on the device, pins back', async () => {
    await withLoopDevice(1 << 20, (dev, image) => {
      const r = rig(profile, { driver: (mem) => createBdevDriver({ path: dev, mem, queueDepth: 8 }), nrPages: 4096 });
      try {
        const src = r.mm.mmap(LEN, { folioOrder: 6 });
        const data = pattern(LEN, 5);
        r.mm.write(src, data);
        expect(folioNrPages(r.mem, r.mm.followPage(src))).toBe(64);
        const iocb = new Kiocb();
        iocb.ki_bdev = r.bdev;
        iocb.ki_pos = 65536;
        const st = r.drv.stats;
        const adds0 = bioIovCounters.adds;
        expect(blkdevDirectIO(iocb, iovIterUbuf(createIovIter(), ITER_SOURCE, r.mm, src, LEN))).toBe(LEN);
        expect(bioIovCounters.adds - adds0).toBe(profile === 'current' ? 1 : 64);
        expect(readFileSync(image).subarray(65536, 65536 + LEN).equals(Buffer.from(data))).toBe(true);
        const dst = r.mm.mmap(LEN, { folioOrder: 6 });
        r.mm.write(dst, new Uint8Array(LEN));
        expect(blkdevDirectIO(iocb, iovIterUbuf(createIovIter(), ITER_DEST, r.mm, dst, LEN))).toBe(LEN);
        expect(Buffer.from(r.mm.read(dst, LEN)).equals(Buffer.from(data))).toBe(true);
        expect(st.sqes).toBe(st.queued);
        expect(st.vectoredSqes).toBe(0);
      } finally {
        teardown(r);
      }
    });
  });
});
