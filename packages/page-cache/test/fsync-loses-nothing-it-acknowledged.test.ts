// Crash-style: with a `faulty` driver failing writes to one region, fsync rejects with EIO (once
// per opener), data an earlier fsync acknowledged is on the device after the cache is thrown away
// without writeback, and the failed region still holds its old contents.
import { expect, it } from 'vitest';
import { destroyAddressSpace, filemapWrite, fsync } from '@biopath/page-cache';
import { probe } from '@biopath/testing';
import { pattern, readImage, withCacheStack } from './helpers.ts';

const loop = probe.loop();
if (!loop.ok) console.log(`skipping: ${loop.reason}`);

const BAD_PAGE = 256;

it.skipIf(!loop.ok)('what fsync acknowledged survives a crash; a failed writeback is reported, not hidden', async () => {
  await withCacheStack(4 << 20, async (s) => {
    const acked = pattern(1, 16384);
    await filemapWrite(s.as.file, 0, acked);
    await fsync(s.as.file);
    const oldBad = readImage(s.image, BAD_PAGE * 4096, 8192);
    const lost = pattern(2, 8192);
    const overwrite = pattern(3, 4096);
    await filemapWrite(s.as.file, BAD_PAGE * 4096, lost);
    await filemapWrite(s.as.file, 4096, overwrite);
    await expect(fsync(s.as.file)).rejects.toMatchObject({ code: 'EIO' });
    expect(s.as.stats.nr_write_errors).toBeGreaterThan(0);
    await destroyAddressSpace(s.as, { writeback: false });
    const disk = readImage(s.image, 0, 16384);
    expect(disk.subarray(0, 4096).equals(Buffer.from(acked.subarray(0, 4096)))).toBe(true);
    expect(disk.subarray(8192).equals(Buffer.from(acked.subarray(8192)))).toBe(true);
    expect(readImage(s.image, BAD_PAGE * 4096, 8192).equals(oldBad)).toBe(true);
  }, {
    faulty: { rules: [{ action: { kind: 'error', when: 'submit' }, ops: ['write'], sectors: [BAD_PAGE * 8, BAD_PAGE * 8 + 16] }] },
  });
});
