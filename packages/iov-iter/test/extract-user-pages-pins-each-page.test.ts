/**
 * UBUF/IOVEC extraction pins every returned page once, takes one iovec segment per call, reports
 * offset0 and a virtually contiguous range, and advances by exactly what it returns (docs/KERNEL-SEMANTICS.md §1.5, §1.6).
 */
import { PAGE_SIZE, type Profile } from '@biopath/mm';
import { describe, expect, test } from 'vitest';
import {
  ITER_DEST, ITER_SOURCE, createIovIter, iovIterExtractPages, iovIterExtractWillPin, iovIterInit, iovIterUbuf,
  type PagesRef,
} from '../src/index.ts';
import { pagesUsed, pinsOf, unpinAll, withEnv } from './helpers.ts';

const EXTRACTING: Profile[] = ['v8', 'merged', 'current'];

describe.each(EXTRACTING)('profile %s', (profile) => {
  test('UBUF destination, one aligned present page: 4096 bytes, offset0 0, one pin (example 1)', () => {
    withEnv(profile, ({ mem, mm, populated }) => {
      const a = populated(1);
      const i = iovIterUbuf(createIovIter(), ITER_DEST, mm, a, PAGE_SIZE);
      const pages: PagesRef = { pages: null };
      const r = iovIterExtractPages(i, pages, Infinity, 8, 0);
      expect(r).toEqual({ bytes: PAGE_SIZE, offset0: 0 });
      expect(pages.pages!.length).toBe(1);
      expect(pages.pages![0]).toBe(mm.followPage(a));
      expect(pinsOf(mem, pages.pages![0]!)).toBe(1);
      expect(i.count).toBe(0);
      if (profile !== 'v8') expect(iovIterExtractWillPin(i)).toBe(true);
      unpinAll(mem, pages.pages, 1);
    });
  });

  test('UBUF source at A+100 over 8000 bytes: offset0 100, two pages, one pin each (example 2)', () => {
    withEnv(profile, ({ mem, mm, populated }) => {
      const a = populated(2);
      const i = iovIterUbuf(createIovIter(), ITER_SOURCE, mm, a + 100, 8000);
      const pages: PagesRef = { pages: null };
      const r = iovIterExtractPages(i, pages, Infinity, 8, 0);
      expect(r).toEqual({ bytes: 8000, offset0: 100 });
      expect(Array.from(pages.pages!)).toEqual([mm.followPage(a), mm.followPage(a + PAGE_SIZE)]);
      expect(pages.pages!.map((p) => pinsOf(mem, p))).toEqual(new Int32Array([1, 1]));
      unpinAll(mem, pages.pages, 2);
    });
  });

  test('maxsize limits the result and the advance (example 3)', () => {
    withEnv(profile, ({ mem, mm, populated }) => {
      const i = iovIterUbuf(createIovIter(), ITER_DEST, mm, populated(4), 16384);
      const pages: PagesRef = { pages: null };
      const r = iovIterExtractPages(i, pages, 5000, 8, 0);
      expect(r.bytes).toBe(5000);
      expect(pages.pages!.length).toBe(2);
      expect(i.count).toBe(11384);
      expect(i.iov_offset).toBe(5000);
      unpinAll(mem, pages.pages, 2);
    });
  });

  test('maxpages limits the result to whole pages after offset0, and a caller array is filled in place', () => {
    withEnv(profile, ({ mem, mm, populated }) => {
      const a = populated(4);
      const i = iovIterUbuf(createIovIter(), ITER_DEST, mm, a + 100, 16000);
      const mine = new Int32Array(4).fill(-1);
      const pages: PagesRef = { pages: mine };
      const r = iovIterExtractPages(i, pages, Infinity, 2, 0);
      expect(r).toEqual({ bytes: 2 * PAGE_SIZE - 100, offset0: 100 });
      expect(pages.pages).toBe(mine);
      expect(Array.from(mine)).toEqual([mm.followPage(a), mm.followPage(a + PAGE_SIZE), -1, -1]);
      const next = iovIterExtractPages(i, pages, Infinity, 4, 0);
      expect(next).toEqual({ bytes: 16000 - (2 * PAGE_SIZE - 100), offset0: 0 });
      expect(mine[0]).toBe(mm.followPage(a + 2 * PAGE_SIZE));
      unpinAll(mem, mine, pagesUsed(0, next.bytes));
      unpinAll(mem, new Int32Array([mm.followPage(a), mm.followPage(a + PAGE_SIZE)]), 2);
    });
  });

  test('IOVEC: one segment per call, empty segments skipped, offset0 from the segment address', () => {
    withEnv(profile, ({ mem, mm, populated }) => {
      const a = populated(2);
      const b = populated(1);
      const iov = [
        { iov_base: a + 100, iov_len: 5000 }, { iov_base: b, iov_len: 0 }, { iov_base: b + 10, iov_len: 3000 },
      ];
      const i = iovIterInit(createIovIter(), ITER_SOURCE, mm, iov, 3, 8000);
      const pages: PagesRef = { pages: null };
      const first = iovIterExtractPages(i, pages, Infinity, 16, 0);
      expect(first).toEqual({ bytes: 5000, offset0: 100 });
      expect(Array.from(pages.pages!)).toEqual([mm.followPage(a), mm.followPage(a + PAGE_SIZE)]);
      expect([i.seg, i.iov_offset, i.nr_segs]).toEqual([2, 0, 1]);
      unpinAll(mem, pages.pages, 2);
      const second = iovIterExtractPages(i, pages, Infinity, 16, 0);
      expect(second).toEqual({ bytes: 3000, offset0: 10 });
      expect(pages.pages![0]).toBe(mm.followPage(b));
      expect([i.count, i.nr_segs]).toEqual([0, 0]);
      unpinAll(mem, pages.pages, 1);
    });
  });

  test('the listed bytes are the user bytes, page by page from offset0', () => {
    withEnv(profile, ({ mem, mm }) => {
      const a = mm.mmap(3 * PAGE_SIZE);
      const data = Uint8Array.from({ length: 3 * PAGE_SIZE }, (_, k) => (k * 13 + 7) & 0xff);
      mm.write(a, data);
      const i = iovIterUbuf(createIovIter(), ITER_SOURCE, mm, a + 333, 9000);
      const pages: PagesRef = { pages: null };
      const { bytes, offset0 } = iovIterExtractPages(i, pages, Infinity, 8, 0);
      for (let k = 0; k < bytes; k += 97) {
        const pfn = pages.pages![Math.floor((offset0 + k) / PAGE_SIZE)]!;
        expect(mem.bytes[pfn * PAGE_SIZE + ((offset0 + k) % PAGE_SIZE)]).toBe(data[333 + k]);
      }
      unpinAll(mem, pages.pages, pagesUsed(offset0, bytes));
    });
  });

  test('a later page that cannot be pinned gives a short result with only the pinned pages', () => {
    withEnv(profile, ({ mem, mm, populated }) => {
      const a = populated(3);
      mm.munmap(a + PAGE_SIZE, PAGE_SIZE);
      const i = iovIterUbuf(createIovIter(), ITER_SOURCE, mm, a + 50, 3 * PAGE_SIZE - 50);
      const pages: PagesRef = { pages: null };
      expect(iovIterExtractPages(i, pages, Infinity, 8, 0)).toEqual({ bytes: PAGE_SIZE - 50, offset0: 50 });
      expect(pinsOf(mem, pages.pages![0]!)).toBe(1);
      expect(i.count).toBe(2 * PAGE_SIZE);
      unpinAll(mem, pages.pages, 1);
      const again = iovIterExtractPages(i, pages, Infinity, 8, 0);
      expect(again.bytes).toBe(-14);
      expect(i.count).toBe(2 * PAGE_SIZE);
    });
  });

  test('nofault: no fault-in; absent first page is -EFAULT, an absent later page shortens (example 14)', () => {
    withEnv(profile, ({ mem, mm }) => {
      const a = mm.mmap(2 * PAGE_SIZE);
      mm.write(a, new Uint8Array([1]));
      const i = iovIterUbuf(createIovIter(), ITER_DEST, mm, a, 2 * PAGE_SIZE);
      i.nofault = true;
      const pages: PagesRef = { pages: null };
      expect(iovIterExtractPages(i, pages, Infinity, 8, 0).bytes).toBe(PAGE_SIZE);
      unpinAll(mem, pages.pages, 1);
      expect(iovIterExtractPages(i, pages, Infinity, 8, 0).bytes).toBe(-14);
      expect(mm.followPage(a + PAGE_SIZE)).toBe(-1);
      i.nofault = false;
      expect(iovIterExtractPages(i, pages, Infinity, 8, 0).bytes).toBe(PAGE_SIZE);
      expect(pages.pages![0]).toBe(mm.followPage(a + PAGE_SIZE));
      unpinAll(mem, pages.pages, 1);
    });
  });

  test('destinations pin with FOLL_WRITE: untouched memory gets a private page, sources get the zero page', () => {
    withEnv(profile, ({ mem, mm }) => {
      const a = mm.mmap(2 * PAGE_SIZE);
      const pages: PagesRef = { pages: null };
      iovIterExtractPages(iovIterUbuf(createIovIter(), ITER_DEST, mm, a, PAGE_SIZE), pages, Infinity, 1, 0);
      expect(pages.pages![0]).not.toBe(mem.zeroPfn);
      expect(pages.pages![0]).toBe(mm.followPage(a));
      unpinAll(mem, pages.pages, 1);
      iovIterExtractPages(iovIterUbuf(createIovIter(), ITER_SOURCE, mm, a + PAGE_SIZE, PAGE_SIZE), pages, Infinity, 1, 0);
      expect(pages.pages![0]).toBe(mem.zeroPfn);
      unpinAll(mem, pages.pages, 1);
    });
  });
});
