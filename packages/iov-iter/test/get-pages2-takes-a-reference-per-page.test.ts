/**
 * The legacy get_pages path: every returned page carries one plain reference (FOLL_GET for user
 * memory, get_page otherwise) that putPage drops; no pin accounting; KVEC and DISCARD refused (docs/KERNEL-SEMANTICS.md §1.9).
 */
import { PAGE_SIZE, PROT_READ, pageAddress, putPage, type MemMap, type Profile } from '@biopath/mm';
import { describe, expect, test } from 'vitest';
import {
  ITER_DEST, ITER_SOURCE, createFolioQueue, createIovIter, createXArray, folioqAppend, iovIterBvec,
  iovIterDiscard, iovIterFolioq, iovIterGetPages2, iovIterGetPagesAlloc2, iovIterInit, iovIterKvec, iovIterUbuf,
  iovIterXarray, xaStore, type PagesRef,
} from '../src/index.ts';
import { pagesUsed, withEnv } from './helpers.ts';

function putAll(mem: MemMap, pages: Int32Array, n: number): void {
  for (let k = 0; k < n; k++) putPage(mem, pages[k]!);
}

describe.each<Profile>(['legacy', 'v8', 'merged', 'current'])('profile %s', (profile) => {
  test('UBUF: +1 reference per page, no pins, offset0 as start', () => {
    withEnv(profile, ({ mem, mm, populated }) => {
      const a = populated(2);
      const rc = [mem.refcount[mm.followPage(a)]!, mem.refcount[mm.followPage(a + PAGE_SIZE)]!];
      const pages = new Int32Array(4);
      const i = iovIterUbuf(createIovIter(), ITER_DEST, mm, a + 10, 6000);
      expect(iovIterGetPages2(i, pages, Infinity, 4)).toEqual({ bytes: 6000, offset0: 10 });
      expect([mem.refcount[pages[0]!], mem.refcount[pages[1]!]]).toEqual([rc[0]! + 1, rc[1]! + 1]);
      expect(mem.nrFollPinAcquired).toBe(0);
      expect(i.count).toBe(0);
      putAll(mem, pages, 2);
    });
  });

  test('a destination needs write access (FOLL_WRITE); a source does not', () => {
    withEnv(profile, ({ mem, mm, populated }) => {
      const a = populated(1);
      mm.mprotect(a, PAGE_SIZE, PROT_READ);
      const pages = new Int32Array(1);
      expect(iovIterGetPages2(iovIterUbuf(createIovIter(), ITER_DEST, mm, a, 10), pages, Infinity, 1).bytes).toBe(-14);
      expect(iovIterGetPages2(iovIterUbuf(createIovIter(), ITER_SOURCE, mm, a, 10), pages, Infinity, 1).bytes).toBe(10);
      putAll(mem, pages, 1);
    });
  });

  test('IOVEC: one segment per call', () => {
    withEnv(profile, ({ mem, mm, populated }) => {
      const a = populated(1);
      const b = populated(1);
      const i = iovIterInit(createIovIter(), ITER_SOURCE, mm, [{ iov_base: a, iov_len: 100 }, { iov_base: b + 5, iov_len: 100 }], 2, 200);
      const pages = new Int32Array(4);
      expect(iovIterGetPages2(i, pages, Infinity, 4)).toEqual({ bytes: 100, offset0: 0 });
      putAll(mem, pages, 1);
      expect(iovIterGetPages2(i, pages, Infinity, 4)).toEqual({ bytes: 100, offset0: 5 });
      expect(pages[0]).toBe(mm.followPage(b));
      putAll(mem, pages, 1);
    });
  });

  test('BVEC: a reference on every page of one bvec; moves to the next bvec when this one is used up', () => {
    withEnv(profile, ({ mem, folio }) => {
      const p = folio(1);
      const q = folio(0);
      const i = iovIterBvec(createIovIter(), ITER_DEST, mem, [{ bv_page: p, bv_offset: 100, bv_len: 5000 }, { bv_page: q, bv_offset: 0, bv_len: 10 }], 2, 5010);
      const pages = new Int32Array(4);
      expect(iovIterGetPages2(i, pages, Infinity, 4)).toEqual({ bytes: 5000, offset0: 100 });
      expect(Array.from(pages.subarray(0, 2))).toEqual([p, p + 1]);
      expect(mem.refcount[p]).toBe(3);
      expect([i.seg, i.iov_offset, i.nr_segs]).toEqual([1, 0, 1]);
      putAll(mem, pages, 2);
    });
  });

  test('XARRAY: a reference per page; a multi-page folio is referenced once per page', () => {
    withEnv(profile, ({ mem, folio }) => {
      const big = folio(1);
      const xa = createXArray<number>();
      xaStore(xa, 0, big, 1);
      const pages = new Int32Array(2);
      const i = iovIterXarray(createIovIter(), ITER_DEST, mem, xa, 0, 2 * PAGE_SIZE);
      expect(iovIterGetPages2(i, pages, Infinity, 2).bytes).toBe(2 * PAGE_SIZE);
      expect(mem.refcount[big]).toBe(3);
      putAll(mem, pages, 2);
    });
  });

  test('KVEC and DISCARD are refused with -EFAULT; maxpages 0 returns 0 without a WARN', () => {
    withEnv(profile, ({ mem, folio }) => {
      const pages = new Int32Array(1);
      const k = iovIterKvec(createIovIter(), ITER_DEST, mem, [{ iov_base: pageAddress(mem, folio(0)), iov_len: 10 }], 1, 10);
      expect(iovIterGetPages2(k, pages, Infinity, 1).bytes).toBe(-14);
      expect(iovIterGetPages2(iovIterDiscard(createIovIter(), ITER_DEST, 10), pages, Infinity, 1).bytes).toBe(-14);
      expect(iovIterGetPages2(k, pages, Infinity, 0).bytes).toBe(0);
      expect(k.count).toBe(10);
    });
  });

  test('the _alloc2 variant allocates the array, and frees it again when nothing was got', () => {
    withEnv(profile, ({ mem, mm, populated }) => {
      const pages: PagesRef = { pages: null };
      const i = iovIterUbuf(createIovIter(), ITER_DEST, mm, populated(3) + 1, 3 * PAGE_SIZE - 1);
      const r = iovIterGetPagesAlloc2(i, pages, Infinity);
      expect(r).toEqual({ bytes: 3 * PAGE_SIZE - 1, offset0: 1 });
      expect(pages.pages!.length).toBe(3);
      putAll(mem, pages.pages!, pagesUsed(r.offset0, r.bytes));
      const bad = mm.mmap(PAGE_SIZE, { prot: 0 });
      expect(iovIterGetPagesAlloc2(iovIterUbuf(createIovIter(), ITER_DEST, mm, bad, 10), pages, Infinity).bytes).toBe(-14);
      expect(pages.pages).toBeNull();
    });
  });
});

test('profile current: FOLIOQ gets a reference per page', () => {
  withEnv('current', ({ mem, folio }) => {
    const f = folio(1);
    const fq = createFolioQueue();
    folioqAppend(mem, fq, f);
    const pages = new Int32Array(2);
    expect(iovIterGetPages2(iovIterFolioq(createIovIter(), ITER_DEST, mem, fq, 0, 0, 2 * PAGE_SIZE), pages, Infinity, 2).bytes).toBe(2 * PAGE_SIZE);
    expect(mem.refcount[f]).toBe(3);
    putAll(mem, pages, 2);
  });
});
