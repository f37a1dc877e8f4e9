// O_DIRECT (block's blkdevDirectIO, user buffers pinned) and buffered IO through the page cache on
// the same real device see each other's data once the kiocb helpers run around the direct IO; and
// without them the cache would indeed serve stale data (so the helpers are what makes it coherent).
import { expect, it } from 'vitest';
import { Kiocb, blkdevDirectIO } from '@biopath/block';
import { ITER_DEST, ITER_SOURCE, createIovIter, iovIterUbuf } from '@biopath/iov-iter';
import { MmStruct, expectNoLeakedPins, snapshotPins } from '@biopath/mm';
import {
  destroyAddressSpace, filemapRead, filemapWrite, kiocbInvalidatePages, kiocbInvalidatePostDirectWrite, kiocbWriteAndWait,
} from '@biopath/page-cache';
import { probe } from '@biopath/testing';
import { pattern, withCacheStack, type CacheStack } from './helpers.ts';

const loop = probe.loop();
if (!loop.ok) console.log(`skipping: ${loop.reason}`);

function direct(s: CacheStack, mm: MmStruct, write: boolean, pos: number, addr: number, len: number): number {
  const iocb = new Kiocb();
  iocb.ki_bdev = s.bdev;
  iocb.ki_pos = pos;
  return blkdevDirectIO(iocb, iovIterUbuf(createIovIter(), write ? ITER_SOURCE : ITER_DEST, mm, addr, len));
}

it.skipIf(!loop.ok)('a direct read sees buffered writes once they are written back first', async () => {
  await withCacheStack(4 << 20, async (s) => {
    const base = snapshotPins(s.mem);
    const mm = new MmStruct(s.mem);
    const buf = mm.mmap(8192);
    const data = pattern(5, 8192);
    await filemapWrite(s.as.file, 40960, data);
    expect(direct(s, mm, false, 40960, buf, 8192)).toBe(8192);
    expect(Buffer.from(mm.read(buf, 8192)).equals(Buffer.from(data))).toBe(false);
    await kiocbWriteAndWait(s.as, 40960, 8192);
    expect(direct(s, mm, false, 40960, buf, 8192)).toBe(8192);
    expect(Buffer.from(mm.read(buf, 8192)).equals(Buffer.from(data))).toBe(true);
    mm.exit();
    await destroyAddressSpace(s.as);
    expectNoLeakedPins(s.mem, base);
  }, { readAheadKb: 0 });
});

it.skipIf(!loop.ok)('a buffered read sees a direct write once the cached pages are invalidated around it', async () => {
  await withCacheStack(4 << 20, async (s) => {
    const base = snapshotPins(s.mem);
    const mm = new MmStruct(s.mem);
    const buf = mm.mmap(8192);
    const data = pattern(6, 8192);
    mm.write(buf, data);
    const old = new Uint8Array(8192);
    await filemapRead(s.as.file, 81920, old);
    expect(direct(s, mm, true, 81920, buf, 8192)).toBe(8192);
    const stale = new Uint8Array(8192);
    await filemapRead(s.as.file, 81920, stale);
    expect(Buffer.from(stale).equals(Buffer.from(old))).toBe(true);
    const before = await kiocbInvalidatePages(s.as, 81920, 8192);
    expect(before.nr_invalidated).toBe(2);
    expect(direct(s, mm, true, 81920, buf, 8192)).toBe(8192);
    await kiocbInvalidatePostDirectWrite(s.as, 81920, 8192);
    const fresh = new Uint8Array(8192);
    await filemapRead(s.as.file, 81920, fresh);
    expect(Buffer.from(fresh).equals(Buffer.from(data))).toBe(true);
    mm.exit();
    await destroyAddressSpace(s.as);
    expectNoLeakedPins(s.mem, base);
  }, { readAheadKb: 0 });
});
