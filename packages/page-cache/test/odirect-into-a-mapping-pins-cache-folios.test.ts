// An mmap'd, cache-backed buffer is also mapped into an emulated process: O_DIRECT (block's
// blkdevDirectIO with a user-backed ITER_UBUF iterator) into it moves device data into the cache
// folios themselves, and pins taken through it (iov_iter_extract_pages) keep those folios in the
// cache under reclaim pressure, even after munmap, until they are unpinned. Reclaim says why.
import { expect, it } from 'vitest';
import { Kiocb, blkdevDirectIO } from '@biopath/block';
import { ITER_DEST, createIovIter, iovIterExtractPages, iovIterUbuf } from '@biopath/iov-iter';
import { MmStruct, expectNoLeakedPins, folioMaybeDmaPinned, snapshotPins, unpinUserPages } from '@biopath/mm';
import {
  destroyAddressSpace, filemapGetFolio, filemapRead, mmap, msync, munmap, shrinkPageCache,
} from '@biopath/page-cache';
import { faultServer, mmapSkipReason, readImage, withCacheStack } from './helpers.ts';

const why = mmapSkipReason();
if (why) console.log(`skipping: ${why}`);
const N = 16;
const SRC = 1 << 20;

it.skipIf(why !== '')('O_DIRECT into a mapping lands in the cache folios; pins keep them through munmap and reclaim', async () => {
  await withCacheStack(4 << 20, async (s) => {
    const base = snapshotPins(s.mem);
    const mm = new MmStruct(s.mem);
    const m = await mmap(s.as, 0, N * 4096, { shared: true, mm, faultServer: faultServer(s.dev) });
    const iocb = new Kiocb();
    iocb.ki_bdev = s.bdev;
    iocb.ki_pos = SRC;
    expect(blkdevDirectIO(iocb, iovIterUbuf(createIovIter(), ITER_DEST, mm, m.userAddr, N * 4096))).toBe(N * 4096);
    const src = readImage(s.image, SRC, N * 4096);
    expect(m.buffer.equals(src)).toBe(true);
    const viaCache = new Uint8Array(N * 4096);
    await filemapRead(s.as.file, 0, viaCache);
    expect(Buffer.from(viaCache).equals(src)).toBe(true);
    await msync(m);
    expect(readImage(s.image, 0, N * 4096).equals(src)).toBe(true);

    const it = iovIterUbuf(createIovIter(), ITER_DEST, mm, m.userAddr, N * 4096);
    const pages = { pages: new Int32Array(N) };
    expect(iovIterExtractPages(it, pages, N * 4096, N, 0).bytes).toBe(N * 4096);
    for (let k = 0; k < N; k++) expect(pages.pages[k]).toBe(filemapGetFolio(s.as, k));
    await munmap(m);
    mm.exit();
    expect(pages.pages.every((p) => folioMaybeDmaPinned(s.mem, p))).toBe(true);

    const buf = new Uint8Array(4096);
    for (let p = 100; p < 400; p++) await filemapRead(s.as.file, p * 4096, buf);
    expect(s.pc.nr_file_pages).toBeLessThanOrEqual(s.pc.capacity);
    for (let k = 0; k < N; k++) expect(filemapGetFolio(s.as, k)).toBe(pages.pages[k]);
    const st = shrinkPageCache(s.pc, 10_000);
    expect(st.nr_skipped_pinned).toBe(N);
    for (let k = 0; k < N; k++) expect(filemapGetFolio(s.as, k)).toBe(pages.pages[k]);

    unpinUserPages(s.mem, pages.pages, N);
    expect(shrinkPageCache(s.pc, 10_000).nr_skipped_pinned).toBe(0);
    for (let k = 0; k < N; k++) expect(filemapGetFolio(s.as, k)).toBe(-1);
    await destroyAddressSpace(s.as);
    expectNoLeakedPins(s.mem, base);
  }, { capacityPages: 64 });
});
