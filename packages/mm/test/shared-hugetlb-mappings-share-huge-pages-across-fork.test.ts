/**
 * MAP_SHARED|MAP_HUGETLB: huge pages come from the pool once per offset and are shared by every
 * mapping of the object (a forked child too): writes on either side are seen by the other, there is
 * no COW (a pinned page stays the page both map), and the pages return to the pool when the last
 * mapping goes.
 */
import { describe, expect, it } from 'vitest';
import {
  FOLL_LONGTERM, FOLL_WRITE, HPAGE_PMD_ORDER, PAGE_SIZE, hugetlbPoolStats, pinUserPages, pinUserPagesFast,
  unpinUserPages,
} from '../src/index.ts';
import { withMm } from './helpers.ts';

const HPAGE = PAGE_SIZE << HPAGE_PMD_ORDER;
const POOL = { nrPages: 4096, nrHugepages: { '2M': 2 } } as const;

describe('shared hugetlb mappings', () => {
  it('take a pool page per huge offset on first touch and map it whole', () => {
    withMm(POOL, ({ mem, mm }) => {
      const a = mm.mmap(2 * HPAGE, { hugetlb: '2M', shared: true });
      expect(hugetlbPoolStats(mem, '2M').free_hugepages).toBe(2);
      mm.write(a + 5 * PAGE_SIZE, new Uint8Array([7]));
      expect(hugetlbPoolStats(mem, '2M').free_hugepages).toBe(1);
      expect(mm.pagemap(a).huge).toBe(true);
      expect(mm.pagemap(a).present).toBe(true);
      expect(mm.read(a + HPAGE, 1)[0]).toBe(0);
      expect(hugetlbPoolStats(mem, '2M').free_hugepages).toBe(0);
      mm.munmap(a, 2 * HPAGE);
      expect(hugetlbPoolStats(mem, '2M').free_hugepages).toBe(2);
    });
  });

  it('are shared with a forked child in both directions, without COW', () => {
    withMm(POOL, ({ mem, mm }) => {
      const a = mm.mmap(HPAGE, { hugetlb: '2M', shared: true });
      mm.write(a, new Uint8Array([1]));
      const pfn = mm.followPage(a);
      const child = mm.fork();
      try {
        child.write(a + 100, new Uint8Array([2]));
        mm.write(a + 200, new Uint8Array([3]));
        expect(child.followPage(a)).toBe(pfn);
        expect(mm.followPage(a)).toBe(pfn);
        expect([...mm.read(a + 100, 1), ...child.read(a + 200, 1)]).toEqual([2, 3]);
        expect(mem.entireMapcount[pfn]).toBe(2);
      } finally {
        child.exit();
      }
      expect(mem.entireMapcount[pfn]).toBe(1);
    });
  });

  it('a long-term pin taken before fork stays coherent with both processes', () => {
    withMm(POOL, ({ mem, mm }) => {
      const a = mm.mmap(HPAGE, { hugetlb: '2M', shared: true });
      mm.write(a, new Uint8Array([1]));
      const pages = new Int32Array(512);
      expect(pinUserPages(mm, a, 512, FOLL_WRITE | FOLL_LONGTERM, pages)).toBe(512);
      const child = mm.fork();
      child.write(a + 3 * PAGE_SIZE, new Uint8Array([9]));
      expect(mem.bytes[pages[3]! * PAGE_SIZE]).toBe(9);
      child.exit();
      unpinUserPages(mem, pages, 512);
      const fast = new Int32Array(512);
      expect(pinUserPagesFast(mm, a, 512, 0, fast)).toBe(512);
      expect(fast[0]).toBe(pages[0]);
      unpinUserPages(mem, fast, 512);
    });
  });
});
