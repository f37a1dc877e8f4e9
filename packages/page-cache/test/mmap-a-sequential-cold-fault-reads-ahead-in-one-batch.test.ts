// A cold fault is served by the fault worker, which reads the faulting page's cluster (the
// readahead window) and, for a sequential fault, the clusters after it, all in one batch of bios;
// the pages it brought in are then faulted in by the native handler (fault-around) without
// waking the worker again. A random fault reads only its own cluster.
import { expect, it } from 'vitest';
import { mmap, munmap } from '@biopath/page-cache';
import { faultServer, mmapSkipReason, readImage, withCacheStack } from './helpers.ts';

const why = mmapSkipReason();
if (why) console.log(`skipping: ${why}`);
const LEN = 64 * 1024;

it.skipIf(why !== '')('touching 16 cold pages in order wakes the worker once: four 4-page clusters read in one batch', async () => {
  await withCacheStack(4 << 20, async (s) => {
    const m = await mmap(s.as, 0, LEN, { faultServer: faultServer(s.dev) });
    expect(m.buffer.equals(readImage(s.image, 0, LEN))).toBe(true);
    expect(m.run.uffd!.stats().deferred).toBe(1);
    await munmap(m);
  }, { readAheadKb: 16 });
});

it.skipIf(why !== '')('a cold fault in the middle of nowhere reads its own cluster only', async () => {
  await withCacheStack(4 << 20, async (s) => {
    const m = await mmap(s.as, 0, LEN, { faultServer: faultServer(s.dev), faultAroundBytes: 4096 });
    const img = readImage(s.image, 0, LEN);
    expect(m.buffer[9 * 4096 + 3]).toBe(img[9 * 4096 + 3]);
    const uptodate = Array.from(m.run.state, (w) => (w & 3) === 2);
    expect(uptodate.map((u, i) => (u ? i : -1)).filter((i) => i >= 0)).toEqual([9, 10, 11, 12]);
    expect(m.run.uffd!.stats().deferred).toBe(1);
    await munmap(m);
  }, { readAheadKb: 16 });
});
