// A page whose read failed behind an mmap fault is never uptodate and never written back. The
// toucher gets what Linux gives, SIGBUS (observed in a child process, so it cannot kill the test
// runner), or with the documented opt-in `readError: 'zero'` a zero page whose writes are dropped.
import { expect, it } from 'vitest';
import { filemapRead, folioTestDirty, filemapGetFolio, mmap, msync, munmap } from '@biopath/page-cache';
import { withLoopDevice } from '@biopath/testing';
import { faultServer, mmapSkipReason, readImage, runMmapChild, withCacheStack } from './helpers.ts';

const why = mmapSkipReason();
if (why) console.log(`skipping: ${why}`);

it.skipIf(why !== '')('touching a mapped page whose read failed raises SIGBUS, and the device keeps its data', async () => {
  await withLoopDevice(4 << 20, async (dev, image) => {
    const before = readImage(image, 0, 16384);
    const r = await runMmapChild('read-error', dev);
    expect(r.timedOut).toBe(false);
    expect(r.lines).toContain('touching');
    expect(r.signal).toBe('SIGBUS');
    expect(readImage(image, 0, 16384).equals(before)).toBe(true);
  });
});

it.skipIf(why !== '')('with readError zero, a page whose read failed reads as zeroes, stays clean and never reaches the device; msync reports EIO', async () => {
  await withCacheStack(4 << 20, async (s) => {
    const spec = { ...faultServer(s.dev), options: { path: s.dev, failReadSectors: [8, 16] } };
    const before = readImage(s.image, 0, 16384);
    const m = await mmap(s.as, 0, 16384, { faultServer: spec, readError: 'zero' });
    expect(m.buffer[0]).toBe(before[0]);
    expect(m.buffer.subarray(4096, 8192).every((b) => b === 0)).toBe(true);
    m.buffer[4196] = 0x42;
    expect(folioTestDirty(s.pc, filemapGetFolio(s.as, 1))).toBe(false);
    const w0 = s.as.stats.nr_written;
    await expect(msync(m)).rejects.toMatchObject({ code: 'EIO' });
    expect(s.as.stats.nr_written).toBe(w0);
    await munmap(m);
    expect(s.as.nr_dirty).toBe(0);
    expect(readImage(s.image, 0, 16384).equals(before)).toBe(true);
    const back = new Uint8Array(4096);
    await expect(filemapRead(s.as.file, 0, back)).resolves.toBe(4096);
    expect(Buffer.from(back).equals(before.subarray(0, 4096))).toBe(true);
  }, { readAheadKb: 16 });
});

it.skipIf(why !== '')('mmap rejects readError values other than sigbus and zero with EINVAL naming the option', async () => {
  await withCacheStack(1 << 20, async (s) => {
    await expect(mmap(s.as, 0, 4096, { faultServer: faultServer(s.dev), readError: 'ignore' as 'zero' }))
      .rejects.toMatchObject({ code: 'EINVAL', message: expect.stringContaining('mmap(opts.readError)') });
  });
});
