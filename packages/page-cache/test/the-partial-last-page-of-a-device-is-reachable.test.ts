// A device whose size is not a page multiple (here 1 MiB + 512 B on a real loop device) is
// reachable to its last byte through the page cache: the last page is read and written only up to
// the end of the device (as Linux reads and writes a file's last page up to i_size), through
// buffered IO and through mmap.
import { expect, it } from 'vitest';
import { filemapRead, filemapWrite, fsync, mmap, munmap } from '@biopath/page-cache';
import { probe } from '@biopath/testing';
import { faultServer, mmapSkipReason, pattern, readImage, withCacheStack } from './helpers.ts';

const loop = probe.loop();
if (!loop.ok) console.log(`skipping: ${loop.reason}`);
const why = mmapSkipReason();
const SIZE = (1 << 20) + 512;

it.skipIf(!loop.ok)('buffered reads and writes reach the last 512 bytes of a device whose size is not a page multiple', async () => {
  await withCacheStack(SIZE, async (s) => {
    expect(s.as.i_size).toBe(SIZE);
    const tail = new Uint8Array(512);
    expect(await filemapRead(s.as.file, SIZE - 512, tail)).toBe(512);
    expect(Buffer.from(tail).equals(readImage(s.image, SIZE - 512, 512))).toBe(true);
    const before = readImage(s.image, 0, SIZE - 512);
    const data = pattern(3, 300);
    expect(await filemapWrite(s.as.file, SIZE - 400, data)).toBe(300);
    expect(await filemapWrite(s.as.file, SIZE - 1, new Uint8Array(8).fill(0xee))).toBe(1);
    await fsync(s.as.file);
    expect(readImage(s.image, SIZE - 400, 300).equals(Buffer.from(data))).toBe(true);
    expect(readImage(s.image, SIZE - 1, 1)[0]).toBe(0xee);
    expect(readImage(s.image, 0, SIZE - 512).equals(before)).toBe(true);
  });
});

it.skipIf(why !== '')('a mapping of the whole device reads its partial last page from the device', async () => {
  await withCacheStack(SIZE, async (s) => {
    const m = await mmap(s.as, 0, SIZE, { faultServer: faultServer(s.dev) });
    expect(m.buffer.subarray(SIZE - 512).equals(readImage(s.image, SIZE - 512, 512))).toBe(true);
    await munmap(m);
  });
});
