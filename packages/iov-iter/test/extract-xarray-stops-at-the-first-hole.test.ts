/**
 * XARRAY extraction lists the pages of consecutive present folios from `xarray_start + iov_offset`,
 * without references, stopping at a hole or `maxpages` (docs/KERNEL-SEMANTICS.md §1.6 XARRAY).
 */
import { PAGE_SIZE, type Profile } from '@biopath/mm';
import { describe, expect, test } from 'vitest';
import {
  ITER_DEST, createIovIter, createXArray, iovIterExtractPages, iovIterXarray, xaStore, type PagesRef,
} from '../src/index.ts';
import { withEnv } from './helpers.ts';

describe.each<Profile>(['v8', 'merged', 'current'])('profile %s', (profile) => {
  test('multi-page folios give their pages in file order; a hole ends the result', () => {
    withEnv(profile, ({ mem, folio }) => {
      const big = folio(2);
      const small = folio(0);
      const xa = createXArray<number>();
      xaStore(xa, 4, big, 2);
      xaStore(xa, 8, small);
      xaStore(xa, 10, folio(0));
      const i = iovIterXarray(createIovIter(), ITER_DEST, mem, xa, 5 * PAGE_SIZE + 7, 6 * PAGE_SIZE);
      const pages: PagesRef = { pages: null };
      const before = mem.refcount.slice();
      expect(iovIterExtractPages(i, pages, Infinity, 16, 0)).toEqual({ bytes: 4 * PAGE_SIZE - 7, offset0: 7 });
      expect(Array.from(pages.pages!.subarray(0, 4))).toEqual([big + 1, big + 2, big + 3, small]);
      expect(mem.refcount).toEqual(before);
      expect(i.count).toBe(2 * PAGE_SIZE + 7);
      expect(iovIterExtractPages(i, pages, Infinity, 16, 0)).toEqual({ bytes: 0, offset0: 0 });
      expect(i.count).toBe(2 * PAGE_SIZE + 7);
    });
  });

  test('maxpages and maxsize bound the walk', () => {
    withEnv(profile, ({ mem, folio }) => {
      const xa = createXArray<number>();
      const f = [folio(0), folio(0), folio(0)];
      f.forEach((p, k) => xaStore(xa, 100 + k, p));
      const i = iovIterXarray(createIovIter(), ITER_DEST, mem, xa, 100 * PAGE_SIZE, 3 * PAGE_SIZE);
      const pages: PagesRef = { pages: null };
      expect(iovIterExtractPages(i, pages, Infinity, 2, 0).bytes).toBe(2 * PAGE_SIZE);
      expect(Array.from(pages.pages!)).toEqual([f[0], f[1]]);
      expect(iovIterExtractPages(i, pages, 100, 2, 0)).toEqual({ bytes: 100, offset0: 0 });
      expect(pages.pages![0]).toBe(f[2]);
      expect(iovIterExtractPages(i, pages, Infinity, 2, 0)).toEqual({ bytes: PAGE_SIZE - 100, offset0: 100 });
    });
  });
});
