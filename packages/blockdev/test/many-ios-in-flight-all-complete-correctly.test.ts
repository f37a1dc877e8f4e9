// 256 concurrent promises from one caller (more than the queue has tags), and readv/writev
// batches, all complete with the right data; the stats count exactly what was asked.
import { describe, expect, it } from 'vitest';
import { openBlockDevice } from '@biopath/blockdev';
import type { Strategy } from '@biopath/blockdev';
import { readImage } from '@biopath/testing';
import { TARGETS, canUse, pattern, same, withTarget } from './helpers.ts';

const STRATEGIES: Strategy[] = ['pin', 'get', 'list'];

describe.each(TARGETS.flatMap((t) => STRATEGIES.map((s) => [t, s] as const)))('%s, strategy %s', (target, strategy) => {
  it.skipIf(!canUse(target))('256 concurrent writes then 256 concurrent reads at random offsets, queue depth 32', async () => {
    await withTarget(target, 8 << 20, async (path, image) => {
      const h = openBlockDevice(path, { strategy, queueDepth: 32 });
      try {
        const offs = Array.from({ length: 256 }, (_, i) => ((i * 733) % 2048) * 4096); // distinct pages, shuffled
        const bufs = offs.map((_, i) => (i % 2 === 0 ? pattern(i, 4096) : h.allocBuffer(4096).fill(i & 255)));
        const ws = await Promise.all(offs.map((o, i) => h.write(o, bufs[i]!)));
        expect(ws.every((n) => n === 4096)).toBe(true);
        const rs = await Promise.all(offs.map((o) => h.read(o, 4096)));
        for (let i = 0; i < 256; i++) {
          expect(same(rs[i]!, bufs[i]!)).toBe(true);
          expect(same(readImage(image, offs[i]!, 4096), bufs[i]!)).toBe(true);
        }
        const st = h.stats();
        expect([st.reads, st.writes, st.bytesRead, st.bytesWritten, st.errors, st.inFlight]).toEqual([256, 256, 256 * 4096, 256 * 4096, 0, 0]);
        expect(st.bounced).toBe(128 + 256); // plain writes and reads into new buffers; allocBuffer writes are zero-copy
        expect(st.pinsAcquired).toBe(st.pinsReleased);
        expect(st.refsReleased).toBe(st.refsTaken);
        if (strategy === 'pin') expect(st.pinsAcquired).toBe(512);
        if (strategy === 'get') expect(st.refsTaken).toBe(512);
      } finally {
        await h.close();
      }
    });
  });

  it.skipIf(!canUse(target))('writev and readv of many ranges are one batch each and round-trip', async () => {
    await withTarget(target, 4 << 20, async (path) => {
      const h = openBlockDevice(path, { strategy });
      try {
        const ranges = Array.from({ length: 40 }, (_, i) => ({ offset: i * 8192 + (i % 3) * 512, data: pattern(i, 512 * (1 + (i % 4))) }));
        expect(await h.writev(ranges)).toBe(ranges.reduce((a, r) => a + r.data.length, 0));
        const dst = h.allocBuffer(2048);
        const got = await h.readv(ranges.map((r, i) => (i === 7 ? { offset: r.offset, buffer: dst.subarray(0, r.data.length) } : { offset: r.offset, length: r.data.length })));
        for (let i = 0; i < ranges.length; i++) expect(same(got[i]!, ranges[i]!.data)).toBe(true);
        expect(got[7]!.buffer).toBe(dst.buffer);
        const st = h.stats();
        expect([st.writes, st.reads]).toEqual([40, 40]);
        expect(st.pinsAcquired).toBe(st.pinsReleased);
      } finally {
        await h.close();
      }
    });
  });
});

it('page-cache stats count hits and misses', async () => {
  const h = openBlockDevice(8 << 20, { driver: 'null', cacheSize: 1 << 20, readahead: 0 });
  await h.read(0, 8192); // 2 misses
  await h.read(0, 4096); // 1 hit
  await h.write(4096, pattern(1, 4096)); // 1 hit
  await h.write(65536, pattern(2, 4096)); // 1 miss
  const st = h.stats();
  expect([st.cacheHits, st.cacheMisses]).toEqual([2, 3]);
  expect(st.bytesCopied).toBe(8192 + 4096 + 4096 + 4096);
  await h.close();
});
