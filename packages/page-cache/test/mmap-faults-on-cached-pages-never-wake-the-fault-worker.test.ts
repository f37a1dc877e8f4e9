// A fault on a page the cache already holds is served by the native handler thread alone, from
// the run's state words: the fault worker never sees it (no deferred fault), a read fault also maps
// the cached neighbours of its fault-around window, and a write fault still dirties the page so
// msync writes it. `faultAroundBytes` is checked like every other option.
import { expect, it } from 'vitest';
import { filemapRead, mmap, msync, munmap } from '@biopath/page-cache';
import { faultServer, mmapSkipReason, readImage, withCacheStack } from './helpers.ts';

const why = mmapSkipReason();
if (why) console.log(`skipping: ${why}`);
const LEN = 64 * 1024;

it.skipIf(why !== '')('touching cached pages faults them in without the worker, one fault per page without fault-around, fewer with it', async () => {
  await withCacheStack(4 << 20, async (s) => {
    await filemapRead(s.as.file, 0, new Uint8Array(2 * LEN));
    const img = readImage(s.image, 0, 2 * LEN);
    const one = await mmap(s.as, 0, LEN, { faultServer: faultServer(s.dev), faultAroundBytes: 4096 });
    for (let p = 0; p < LEN; p += 4096) expect(one.buffer[p + 5]).toBe(img[p + 5]);
    expect(one.run.uffd!.stats()).toMatchObject({ minor: 16, deferred: 0, around: 0 });
    const around = await mmap(s.as, LEN, LEN, { faultServer: faultServer(s.dev) });
    expect(around.buffer.equals(img.subarray(LEN))).toBe(true);
    const st = around.run.uffd!.stats();
    expect(st.deferred).toBe(0);
    expect(st.minor).toBeGreaterThan(0);
    expect(st.minor).toBeLessThan(16);
    await munmap(one);
    await munmap(around);
  });
});

it.skipIf(why !== '')('a write fault on a cached page is served without the worker and still reaches the device on msync', async () => {
  await withCacheStack(4 << 20, async (s) => {
    await filemapRead(s.as.file, 0, new Uint8Array(LEN));
    const m = await mmap(s.as, 0, LEN, { faultServer: faultServer(s.dev) });
    const v = readImage(s.image, 9 * 4096 + 1, 1)[0]! ^ 0x5a;
    m.buffer[9 * 4096 + 1] = v;
    expect(m.run.uffd!.stats().deferred).toBe(0);
    const w0 = s.as.stats.nr_written;
    await msync(m);
    expect(s.as.stats.nr_written - w0).toBe(1);
    expect(readImage(s.image, 9 * 4096 + 1, 1)[0]).toBe(v);
    await munmap(m);
  });
});

it.skipIf(why !== '')('mmap rejects a faultAroundBytes that is not a power of two from 4096 to 2 MiB with EINVAL naming the option', async () => {
  await withCacheStack(1 << 20, async (s) => {
    for (const bad of [0, 3000, 8193, 4 << 20, 2048, '64k', 1.5]) {
      await expect(mmap(s.as, 0, 4096, { faultServer: faultServer(s.dev), faultAroundBytes: bad as number }), String(bad))
        .rejects.toMatchObject({ code: 'EINVAL', message: expect.stringContaining('mmap(opts.faultAroundBytes)') });
    }
    expect(s.as.runs.length).toBe(0);
  });
});
