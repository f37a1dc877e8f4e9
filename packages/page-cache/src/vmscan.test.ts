import { afterEach, expect, it } from 'vitest';
import { PAGE_SIZE, PG_locked } from '@biopath/mm';
import { ramStack, type RamStack } from './__fixtures__/ram-stack.ts';
import { filemapRead } from './filemap-read.ts';
import { filemapWrite } from './filemap-write.ts';
import { filemapGetFolio } from './filemap.ts';
import { shrinkPageCache } from './vmscan.ts';
import { PG_writeback } from './page-flags.ts';
import { writebackRange } from './writeback.ts';

let s: RamStack;
afterEach(async () => s.teardown());

it('the cache never grows past its capacity: reading more evicts the oldest clean folios', async () => {
  s = ramStack({ capacity: 64 });
  const buf = new Uint8Array(PAGE_SIZE);
  for (let p = 0; p < 300; p++) await filemapRead(s.as.file, p * PAGE_SIZE, buf);
  expect(s.pc.nr_file_pages).toBeLessThanOrEqual(64);
  expect(s.pc.stats.pgsteal).toBeGreaterThan(200);
  expect(filemapGetFolio(s.as, 0)).toBe(-1);
  expect(filemapGetFolio(s.as, 299)).toBeGreaterThan(0);
});

it('reclaim skips dirty, locked and writeback folios and extra references, and says why', async () => {
  s = ramStack({ raKb: 0 });
  const buf = new Uint8Array(PAGE_SIZE);
  for (let p = 0; p < 6; p++) await filemapRead(s.as.file, p * PAGE_SIZE, buf);
  await filemapWrite(s.as.file, 6 * PAGE_SIZE, new Uint8Array(PAGE_SIZE));
  const pfn = (i: number) => filemapGetFolio(s.as, i);
  const [locked, wb, busy] = [pfn(1), pfn(2), pfn(3)];
  s.mem.flags[locked] |= PG_locked;
  s.pc.flags[wb] |= PG_writeback;
  s.mem.refcount[busy]++;
  try {
    const st = shrinkPageCache(s.pc, 100);
    expect(st).toMatchObject({
      nr_scanned: 7, nr_reclaimed: 3, nr_skipped_dirty: 1, nr_skipped_locked: 1, nr_skipped_writeback: 1, nr_skipped_busy: 1,
    });
    expect([1, 2, 3, 6].map(pfn).every((p) => p > 0)).toBe(true);
    expect([0, 4, 5].map(pfn)).toEqual([-1, -1, -1]);
  } finally {
    s.mem.flags[locked] &= ~PG_locked;
    s.pc.flags[wb] &= ~PG_writeback;
    s.mem.refcount[busy]--;
  }
  await writebackRange(s.as, 0, s.as.i_size - 1);
  expect(shrinkPageCache(s.pc, 100).nr_reclaimed).toBe(4);
});

it('a folio read twice is activated and outlives once-read ones', async () => {
  s = ramStack({ raKb: 0, capacity: 8 });
  const buf = new Uint8Array(PAGE_SIZE);
  await filemapRead(s.as.file, 0, buf);
  await filemapRead(s.as.file, 0, buf.subarray(0, 1));
  await filemapRead(s.as.file, 1, buf.subarray(0, 1));
  for (let p = 1; p < 40; p++) await filemapRead(s.as.file, p * PAGE_SIZE, buf);
  expect(filemapGetFolio(s.as, 0)).toBeGreaterThan(0);
  expect(filemapGetFolio(s.as, 1)).toBe(-1);
});
