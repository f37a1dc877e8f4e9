/**
 * docs/KERNEL-SEMANTICS.md §2.2 / §6 ex. 16: folios with a `_pincount` (large folios; order >= 2 on the
 * 32-bit `current` variant) count pins exactly and add only 1 to the refcount per pin.
 */
import { describe, expect, it } from 'vitest';
import {
  FOLL_WRITE, GUP_PIN_COUNTING_BIAS, PROFILES, folioHasPincount, folioMaybeDmaPinned, folioNrPages, pageFolio,
  pinUserPagesFast, unpinUserPages, unpinUserFolio,
} from '../src/index.ts';
import { populated, withMm } from './helpers.ts';

describe.each(PROFILES.map((profile) => ({ profile })))('profile $profile', ({ profile }) => {
  it('pinning one page of an order-2 folio: refcount +1, pincount 1, exact maybe_dma_pinned', () => {
    withMm({ profile }, ({ mem, mm }) => {
      const a = populated(mm, 4, 1, { folioOrder: 2 });
      const pfn = mm.followPage(a + 4096);
      const head = pageFolio(mem, pfn);
      expect(folioNrPages(mem, head)).toBe(4);
      expect(head).toBe(mm.followPage(a));
      const rc = mem.refcount[head];
      const pages = new Int32Array(1);
      expect(pinUserPagesFast(mm, a + 4096, 1, FOLL_WRITE, pages)).toBe(1);
      expect(pages[0]).toBe(pfn);
      expect(mem.refcount[head]).toBe(rc + 1);
      expect(mem.pincount[head]).toBe(1);
      expect(folioMaybeDmaPinned(mem, head + 3)).toBe(true);
      unpinUserPages(mem, pages, 1);
      expect(mem.pincount[head]).toBe(0);
      expect(mem.refcount[head]).toBe(rc);
      expect(folioMaybeDmaPinned(mem, head)).toBe(false);
    });
  });

  it('pinning all four pages counts four pins and unpinUserFolio drops them at once', () => {
    withMm({ profile }, ({ mem, mm }) => {
      const a = populated(mm, 4, 1, { folioOrder: 2 });
      const head = mm.followPage(a);
      const rc = mem.refcount[head];
      const pages = new Int32Array(4);
      expect(pinUserPagesFast(mm, a, 4, 0, pages)).toBe(4);
      expect(Array.from(pages)).toEqual([head, head + 1, head + 2, head + 3]);
      expect(mem.pincount[head]).toBe(4);
      expect(mem.refcount[head]).toBe(rc + 4);
      unpinUserFolio(mem, head + 2, 4);
      expect(mem.pincount[head]).toBe(0);
    });
  });
});

describe('word size', () => {
  it.each([
    { bits: 64 as const, order: 1, exact: true },
    { bits: 32 as const, order: 1, exact: false },
    { bits: 32 as const, order: 2, exact: true },
  ])('current, $bits-bit, order $order: exact pincount is $exact', ({ bits, order, exact }) => {
    withMm({ profile: 'current', bits }, ({ mem, mm }) => {
      const n = 1 << order;
      const a = populated(mm, n, 1, { folioOrder: order });
      const head = mm.followPage(a);
      expect(folioNrPages(mem, head)).toBe(n);
      expect(folioHasPincount(mem, head)).toBe(exact);
      const rc = mem.refcount[head];
      const pages = new Int32Array(1);
      expect(pinUserPagesFast(mm, a, 1, 0, pages)).toBe(1);
      expect(mem.refcount[head] - rc).toBe(exact ? 1 : GUP_PIN_COUNTING_BIAS);
      expect(mem.pincount[head]).toBe(exact ? 1 : 0);
      expect(folioMaybeDmaPinned(mem, head)).toBe(true);
      unpinUserPages(mem, pages, 1);
      expect(folioMaybeDmaPinned(mem, head)).toBe(false);
    });
  });
});
