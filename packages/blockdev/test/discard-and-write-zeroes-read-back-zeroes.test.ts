// writeZeroes makes a range read back as zeroes on a real image/loop device (REQ_OP_WRITE_ZEROES),
// direct or through the page cache; discard does on the memory-backed null driver, and is
// EOPNOTSUPP on a driver that cannot discard (bdev). Neighbouring data is untouched.
import { describe, expect, it } from 'vitest';
import { openBlockDevice } from '@biopath/blockdev';
import { readImage } from '@biopath/testing';
import { TARGETS, canUse, pattern, same, withTarget } from './helpers.ts';

const MODES = [{ name: 'direct', opts: {} }, { name: 'page cache', opts: { cacheSize: 8 << 20 } }] as const; // the cache holds the whole range (see the report on a 1 MiB cache)

describe.each(TARGETS.flatMap((t) => MODES.map((m) => [t, m.name, m.opts] as const)))('%s, %s', (target, _m, opts) => {
  it.skipIf(!canUse(target))('writeZeroes over written data reads back zeroes, on the device too', async () => {
    await withTarget(target, 4 << 20, async (path, image) => {
      const h = openBlockDevice(path, opts);
      try {
        await h.write(0, pattern(9, 3 << 20));
        await h.writeZeroes(4096, (2 << 20) + 8192); // more than one write-zeroes request on bdev
        await h.flush();
        expect(same(await h.read(4096, (2 << 20) + 8192), new Uint8Array((2 << 20) + 8192))).toBe(true);
        expect(same(await h.read(0, 4096), pattern(9, 4096))).toBe(true);
        expect(readImage(image, 4096, (2 << 20) + 8192).every((b) => b === 0)).toBe(true);
        expect(h.stats().writeZeroes).toBe(1);
        if (opts === MODES[0].opts) await expect(h.discard(0, 4096)).rejects.toMatchObject({ code: 'EOPNOTSUPP' });
      } finally {
        await h.close();
      }
    });
  });
});

it('discard on the null driver reads back zeroes', async () => {
  const h = openBlockDevice(8 << 20, { driver: 'null' });
  await h.write(0, pattern(1, 1 << 20));
  await h.discard(4096, 8192);
  expect(same(await h.read(4096, 8192), new Uint8Array(8192))).toBe(true);
  expect(same(await h.read(0, 4096), pattern(1, 4096))).toBe(true);
  expect(h.stats().discards).toBe(1);
  await h.close();
});
