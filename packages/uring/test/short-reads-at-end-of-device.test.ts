// Reads that straddle the end of a device return only what exists; reads at or past the end
// return 0; writes past the end fail with ENOSPC.
import { expect, it } from 'vitest';
import { preadSync, pwriteSync } from '@biopath/uring';
import { probe, withLoopDevice } from '@biopath/testing';
import { readWitness, withRig } from './helpers.ts';

const loop = probe.loop();

const DEV = 1 << 20;

it.skipIf(!loop.ok)('a read straddling the end is short, with the tail bytes of the device', async () => {
  await withLoopDevice(DEV, async (dev, image) => {
    await withRig(dev, 1 << 16, { entries: 4 }, (r) => {
      r.bytes.fill(0xee, 0, 16384);
      expect(preadSync(r.ring, r.fd, r.arena.iova, 16384, DEV - 4096)).toBe(4096);
      expect(Buffer.from(r.bytes.subarray(0, 4096)).equals(readWitness(image, DEV - 4096, 4096))).toBe(true);
      expect(r.bytes.subarray(4096, 16384).every((b) => b === 0xee)).toBe(true);
    });
  });
});

it.skipIf(!loop.ok)('a read at or past the end returns 0 and writes nothing into the buffer', async () => {
  await withLoopDevice(DEV, async (dev) => {
    await withRig(dev, 1 << 16, { entries: 4 }, (r) => {
      r.bytes.fill(0x5a, 0, 4096);
      expect(preadSync(r.ring, r.fd, r.arena.iova, 4096, DEV)).toBe(0);
      expect(preadSync(r.ring, r.fd, r.arena.iova, 4096, DEV + 8 * 4096)).toBe(0);
      expect(r.bytes.subarray(0, 4096).every((b) => b === 0x5a)).toBe(true);
    });
  });
});

it.skipIf(!loop.ok)('a write past the end fails with ENOSPC naming the offset', async () => {
  await withLoopDevice(DEV, async (dev) => {
    await withRig(dev, 1 << 16, { entries: 4 }, (r) => {
      expect(() => pwriteSync(r.ring, r.fd, r.arena.iova, 4096, DEV)).toThrow(
        expect.objectContaining({ code: 'ENOSPC', message: expect.stringMatching(/offset=1048576.*past the end/) }),
      );
    });
  });
});
