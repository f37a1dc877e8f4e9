/**
 * KVEC extraction lists the pages behind kernel addresses (direct map or vmalloc) without taking
 * references or pins, one kvec per call (docs/KERNEL-SEMANTICS.md §1.6 KVEC, §6 ex. 6; the v8 offset0 slip).
 */
import { PAGE_SIZE, pageAddress, vmallocToPage, type MemMap, type Profile } from '@biopath/mm';
import { describe, expect, test } from 'vitest';
import {
  ITER_DEST, ITER_SOURCE, createIovIter, iovIterExtractMode, iovIterExtractPages, iovIterExtractWillPin,
  iovIterKvec, type PagesRef,
} from '../src/index.ts';
import { withEnv } from './helpers.ts';

function refsUnchanged(mem: MemMap, fn: () => void): void {
  const before = mem.refcount.slice();
  const acquired = mem.nrFollPinAcquired;
  fn();
  expect(mem.refcount).toEqual(before);
  expect(mem.nrFollPinAcquired).toBe(acquired);
}

describe.each<Profile>(['merged', 'current'])('profile %s', (profile) => {
  test('vmalloc V+300, 6000 bytes: two non-contiguous pages, offset0 300, no refs, no pin (example 6)', () => {
    withEnv(profile, ({ mem, vmalloc }) => {
      const v = vmalloc(2 * PAGE_SIZE);
      const i = iovIterKvec(createIovIter(), ITER_SOURCE, mem, [{ iov_base: v + 300, iov_len: 6000 }], 1, 6000);
      const pages: PagesRef = { pages: null };
      refsUnchanged(mem, () => {
        expect(iovIterExtractPages(i, pages, Infinity, 8, 0)).toEqual({ bytes: 6000, offset0: 300 });
      });
      const want = [vmallocToPage(mem, v), vmallocToPage(mem, v + PAGE_SIZE)];
      expect(Array.from(pages.pages!)).toEqual(want);
      expect(want[1]).not.toBe(want[0]! + 1);
      expect(iovIterExtractWillPin(i)).toBe(false);
    });
  });

  test('direct-map kvecs: empty ones skipped, one kvec per call, pages from the address', () => {
    withEnv(profile, ({ mem, folio }) => {
      const p = folio(1);
      const q = folio(0);
      const kvec = [
        { iov_base: pageAddress(mem, p), iov_len: 0 },
        { iov_base: pageAddress(mem, p) + 4000, iov_len: 200 },
        { iov_base: pageAddress(mem, q) + 10, iov_len: 50 },
      ];
      const i = iovIterKvec(createIovIter(), ITER_DEST, mem, kvec, 3, 250);
      const pages: PagesRef = { pages: null };
      refsUnchanged(mem, () => {
        expect(iovIterExtractPages(i, pages, Infinity, 8, 0)).toEqual({ bytes: 200, offset0: 4000 });
        expect(Array.from(pages.pages!)).toEqual([p, p + 1]);
        pages.pages = null;
        expect(iovIterExtractPages(i, pages, Infinity, 8, 0)).toEqual({ bytes: 50, offset0: 10 });
        expect(Array.from(pages.pages!)).toEqual([q]);
      });
      expect([i.count, i.nr_segs]).toEqual([0, 0]);
    });
  });

  test('maxpages caps a kvec at whole pages after offset0', () => {
    withEnv(profile, ({ mem, vmalloc }) => {
      const v = vmalloc(3 * PAGE_SIZE);
      const i = iovIterKvec(createIovIter(), ITER_DEST, mem, [{ iov_base: v + 1000, iov_len: 3 * PAGE_SIZE - 1000 }], 1, 3 * PAGE_SIZE - 1000);
      const r = iovIterExtractPages(i, { pages: null }, Infinity, 2, 0);
      expect(r).toEqual({ bytes: 2 * PAGE_SIZE - 1000, offset0: 1000 });
      expect(i.count).toBe(PAGE_SIZE);
    });
  });
});

describe('profile v8', () => {
  test('offset0 is iov_offset % PAGE_SIZE: the kvec base offset is forgotten (fixed in v11)', () => {
    withEnv('v8', ({ mem, vmalloc }) => {
      const v = vmalloc(2 * PAGE_SIZE);
      const i = iovIterKvec(createIovIter(), ITER_SOURCE, mem, [{ iov_base: v + 300, iov_len: 6000 }], 1, 6000);
      const pages: PagesRef = { pages: null };
      expect(iovIterExtractPages(i, pages, Infinity, 8, 0)).toEqual({ bytes: 6000, offset0: 0 });
      expect(Array.from(pages.pages!)).toEqual([vmallocToPage(mem, v), vmallocToPage(mem, v + PAGE_SIZE)]);
      expect(iovIterExtractMode(i)).toBe(0);
    });
  });
});
