/**
 * MADV_COLLAPSE turns an aligned 2 MiB range of small pages into one new PMD-mapped THP holding the
 * same data; pages still shared with a child stay the child's; a page with a GUP pin blocks the
 * collapse (EAGAIN); hugetlb and MADV_NOHUGEPAGE memory cannot be collapsed (EINVAL).
 */
import { describe, expect, it } from 'vitest';
import {
  FOLL_WRITE, HPAGE_PMD_ORDER, MADV_COLLAPSE, MADV_NOHUGEPAGE, PAGE_SIZE, pinUserPagesFast, unpinUserPages,
  type MmStruct,
} from '../src/index.ts';
import { codeOf, withMm } from './helpers.ts';

const HPAGE = PAGE_SIZE << HPAGE_PMD_ORDER;


/** An aligned 2 MiB range with small pages written at pages 0 and 300 (the rest unmapped). */
function smallPages(mm: MmStruct): number {
  const raw = mm.mmap(2 * HPAGE);
  const a = Math.ceil(raw / HPAGE) * HPAGE;
  mm.write(a, new Uint8Array([1]));
  mm.write(a + 300 * PAGE_SIZE, new Uint8Array([3]));
  return a;
}

describe('MADV_COLLAPSE', () => {
  it('copies the range into one PMD-mapped THP and frees the small pages', () => {
    withMm({ nrPages: 2048 }, ({ mem, mm }) => {
      const a = smallPages(mm);
      const old = mm.followPage(a);
      mm.madvise(a, HPAGE, MADV_COLLAPSE);
      const head = mm.followPage(a);
      expect([mem.order[head], mem.entireMapcount[head], mem.refcount[head]]).toEqual([HPAGE_PMD_ORDER, 1, 1]);
      expect(mem.refcount[old]).toBe(0);
      expect([mm.read(a, 1)[0], mm.read(a + 300 * PAGE_SIZE, 1)[0], mm.read(a + PAGE_SIZE, 1)[0]]).toEqual([1, 3, 0]);
    });
  });

  it('after fork the child keeps the old pages; the parent\'s writes go to the new THP only', () => {
    withMm({ nrPages: 2048 }, ({ mm, track }) => {
      const a = smallPages(mm);
      const old = mm.followPage(a);
      const child = track(mm.fork());
      mm.madvise(a, HPAGE, MADV_COLLAPSE);
      mm.write(a, new Uint8Array([9]));
      expect(child.followPage(a)).toBe(old);
      expect(child.read(a, 1)[0]).toBe(1);
    });
  });

  it('a pinned page makes it EAGAIN and leaves the range as it was', () => {
    withMm({ nrPages: 2048 }, ({ mem, mm }) => {
      const a = smallPages(mm);
      const pages = new Int32Array(1);
      expect(pinUserPagesFast(mm, a, 1, FOLL_WRITE, pages)).toBe(1);
      expect(codeOf(() => mm.madvise(a, HPAGE, MADV_COLLAPSE))).toBe('EAGAIN');
      expect(mm.followPage(a)).toBe(pages[0]);
      unpinUserPages(mem, pages, 1);
    });
  });

  it('hugetlb and MADV_NOHUGEPAGE memory are EINVAL', () => {
    withMm({ nrPages: 4096, nrHugepages: { '2M': 1 } }, ({ mm }) => {
      const h = mm.mmap(HPAGE, { hugetlb: '2M' });
      expect(codeOf(() => mm.madvise(h, HPAGE, MADV_COLLAPSE))).toBe('EINVAL');
      const a = smallPages(mm);
      mm.madvise(a, HPAGE, MADV_NOHUGEPAGE);
      expect(codeOf(() => mm.madvise(a, HPAGE, MADV_COLLAPSE))).toBe('EINVAL');
    });
  });
});
