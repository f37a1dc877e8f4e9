import { afterEach, expect, it } from 'vitest';
import { PAGE_SIZE } from '@biopath/mm';
import { ramStack, type RamStack } from './__fixtures__/ram-stack.ts';
import { filemapWrite } from './filemap-write.ts';
import { filemapRead } from './filemap-read.ts';
import { CACHE_IO_READ, CACHE_IO_WRITE } from './cache-io.ts';
import { filemapGetFolio, folioTestDirty, folioTestUptodate } from './filemap.ts';
import { frameView } from './page-cache.ts';
import { writebackRange } from './writeback.ts';
import { invalidateMappingPages } from './truncate.ts';

let s: RamStack;
afterEach(async () => s.teardown());

it('a partial-page write reads the page first, so the bytes around it survive writeback', async () => {
  s = ramStack();
  const page = s.io.disk.subarray(5 * PAGE_SIZE, 6 * PAGE_SIZE);
  for (let i = 0; i < PAGE_SIZE; i++) page[i] = (i * 7 + 1) | 1; // no zero byte: a skipped read shows
  const before = Buffer.from(page);
  expect(await filemapWrite(s.as.file, 5 * PAGE_SIZE + 100, new Uint8Array(10).fill(0xab))).toBe(10);
  expect(s.io.log.filter((l) => l[0] === CACHE_IO_READ)).toEqual([[CACHE_IO_READ, 5 * PAGE_SIZE, 1]]);
  const pfn = filemapGetFolio(s.as, 5);
  expect(folioTestUptodate(s.pc, pfn)).toBe(true);
  expect(folioTestDirty(s.pc, pfn)).toBe(true);
  expect(s.as.nr_dirty).toBe(1);
  const cached = Buffer.from(frameView(s.pc, pfn));
  expect(cached.subarray(0, 100).equals(before.subarray(0, 100))).toBe(true);
  expect(cached.subarray(100, 110).every((b) => b === 0xab)).toBe(true);
  expect(cached.subarray(110).equals(before.subarray(110))).toBe(true);
  expect(Buffer.from(s.io.disk.subarray(5 * PAGE_SIZE, 6 * PAGE_SIZE)).equals(before)).toBe(true);
  expect(await writebackRange(s.as, 0, s.as.i_size - 1)).toEqual({ written: 1, error: 0 });
  const after = Buffer.from(s.io.disk.subarray(5 * PAGE_SIZE, 6 * PAGE_SIZE));
  expect(after.equals(cached)).toBe(true);
  expect(s.as.nr_dirty).toBe(0);
});

it('a whole-page write does not read; consecutive dirty pages go out in one request', async () => {
  s = ramStack();
  await filemapWrite(s.as.file, 8 * PAGE_SIZE, new Uint8Array(4 * PAGE_SIZE).fill(7));
  expect(s.io.log).toEqual([]);
  await writebackRange(s.as, 0, s.as.i_size - 1);
  expect(s.io.log.filter((l) => l[0] === CACHE_IO_WRITE)).toEqual([[CACHE_IO_WRITE, 8 * PAGE_SIZE, 4]]);
});

it('buffered data reads back after the cache is dropped', async () => {
  s = ramStack();
  const data = new Uint8Array(3 * PAGE_SIZE + 123).map((_, i) => (i * 13) & 0xff);
  await filemapWrite(s.as.file, 1000, data);
  await writebackRange(s.as, 0, s.as.i_size - 1);
  expect(invalidateMappingPages(s.as)).toBeGreaterThanOrEqual(4);
  expect(s.as.nrpages).toBe(0);
  const back = new Uint8Array(data.length);
  await filemapRead(s.as.file, 1000, back);
  expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
});

it('writes at or past the end are refused with ENOSPC; a write across it is shortened', async () => {
  s = ramStack();
  await expect(filemapWrite(s.as.file, s.as.i_size, new Uint8Array(1))).rejects.toMatchObject({ code: 'ENOSPC' });
  expect(await filemapWrite(s.as.file, s.as.i_size - 10, new Uint8Array(100))).toBe(10);
});

it('writers are throttled into writeback when the cache holds too much dirty data', async () => {
  s = ramStack({ capacity: 64 });
  s.pc.dirty_thresh = 8;
  await filemapWrite(s.as.file, 0, new Uint8Array(40 * PAGE_SIZE).fill(9));
  expect(s.pc.stats.nr_dirty_throttled).toBeGreaterThan(0);
  expect(s.pc.nr_dirty).toBeLessThanOrEqual(8);
  expect(s.io.disk[20 * PAGE_SIZE]).toBe(9);
});
