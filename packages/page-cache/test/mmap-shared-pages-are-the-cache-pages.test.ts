// mmap of a real device range: the JS thread's first touch of each page blocks in a userfaultfd
// MINOR fault that the fault worker serves (reading the device through its own block queue);
// mapped pages and cache pages are the same frames, so buffered IO and the mapping see each
// other at once; writes through the mapping reach the device on msync; munmap cleans up.
import { expect, it } from 'vitest';
import { Kiocb, blkdevDirectIO } from '@biopath/block';
import { ITER_SOURCE, createIovIter, iovIterUbuf } from '@biopath/iov-iter';
import { MmStruct } from '@biopath/mm';
import {
  filemapRead, filemapWrite, kiocbInvalidatePostDirectWrite, mmap, msync, munmap,
} from '@biopath/page-cache';
import { faultServer, mmapSkipReason, pattern, readImage, withCacheStack } from './helpers.ts';

const why = mmapSkipReason();
if (why) console.log(`skipping: ${why}`);

it.skipIf(why !== '')('reads fault pages in from the device; writes reach it on msync; buffered IO sees the same frames', async () => {
  await withCacheStack(4 << 20, async (s) => {
    const off = 64 * 1024;
    const len = 128 * 1024;
    const m = await mmap(s.as, off, len, { shared: true, faultServer: faultServer(s.dev) });
    const img = readImage(s.image, off, len);
    expect(m.buffer[5]).toBe(img[5]);
    expect(m.buffer.subarray(40000, 50000).equals(img.subarray(40000, 50000))).toBe(true);
    expect(m.run.uffd!.stats().deferred).toBeGreaterThan(0);
    const data = pattern(9, 6000);
    m.buffer.set(data, 10000);
    const back = new Uint8Array(6000);
    await filemapRead(s.as.file, off + 10000, back);
    expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
    const viaCache = pattern(10, 4096);
    await filemapWrite(s.as.file, off + 20 * 4096, viaCache);
    expect(m.buffer.subarray(20 * 4096, 21 * 4096).equals(Buffer.from(viaCache))).toBe(true);
    const w0 = s.as.stats.nr_written;
    await msync(m);
    expect(s.as.stats.nr_written - w0).toBe(3);
    expect(readImage(s.image, off + 10000, 6000).equals(Buffer.from(data))).toBe(true);
    expect(readImage(s.image, off + 20 * 4096, 4096).equals(Buffer.from(viaCache))).toBe(true);
    m.buffer[100] = 0xcd;
    const w1 = s.as.stats.nr_written;
    await msync(m);
    expect(s.as.stats.nr_written - w1).toBe(1);
    expect(readImage(s.image, off + 100, 1)[0]).toBe(0xcd);
    await msync(m);
    expect(s.as.stats.nr_written - w1).toBe(1);
    await munmap(m);
    expect(s.as.runs.length).toBe(0);
  });
});

it.skipIf(why !== '')('the JS thread may touch a page while its own buffered read of it is in flight', async () => {
  await withCacheStack(4 << 20, async (s) => {
    const m = await mmap(s.as, 0, 64 * 1024, { shared: true, faultServer: faultServer(s.dev) });
    const img = readImage(s.image, 0, 64 * 1024);
    const buf = new Uint8Array(4096);
    const pending = filemapRead(s.as.file, 7 * 4096, buf);
    expect(m.buffer[7 * 4096 + 9]).toBe(img[7 * 4096 + 9]);
    expect(await pending).toBe(4096);
    expect(Buffer.from(buf).equals(img.subarray(7 * 4096, 8 * 4096))).toBe(true);
    expect(m.buffer.equals(img)).toBe(true);
    await munmap(m);
  });
});

it.skipIf(why !== '')('a private mapping reads the device through the cache but keeps its writes to itself', async () => {
  await withCacheStack(4 << 20, async (s) => {
    const m = await mmap(s.as, 0, 32 * 1024, { shared: false, faultServer: faultServer(s.dev) });
    const img = readImage(s.image, 0, 32 * 1024);
    expect(m.buffer.equals(img)).toBe(true);
    m.buffer[4096] = img[4096]! ^ 0xff;
    const one = new Uint8Array(1);
    await filemapRead(s.as.file, 4096, one);
    expect(one[0]).toBe(img[4096]);
    const w0 = s.as.stats.nr_written;
    await msync(m);
    expect(s.as.stats.nr_written).toBe(w0);
    expect(readImage(s.image, 4096, 1)[0]).toBe(img[4096]);
    await munmap(m);
  });
});

it.skipIf(why !== '')('a page written from its own mapping does not deadlock; a direct write under a mapping shows after invalidation', async () => {
  await withCacheStack(4 << 20, async (s) => {
    const m = await mmap(s.as, 0, 64 * 1024, { shared: true, faultServer: faultServer(s.dev) });
    const img = readImage(s.image, 0, 64 * 1024);
    expect(await filemapWrite(s.as.file, 3 * 4096, m.buffer.subarray(3 * 4096, 4 * 4096))).toBe(4096);
    expect(m.buffer.subarray(3 * 4096, 4 * 4096).equals(img.subarray(3 * 4096, 4 * 4096))).toBe(true);

    expect(m.buffer[5 * 4096]).toBe(img[5 * 4096]);
    const mm = new MmStruct(s.mem);
    const ubuf = mm.mmap(4096);
    const fresh = pattern(11, 4096);
    mm.write(ubuf, fresh);
    const iocb = new Kiocb();
    iocb.ki_bdev = s.bdev;
    iocb.ki_pos = 5 * 4096;
    expect(blkdevDirectIO(iocb, iovIterUbuf(createIovIter(), ITER_SOURCE, mm, ubuf, 4096))).toBe(4096);
    mm.exit();
    expect(m.buffer[5 * 4096]).toBe(img[5 * 4096]);
    expect((await kiocbInvalidatePostDirectWrite(s.as, 5 * 4096, 4096)).nr_forgotten).toBe(1);
    expect(m.buffer.subarray(5 * 4096, 6 * 4096).equals(Buffer.from(fresh))).toBe(true);
    await munmap(m);
  });
});
