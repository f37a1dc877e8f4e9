/**
 * BVEC extraction lists the frames of the bvecs without references: one bvec per call up to
 * `merged`, page chunks across bvecs while virtually contiguous in `current` (docs/KERNEL-SEMANTICS.md §1.6 BVEC, §6 ex. 7-9).
 */
import { PAGE_SIZE, type MemMap, type Profile } from '@biopath/mm';
import { describe, expect, test } from 'vitest';
import {
  ITER_DEST, ITER_SOURCE, MAX_RW_COUNT, createIovIter, iovIterBvec, iovIterExtractPages, type BioVec,
  type PagesRef,
} from '../src/index.ts';
import { withEnv } from './helpers.ts';

function listed(mem: MemMap, bvec: BioVec[], maxsize = Infinity, maxpages = 64): { bytes: number; offset0: number; pages: number[]; count: number } {
  const total = bvec.reduce((a, b) => a + b.bv_len, 0);
  const i = iovIterBvec(createIovIter(), ITER_DEST, mem, bvec, bvec.length, total);
  const pages: PagesRef = { pages: null };
  const before = mem.refcount.slice();
  const r = iovIterExtractPages(i, pages, maxsize, maxpages, 0);
  expect(mem.refcount).toEqual(before);
  return { ...r, pages: Array.from(pages.pages ?? []).slice(0, Math.ceil((r.offset0 + r.bytes) / PAGE_SIZE)), count: i.count };
}

describe.each<Profile>(['v8', 'merged', 'current'])('profile %s', (profile) => {
  test('within one bvec (P, 512, 10000) over consecutive frames: P, P+1, P+2, no refs (example 7)', () => {
    withEnv(profile, ({ mem, folio }) => {
      const p = folio(2);
      expect(listed(mem, [{ bv_page: p, bv_offset: 512, bv_len: 10000 }])).toMatchObject({ bytes: 10000, offset0: 512, pages: [p, p + 1, p + 2] });
    });
  });

  test('a consumed head bvec (iov_offset == bv_len) starts the extraction at bvec 1 (example 9)', () => {
    withEnv(profile, ({ mem, folio }) => {
      const p = folio(0);
      const q = folio(0);
      const i = iovIterBvec(createIovIter(), ITER_SOURCE, mem, [{ bv_page: p, bv_offset: 0, bv_len: 1000 }, { bv_page: q, bv_offset: 0, bv_len: 3000 }], 2, 4000);
      i.iov_offset = 1000;
      i.count = 3000;
      const pages: PagesRef = { pages: null };
      expect(iovIterExtractPages(i, pages, Infinity, 8, 0)).toEqual({ bytes: 3000, offset0: 0 });
      expect(pages.pages![0]).toBe(q);
      expect([i.seg, i.nr_segs, i.count]).toEqual([2, 0, 0]);
    });
  });

  test('bv_offset beyond a page selects the right frame', () => {
    withEnv(profile, ({ mem, folio }) => {
      const p = folio(2);
      expect(listed(mem, [{ bv_page: p, bv_offset: 2 * PAGE_SIZE + 16, bv_len: 100 }])).toMatchObject({ bytes: 100, offset0: 16, pages: [p + 2] });
    });
  });
});

describe.each<Profile>(['merged', 'current'])('profile %s clamp', (profile) => {
  test('maxsize is clamped to MAX_RW_COUNT, and the allocated array to the pages that needs', () => {
    withEnv(profile, ({ mem }) => {
      const huge = 2 ** 31;
      const i = iovIterBvec(createIovIter(), ITER_DEST, mem, [{ bv_page: 1, bv_offset: 0, bv_len: huge }], 1, huge);
      const pages: PagesRef = { pages: null };
      expect(iovIterExtractPages(i, pages, Infinity, Infinity, 0)).toEqual({ bytes: MAX_RW_COUNT, offset0: 0 });
      expect(pages.pages!.length).toBe(MAX_RW_COUNT / PAGE_SIZE);
      expect(pages.pages![MAX_RW_COUNT / PAGE_SIZE - 1]).toBe(MAX_RW_COUNT / PAGE_SIZE);
      expect(i.count).toBe(huge - MAX_RW_COUNT);
    });
  });
});

describe('two full-page bvecs on non-consecutive frames (example 8)', () => {
  test.each<[Profile, number]>([['v8', PAGE_SIZE], ['merged', PAGE_SIZE], ['current', 2 * PAGE_SIZE]])(
    'profile %s returns %i bytes',
    (profile, bytes) => {
      withEnv(profile, ({ mem, folio }) => {
        const p = folio(0);
        folio(0);
        const q = folio(0);
        const r = listed(mem, [{ bv_page: p, bv_offset: 0, bv_len: PAGE_SIZE }, { bv_page: q, bv_offset: 0, bv_len: PAGE_SIZE }]);
        expect(r.bytes).toBe(bytes);
        expect(r.pages).toEqual([p, q].slice(0, bytes / PAGE_SIZE));
        expect(r.count).toBe(2 * PAGE_SIZE - bytes);
      });
    },
  );
});

describe('profile current: where the multi-bvec walk stops', () => {
  test('before a later chunk that starts inside a page', () => {
    withEnv('current', ({ mem, folio }) => {
      const [p, q] = [folio(0), folio(0)];
      const r = listed(mem, [{ bv_page: p, bv_offset: 96, bv_len: 4000 }, { bv_page: q, bv_offset: 8, bv_len: 100 }]);
      expect(r).toMatchObject({ bytes: 4000, offset0: 96, pages: [p] });
    });
  });

  test('after a chunk that ends inside a page', () => {
    withEnv('current', ({ mem, folio }) => {
      const [p, q, s] = [folio(0), folio(0), folio(0)];
      const r = listed(mem, [
        { bv_page: p, bv_offset: 0, bv_len: PAGE_SIZE }, { bv_page: q, bv_offset: 0, bv_len: 100 }, { bv_page: s, bv_offset: 0, bv_len: PAGE_SIZE },
      ]);
      expect(r).toMatchObject({ bytes: PAGE_SIZE + 100, offset0: 0, pages: [p, q] });
    });
  });

  test('at maxpages and at maxsize; empty bvecs are stepped over', () => {
    withEnv('current', ({ mem, folio }) => {
      const [p, q, s] = [folio(0), folio(0), folio(0)];
      const bv = [
        { bv_page: p, bv_offset: 0, bv_len: PAGE_SIZE }, { bv_page: p, bv_offset: 0, bv_len: 0 },
        { bv_page: q, bv_offset: 0, bv_len: PAGE_SIZE }, { bv_page: s, bv_offset: 0, bv_len: PAGE_SIZE },
      ];
      expect(listed(mem, bv, Infinity, 2)).toMatchObject({ bytes: 2 * PAGE_SIZE, pages: [p, q] });
      expect(listed(mem, bv, PAGE_SIZE + 10)).toMatchObject({ bytes: PAGE_SIZE + 10, pages: [p, q] });
      expect(listed(mem, bv)).toMatchObject({ bytes: 3 * PAGE_SIZE, pages: [p, q, s] });
    });
  });
});
