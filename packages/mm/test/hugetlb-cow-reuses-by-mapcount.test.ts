/**
 * hugetlb COW and unshare (hugetlb_wp(), copy_hugetlb_page_range()): fork shares the huge page
 * read-only; a write copies the whole folio while another process maps it and reuses it once only
 * one mapping is left, whatever other references exist (why FOLL_GET vmsplice breaks on hugetlb);
 * a pinned exclusive page is copied for the child at fork; a R/O pin of a shared page unshares it.
 */
import { describe, expect, it } from 'vitest';
import {
  FOLL_LONGTERM, FOLL_WRITE, HPAGE_PMD_ORDER, PAGE_SIZE, PROFILES, getPage, hugetlbPoolStats, pinUserPages,
  pinUserPagesFast, putPage, unpinUserPages,
} from '../src/index.ts';
import { withMm } from './helpers.ts';

const HPAGE = PAGE_SIZE << HPAGE_PMD_ORDER;

describe.each(PROFILES.map((profile) => ({ profile })))('profile $profile', ({ profile }) => {
  const opts = { profile, nrPages: 4096, nrHugepages: { '2M': 2 } } as const;

  it('fork shares read-only; the parent\'s write copies the whole folio; the child keeps the old data', () => {
    withMm(opts, ({ mem, mm, track }) => {
      const a = mm.mmap(HPAGE, { hugetlb: '2M' });
      mm.write(a + 4096 * 300, new Uint8Array([5]));
      const x = mm.followPage(a);
      const child = track(mm.fork());
      expect(mem.entireMapcount[x]).toBe(2);
      mm.write(a + 4096 * 300, new Uint8Array([6]));
      const y = mm.followPage(a);
      expect(y).not.toBe(x);
      expect(hugetlbPoolStats(mem, '2M').free_hugepages).toBe(0);
      expect(child.read(a + 4096 * 300, 1)[0]).toBe(5);
      expect(mm.read(a + 4096 * 300, 1)[0]).toBe(6);
    });
  });

  it('with the child gone, the write reuses the page even while an extra reference is held', () => {
    withMm(opts, ({ mem, mm }) => {
      const a = mm.mmap(HPAGE, { hugetlb: '2M' });
      mm.write(a, new Uint8Array([5]));
      const x = mm.followPage(a);
      mm.fork().exit();
      getPage(mem, x);
      mm.write(a, new Uint8Array([6]));
      expect(mm.followPage(a)).toBe(x);
      expect(mem.bytes[x * PAGE_SIZE]).toBe(6);
      putPage(mem, x);
    });
  });

  it('a pinned exclusive page is copied for the child at fork; the parent keeps it writable', () => {
    withMm(opts, ({ mem, mm, track }) => {
      const a = mm.mmap(HPAGE, { hugetlb: '2M' });
      mm.write(a, new Uint8Array([5]));
      const pages = new Int32Array(1);
      expect(pinUserPagesFast(mm, a, 1, FOLL_WRITE | FOLL_LONGTERM, pages)).toBe(1);
      const child = track(mm.fork());
      expect(child.followPage(a)).not.toBe(pages[0]);
      expect(child.read(a, 1)[0]).toBe(5);
      mm.write(a, new Uint8Array([9]));
      expect(mm.followPage(a)).toBe(pages[0]);
      expect(mem.bytes[pages[0] * PAGE_SIZE]).toBe(9);
      unpinUserPages(mem, pages, 1);
    });
  });

  it('a R/O pin of a shared page unshares it: the pinner gets its own copy, mapped read-only', () => {
    withMm(opts, ({ mem, mm, track }) => {
      const a = mm.mmap(HPAGE, { hugetlb: '2M' });
      mm.write(a, new Uint8Array([5]));
      const x = mm.followPage(a);
      track(mm.fork());
      const pages = new Int32Array(1);
      expect(pinUserPages(mm, a, 1, FOLL_LONGTERM, pages)).toBe(1);
      expect(pages[0]).not.toBe(x);
      mm.write(a, new Uint8Array([8]));
      expect(mm.followPage(a)).toBe(pages[0]);
      expect(mem.bytes[pages[0] * PAGE_SIZE]).toBe(8);
      unpinUserPages(mem, pages, 1);
    });
  });
});
