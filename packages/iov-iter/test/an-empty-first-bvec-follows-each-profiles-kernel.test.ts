/**
 * Regression for a counterexample of the random-ops property (seed 116374270): a BVEC iterator
 * whose current bio_vec is empty (`[{len 0}, {len 1}]`), asked for at most one page.
 *
 * - `iov_iter_get_pages2()` in every profile (6.2 through current): `__iov_iter_get_pages_alloc()`
 *   clamps the size to the current bvec with `first_bvec_segment()` (0 bytes), `want_pages_array()`
 *   then wants 0 pages, WARNs ("caller should've prevented that") and the call fails with -ENOMEM
 *   without moving the iterator. If the empty bvec starts inside a page, one page is wanted: it is
 *   referenced, 0 bytes come back and the iterator steps past the empty bvec.
 * - `iov_iter_extract_pages()` (the series' `iov_iter_extract_bvec_pages()` and every later form)
 *   steps over the consumed bvec and lists the next one (profile `legacy`, 6.2, has no extraction).
 */
import { putPage, type Profile } from '@biopath/mm';
import { warnOnOnceCount, warnOnOnceReset } from '@biopath/native';
import { describe, expect, test } from 'vitest';
import { ITER_DEST, createIovIter, iovIterBvec, iovIterExtractPages, iovIterGetPages2 } from '../src/index.ts';
import { withEnv } from './helpers.ts';

describe.each<Profile>(['legacy', 'v8', 'merged', 'current'])('profile %s', (profile) => {
  test('get_pages2 on an empty bvec at a page boundary: -ENOMEM after one WARN, iterator unmoved', () => {
    withEnv(profile, ({ mem, folio }) => {
      const a = folio(0);
      const b = folio(0);
      const i = iovIterBvec(createIovIter(), ITER_DEST, mem,
        [{ bv_page: a, bv_offset: 0, bv_len: 0 }, { bv_page: b, bv_offset: 0, bv_len: 1 }], 2, 1);
      const rc = mem.refcount[a]!;
      const pages = new Int32Array(1).fill(-1);
      const warns = warnOnOnceCount();
      expect(iovIterGetPages2(i, pages, Infinity, 1).bytes).toBe(-12);
      expect(warnOnOnceCount() - warns).toBe(1);
      warnOnOnceReset();
      expect([i.count, i.seg, i.iov_offset, mem.refcount[a]]).toEqual([1, 0, 0, rc]);
      // The kernel's caller is stuck there too: the next call fails the same way.
      expect(iovIterGetPages2(i, pages, Infinity, 1).bytes).toBe(-12);
      warnOnOnceReset();
    });
  });

  test('get_pages2 on an empty bvec inside a page: 0 bytes, one referenced page, iterator past it', () => {
    withEnv(profile, ({ mem, folio }) => {
      const a = folio(0);
      const b = folio(0);
      const i = iovIterBvec(createIovIter(), ITER_DEST, mem,
        [{ bv_page: a, bv_offset: 100, bv_len: 0 }, { bv_page: b, bv_offset: 0, bv_len: 1 }], 2, 1);
      const rc = mem.refcount[a]!;
      const pages = new Int32Array(1).fill(-1);
      expect(iovIterGetPages2(i, pages, Infinity, 1)).toEqual({ bytes: 0, offset0: 100 });
      expect([pages[0], mem.refcount[a]]).toEqual([a, rc + 1]);
      putPage(mem, a);
      expect([i.count, i.seg]).toEqual([1, 1]);
      expect(iovIterGetPages2(i, pages, Infinity, 1)).toEqual({ bytes: 1, offset0: 0 });
      expect(pages[0]).toBe(b);
      putPage(mem, b);
      expect(warnOnOnceCount()).toBe(0);
    });
  });

  test.skipIf(profile === 'legacy')('extract_pages steps over the consumed bvec and lists the next one, no WARN', () => {
    withEnv(profile, ({ mem, folio }) => {
      const a = folio(0);
      const b = folio(0);
      const i = iovIterBvec(createIovIter(), ITER_DEST, mem,
        [{ bv_page: a, bv_offset: 0, bv_len: 0 }, { bv_page: b, bv_offset: 0, bv_len: 1 }], 2, 1);
      const pages = new Int32Array(1).fill(-1);
      expect(iovIterExtractPages(i, { pages }, Infinity, 1, 0)).toEqual({ bytes: 1, offset0: 0 });
      expect([pages[0], i.count]).toEqual([b, 0]);
      expect(warnOnOnceCount()).toBe(0);
    });
  });
});
