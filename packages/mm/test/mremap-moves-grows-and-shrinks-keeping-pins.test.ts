/**
 * mremap(): shrinking unmaps the tail, growing extends in place when the range after is free, a move
 * (MREMAP_MAYMOVE, MREMAP_FIXED) carries the pages over with their pins and references untouched.
 */
import { describe, expect, it } from 'vitest';
import {
  FOLL_WRITE, HPAGE_PMD_ORDER, MADV_HUGEPAGE, MADV_PAGEOUT, MREMAP_FIXED, MREMAP_MAYMOVE, PAGE_SIZE, PROT_NONE,
  pinUserPages, pinUserPagesFast, unpinUserPages,
} from '../src/index.ts';
import { codeOf, pinsOf, populated, withMm } from './helpers.ts';


describe('mremap', () => {
  it('shrinks in place, dropping the tail pages', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 4, 3);
      const tail = mm.followPage(a + 3 * PAGE_SIZE);
      expect(mm.mremap(a, 4 * PAGE_SIZE, 2 * PAGE_SIZE)).toBe(a);
      expect(mm.followPage(a + PAGE_SIZE)).toBeGreaterThan(0);
      expect(codeOf(() => mm.read(a + 2 * PAGE_SIZE, 1))).toBe('EFAULT');
      expect(mem.refcount[tail]).toBe(0);
    });
  });

  it('grows in place when the range after the mapping is free', () => {
    withMm({}, ({ mm }) => {
      const b = mm.mmap(4 * PAGE_SIZE);
      mm.munmap(b + 2 * PAGE_SIZE, 2 * PAGE_SIZE);
      mm.write(b, new Uint8Array([4]));
      expect(mm.mremap(b, 2 * PAGE_SIZE, 4 * PAGE_SIZE)).toBe(b);
      mm.write(b + 3 * PAGE_SIZE, new Uint8Array([5]));
      expect(mm.read(b, 1)[0]).toBe(4);
    });
  });

  it('without MREMAP_MAYMOVE a blocked grow is ENOMEM; with it the mapping moves, pinned pages and all', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 2, 6);
      const pages = new Int32Array(2);
      expect(pinUserPagesFast(mm, a, 2, FOLL_WRITE, pages)).toBe(2);
      mm.mmap(PAGE_SIZE, { addr: a + 2 * PAGE_SIZE });
      expect(codeOf(() => mm.mremap(a, 2 * PAGE_SIZE, 3 * PAGE_SIZE))).toBe('ENOMEM');
      const n = mm.mremap(a, 2 * PAGE_SIZE, 3 * PAGE_SIZE, MREMAP_MAYMOVE);
      expect(n).not.toBe(a);
      expect([mm.followPage(n), mm.followPage(n + PAGE_SIZE)]).toEqual([pages[0], pages[1]]);
      expect(mm.followPage(a)).toBe(-1);
      expect([pinsOf(mem, pages[0]), mem.mapcount[pages[0]]]).toEqual([1, 1]);
      mm.write(n, new Uint8Array([7]));
      expect(mem.bytes[pages[0] * PAGE_SIZE]).toBe(7);
      unpinUserPages(mem, pages, 2);
    });
  });

  it('MREMAP_FIXED moves onto the given address, replacing what was there', () => {
    withMm({}, ({ mm }) => {
      const a = populated(mm, 2, 6);
      const x = mm.followPage(a + PAGE_SIZE);
      const t = mm.mmap(PAGE_SIZE, { prot: PROT_NONE });
      expect(mm.mremap(a + PAGE_SIZE, PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, t)).toBe(t);
      expect(mm.followPage(t)).toBe(x);
      expect(mm.read(t, 1)[0]).toBe(6);
      expect(mm.followPage(a + PAGE_SIZE)).toBe(-1);
      expect(mm.read(a, 1)[0]).toBe(6);
    });
  });

  it('rejects bad flags and ranges', () => {
    withMm({}, ({ mm }) => {
      const a = populated(mm, 2, 1);
      expect(codeOf(() => mm.mremap(a, PAGE_SIZE, PAGE_SIZE, 8))).toBe('EINVAL');
      expect(codeOf(() => mm.mremap(a, PAGE_SIZE, PAGE_SIZE, MREMAP_FIXED, a + 8 * PAGE_SIZE))).toBe('EINVAL');
      expect(codeOf(() => mm.mremap(a, 2 * PAGE_SIZE, 2 * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, a + PAGE_SIZE))).toBe('EINVAL');
      expect(codeOf(() => mm.mremap(a + 1, PAGE_SIZE, PAGE_SIZE))).toBe('EINVAL');
      expect(codeOf(() => mm.mremap(a, 3 * PAGE_SIZE, PAGE_SIZE))).toBe('EFAULT');
      expect(codeOf(() => mm.mremap(a, PAGE_SIZE, 0))).toBe('EINVAL');
    });
  });
});

describe('mremap of huge mappings', () => {
  const HPAGE = PAGE_SIZE << HPAGE_PMD_ORDER;

  it('a pinned hugetlb page moves whole, pin and data kept', () => {
    withMm({ nrPages: 4096, nrHugepages: { '2M': 1 } }, ({ mem, mm }) => {
      const a = mm.mmap(HPAGE, { hugetlb: '2M' });
      mm.write(a + 7, new Uint8Array([7]));
      const pages = new Int32Array(512);
      expect(pinUserPages(mm, a, 512, FOLL_WRITE, pages)).toBe(512);
      const n = mm.mremap(a, HPAGE, 2 * HPAGE, MREMAP_MAYMOVE);
      expect(n % HPAGE).toBe(0);
      expect(mm.pagemap(n).huge).toBe(true);
      expect(mm.followPage(n)).toBe(pages[0]);
      expect(mem.pincount[pages[0]]).toBe(512);
      expect(mm.read(n + 7, 1)[0]).toBe(7);
      unpinUserPages(mem, pages, 512);
    });
  });

  it('a pinned PMD THP moved to a 2 MiB-aligned address stays PMD-mapped; a misaligned move splits it', () => {
    withMm({ nrPages: 4096 }, ({ mem, mm }) => {
      const raw = mm.mmap(2 * HPAGE);
      const a = Math.ceil(raw / HPAGE) * HPAGE;
      mm.madvise(a, HPAGE, MADV_HUGEPAGE);
      mm.write(a, new Uint8Array(HPAGE).fill(2));
      const pages = new Int32Array(512);
      expect(pinUserPagesFast(mm, a, 512, FOLL_WRITE, pages)).toBe(512);
      const t = Math.ceil(mm.mmap(2 * HPAGE, { prot: PROT_NONE }) / HPAGE) * HPAGE;
      expect(mm.mremap(a, HPAGE, HPAGE, MREMAP_MAYMOVE | MREMAP_FIXED, t)).toBe(t);
      expect(mm.pagemap(t).huge).toBe(true);
      expect(mm.mremap(t, HPAGE, HPAGE, MREMAP_MAYMOVE | MREMAP_FIXED, t + HPAGE + PAGE_SIZE)).toBe(t + HPAGE + PAGE_SIZE);
      const moved = mm.pagemap(t + HPAGE + PAGE_SIZE);
      expect([moved.huge, moved.pfn]).toEqual([false, pages[0]]);
      expect(mem.pincount[pages[0]]).toBe(512);
      unpinUserPages(mem, pages, 512);
    });
  });

  it('swap entries move with the mapping', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 2, 9);
      mm.madvise(a, 2 * PAGE_SIZE, MADV_PAGEOUT);
      const t = mm.mmap(2 * PAGE_SIZE, { prot: PROT_NONE });
      const n = mm.mremap(a, 2 * PAGE_SIZE, 2 * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, t);
      expect(mm.pagemap(a + PAGE_SIZE).swapped).toBe(false);
      expect(mm.pagemap(n + PAGE_SIZE).swapped).toBe(true);
      expect(mm.read(n + PAGE_SIZE, 1)[0]).toBe(9);
      mm.munmap(n, 2 * PAGE_SIZE);
      expect(mem.swapSlots.size).toBe(0);
    });
  });
});
