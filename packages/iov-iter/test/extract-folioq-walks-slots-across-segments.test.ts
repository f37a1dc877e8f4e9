/**
 * FOLIOQ (profile `current`) extraction lists one page-sized-or-smaller part per step across folio
 * slots and chained segments, without references; a slot past the segment with an offset is -EIO
 * (docs/KERNEL-SEMANTICS.md §1.6 FOLIOQ). Other profiles have no ITER_FOLIOQ.
 */
import { PAGE_SIZE, type Profile } from '@biopath/mm';
import { describe, expect, test } from 'vitest';
import {
  ITER_DEST, PAGEVEC_SIZE, createFolioQueue, createIovIter, folioqAppend, folioqAppendSegment, folioqCount,
  folioqFolio, folioqFolioOrder, folioqFolioSize, folioqFull, iovIterExtractPages, iovIterFolioq,
  type FolioQueue, type PagesRef,
} from '../src/index.ts';
import { expectWarned, withEnv, type Env } from './helpers.ts';

/** A chain holding folios of these orders; returns the chain and each folio's head pfn. */
function chain(env: Env, orders: number[]): { fq: FolioQueue; heads: number[] } {
  const fq = createFolioQueue();
  let q = fq;
  const heads = orders.map((o) => {
    if (folioqFull(q)) q = folioqAppendSegment(q);
    const head = env.folio(o);
    folioqAppend(env.mem, q, head);
    return head;
  });
  return { fq, heads };
}

describe('folio_queue', () => {
  test('records each folio and its order; 31 slots per segment', () => {
    withEnv('current', (env) => {
      const { fq, heads } = chain(env, [2, 0, ...Array<number>(PAGEVEC_SIZE).fill(0)]);
      expect([folioqFolio(fq, 0), folioqFolioOrder(fq, 0), folioqFolioSize(fq, 0)]).toEqual([heads[0], 2, 4 * PAGE_SIZE]);
      expect(folioqCount(fq)).toBe(PAGEVEC_SIZE);
      expect(folioqCount(fq.next!)).toBe(2);
      expect(fq.next!.prev).toBe(fq);
      expect(() => folioqAppend(env.mem, fq, heads[1]!)).toThrow(/ENOSPC/);
      expect(() => folioqAppendSegment(fq)).toThrow(/not the last segment/);
    });
  });
});

describe('ITER_FOLIOQ extraction', () => {
  test('parts of page size or less, across folios of mixed order and into the next segment', () => {
    withEnv('current', (env) => {
      const orders = [...Array<number>(PAGEVEC_SIZE - 1).fill(0), 1, 0];
      const { fq, heads } = chain(env, orders);
      const i = iovIterFolioq(createIovIter(), ITER_DEST, env.mem, fq, PAGEVEC_SIZE - 2, 100, 4 * PAGE_SIZE - 100);
      const pages: PagesRef = { pages: null };
      const before = env.mem.refcount.slice();
      const r = iovIterExtractPages(i, pages, Infinity, 8, 0);
      expect(r).toEqual({ bytes: 4 * PAGE_SIZE - 100, offset0: 100 });
      const big = heads[PAGEVEC_SIZE - 1]!;
      expect(Array.from(pages.pages!)).toEqual([heads[PAGEVEC_SIZE - 2], big, big + 1, heads[PAGEVEC_SIZE]]);
      expect(env.mem.refcount).toEqual(before);
      expect([i.count, i.folioq === fq.next, i.folioq_slot, i.iov_offset]).toEqual([0, true, 0, PAGE_SIZE]);
    });
  });

  test('maxpages stops the walk mid-folio; the next call continues from there', () => {
    withEnv('current', (env) => {
      const { fq, heads } = chain(env, [2]);
      const i = iovIterFolioq(createIovIter(), ITER_DEST, env.mem, fq, 0, 0, 4 * PAGE_SIZE);
      const pages: PagesRef = { pages: null };
      expect(iovIterExtractPages(i, pages, Infinity, 3, 0).bytes).toBe(3 * PAGE_SIZE);
      expect(iovIterExtractPages(i, pages, Infinity, 3, 0)).toEqual({ bytes: PAGE_SIZE, offset0: 0 });
      expect(pages.pages![0]).toBe(heads[0]! + 3);
    });
  });

  test('a slot index past the segment with a non-zero offset WARNs and fails with -EIO', () => {
    withEnv('current', (env) => {
      const { fq } = chain(env, Array<number>(PAGEVEC_SIZE + 1).fill(0));
      const i = iovIterFolioq(createIovIter(), ITER_DEST, env.mem, fq, PAGEVEC_SIZE, 10, 100);
      expect(iovIterExtractPages(i, { pages: null }, Infinity, 8, 0).bytes).toBe(-5);
      expectWarned(1);
      const ok = iovIterFolioq(createIovIter(), ITER_DEST, env.mem, fq, PAGEVEC_SIZE, 0, 100);
      expect(iovIterExtractPages(ok, { pages: null }, Infinity, 8, 0)).toEqual({ bytes: 100, offset0: 0 });
    });
  });

  test.each<Profile>(['legacy', 'v8', 'merged'])('profile %s has no ITER_FOLIOQ', (profile) => {
    withEnv(profile, ({ mem }) => {
      expect(() => iovIterFolioq(createIovIter(), ITER_DEST, mem, createFolioQueue(), 0, 0, 0))
        .toThrow(/EINVAL: iovIterFolioq\(mem\): ITER_FOLIOQ does not exist in profile/);
    });
  });
});
