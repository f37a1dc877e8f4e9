// Data written through the page cache reaches a real loop device on fsync and reads back after the
// cache was dropped, both through the cache and straight from the image file.
import { expect, it } from 'vitest';
import { filemapRead, filemapWrite, fsync, invalidateMappingPages } from '@biopath/page-cache';
import { probe } from '@biopath/testing';
import { pattern, readImage, withCacheStack } from './helpers.ts';

const loop = probe.loop();
if (!loop.ok) console.log(`skipping: ${loop.reason}`);

it.skipIf(!loop.ok)('unaligned buffered writes reach the device on fsync and read back after dropping the cache', async () => {
  await withCacheStack(8 << 20, async (s) => {
    const data = pattern(1, 3 * 4096 + 777);
    const pos = 5 * 4096 + 300;
    const before = readImage(s.image, pos - 300, 300);
    expect(await filemapWrite(s.as.file, pos, data)).toBe(data.length);
    await fsync(s.as.file);
    expect(readImage(s.image, pos, data.length).equals(Buffer.from(data))).toBe(true);
    expect(readImage(s.image, pos - 300, 300).equals(before)).toBe(true);
    expect(invalidateMappingPages(s.as)).toBeGreaterThan(0);
    expect(s.as.nrpages).toBe(0);
    const back = new Uint8Array(data.length);
    expect(await filemapRead(s.as.file, pos, back)).toBe(data.length);
    expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
    expect(s.as.stats.nr_flushes).toBe(1);
  });
});

it.skipIf(!loop.ok)('sequential buffered reads of a real device return its bytes through readahead windows', async () => {
  await withCacheStack(8 << 20, async (s) => {
    const buf = new Uint8Array(64 * 1024);
    for (let pos = 0; pos < (2 << 20); pos += buf.length) {
      expect(await filemapRead(s.as.file, pos, buf)).toBe(buf.length);
      expect(Buffer.from(buf).equals(readImage(s.image, pos, buf.length))).toBe(true);
    }
    expect(s.as.stats.nr_ra_async).toBeGreaterThan(0);
    expect(s.as.stats.nr_read_reqs).toBeLessThan(2 * 512 / 8);
  });
});
