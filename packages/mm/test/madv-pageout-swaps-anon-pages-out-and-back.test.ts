/**
 * Swap: MADV_PAGEOUT moves private anon pages mapped once and otherwise unreferenced to swap slots,
 * leaving swap entries; a fault reads them back (AnonExclusive if the entry was, so a write needs no
 * copy); fork shares swap entries, and the child's swap-in never lets writes cross; pinned pages stay;
 * munmap frees the slots. pagemap() and dumpPage() show the state.
 */
import { BiopathError } from '@biopath/native';
import { describe, expect, it } from 'vitest';
import {
  FOLL_WRITE, HPAGE_PMD_ORDER, MADV_HUGEPAGE, MADV_PAGEOUT, PAGE_SIZE, PG_anon_exclusive, dumpPage, pinUserPagesFast,
  unpinUserPages,
} from '../src/index.ts';
import { populated, withMm } from './helpers.ts';

describe('MADV_PAGEOUT', () => {
  it('swaps an exclusive page out and back; the write after swap-in reuses it', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 2, 0x42);
      const x = mm.followPage(a);
      mm.madvise(a, 2 * PAGE_SIZE, MADV_PAGEOUT);
      expect(mm.pagemap(a)).toEqual({ present: false, swapped: true, pfn: -1, huge: false, exclusive: false });
      expect(mem.refcount[x]).toBe(0);
      expect(mem.swapSlots.size).toBe(2);
      expect(mm.read(a, 1)[0]).toBe(0x42);
      const y = mm.followPage(a);
      expect(mem.flags[y] & PG_anon_exclusive).not.toBe(0);
      mm.write(a, new Uint8Array([1]));
      expect(mm.followPage(a)).toBe(y);
      expect(dumpPage(mem, y)).toMatch(/refcount:1 mapcount:1 .*flags: .*anon\|anon_exclusive/);
      mm.munmap(a, 2 * PAGE_SIZE);
      expect(mem.swapSlots.size).toBe(0);
    });
  });

  it('fork shares the swap entry; each side swaps in its own page and writes stay apart', () => {
    withMm({}, ({ mem, mm, track }) => {
      const a = populated(mm, 1, 0x42);
      mm.madvise(a, PAGE_SIZE, MADV_PAGEOUT);
      const child = track(mm.fork());
      expect(child.pagemap(a).swapped).toBe(true);
      mm.write(a, new Uint8Array([7]));
      expect(child.read(a, 1)[0]).toBe(0x42);
      child.write(a, new Uint8Array([8]));
      expect(mm.read(a, 1)[0]).toBe(7);
      expect(mem.swapSlots.size).toBe(0);
    });
  });

  it('leaves pinned pages and splits a PMD THP to page it out', () => {
    withMm({ nrPages: 2048 }, ({ mem, mm }) => {
      const a = populated(mm, 2, 1);
      const pages = new Int32Array(1);
      expect(pinUserPagesFast(mm, a, 1, FOLL_WRITE, pages)).toBe(1);
      mm.madvise(a, 2 * PAGE_SIZE, MADV_PAGEOUT);
      expect(mm.pagemap(a).present).toBe(true);
      expect(mm.pagemap(a + PAGE_SIZE).swapped).toBe(true);
      unpinUserPages(mem, pages, 1);
      const h = PAGE_SIZE << HPAGE_PMD_ORDER;
      const raw = mm.mmap(2 * h);
      const t = Math.ceil(raw / h) * h;
      mm.madvise(t, h, MADV_HUGEPAGE);
      mm.write(t, new Uint8Array(h).fill(3));
      expect(mm.pagemap(t).huge).toBe(true);
      mm.madvise(t, h, MADV_PAGEOUT);
      expect(mm.pagemap(t + h - PAGE_SIZE).swapped).toBe(true);
      expect(mm.read(t + h - 1, 1)[0]).toBe(3);
    });
  });

  it('is EINVAL on hugetlb; pagemap and dumpPage reject bad arguments', () => {
    withMm({ nrPages: 4096, nrHugepages: { '2M': 1 } }, ({ mem, mm }) => {
      const h = mm.mmap(1, { hugetlb: '2M' });
      expect(() => mm.madvise(h, PAGE_SIZE << HPAGE_PMD_ORDER, MADV_PAGEOUT)).toThrow(BiopathError);
      expect(() => mm.pagemap(-1)).toThrow(/EINVAL: pagemap\(addr\)/);
      expect(() => dumpPage(mem, mem.nrPages)).toThrow(/EINVAL: dumpPage\(pfn\)/);
    });
  });
});
