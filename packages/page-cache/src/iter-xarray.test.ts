import { afterEach, expect, it } from 'vitest';
import {
  ITER_DEST, ITER_SOURCE, copyFromIter, copyToIter, createIovIter, iovIterExtractPages, iovIterXarray,
} from '@biopath/iov-iter';
import { PAGE_SIZE } from '@biopath/mm';
import { ramStack, type RamStack } from './__fixtures__/ram-stack.ts';
import { filemapRead } from './filemap-read.ts';
import { filemapGetFolio, folioMarkDirty } from './filemap.ts';

let s: RamStack;
afterEach(async () => s.teardown());

it('ITER_XARRAY walks the cached folios of an address space: copies and lists them, pinning nothing', async () => {
  s = ramStack();
  await filemapRead(s.as.file, 0, new Uint8Array(8 * PAGE_SIZE));
  const it = iovIterXarray(createIovIter(), ITER_SOURCE, s.mem, s.as.i_pages, PAGE_SIZE + 100, 3 * PAGE_SIZE);
  const out = new Uint8Array(3 * PAGE_SIZE);
  expect(copyFromIter(out, out.length, it)).toBe(out.length);
  expect(Buffer.from(out).equals(Buffer.from(s.io.disk.subarray(PAGE_SIZE + 100, 4 * PAGE_SIZE + 100)))).toBe(true);

  const acquired = s.mem.nrFollPinAcquired;
  const it2 = iovIterXarray(createIovIter(), ITER_SOURCE, s.mem, s.as.i_pages, 2 * PAGE_SIZE, 4 * PAGE_SIZE);
  const pages = { pages: new Int32Array(4) };
  expect(iovIterExtractPages(it2, pages, 4 * PAGE_SIZE, 4, 0).bytes).toBe(4 * PAGE_SIZE);
  expect([...pages.pages]).toEqual([2, 3, 4, 5].map((i) => filemapGetFolio(s.as, i)));
  expect(s.mem.nrFollPinAcquired).toBe(acquired);

  const w = iovIterXarray(createIovIter(), ITER_DEST, s.mem, s.as.i_pages, 5 * PAGE_SIZE, 16);
  expect(copyToIter(new Uint8Array(16).fill(0xee), 16, w)).toBe(16);
  folioMarkDirty(s.as, filemapGetFolio(s.as, 5));
  const back = new Uint8Array(16);
  await filemapRead(s.as.file, 5 * PAGE_SIZE, back);
  expect(back.every((b) => b === 0xee)).toBe(true);
});
