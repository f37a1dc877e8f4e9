/**
 * docs/KERNEL-SEMANTICS.md §2.2 / §6 ex. 15: a pin on an order-0 folio adds GUP_PIN_COUNTING_BIAS to the
 * refcount, a FOLL_GET adds 1, and folio_maybe_dma_pinned() reads the bias.
 */
import { describe, expect, it } from 'vitest';
import {
  FOLL_WRITE, GUP_PIN_COUNTING_BIAS, PROFILES, folioMaybeDmaPinned, getUserPagesFast, pinUserPagesFast, putPage,
  unpinUserPage,
} from '../src/index.ts';
import { populated, withMm } from './helpers.ts';

describe.each(PROFILES.map((profile) => ({ profile })))('profile $profile', ({ profile }) => {
  it('pin twice, unpin once: refcount 1 -> 2049 -> 1025, still maybe pinned, counters 2/1', () => {
    withMm({ profile }, ({ mem, mm }) => {
      const a = populated(mm, 1);
      const pfn = mm.followPage(a);
      const base = mem.refcount[pfn];
      const acq = mem.nrFollPinAcquired;
      const rel = mem.nrFollPinReleased;
      const pages = new Int32Array(2);
      expect(pinUserPagesFast(mm, a, 1, FOLL_WRITE, pages, 0)).toBe(1);
      expect(pinUserPagesFast(mm, a, 1, FOLL_WRITE, pages, 1)).toBe(1);
      expect(pages[0]).toBe(pfn);
      expect(pages[1]).toBe(pfn);
      expect(mem.refcount[pfn]).toBe(base + 2 * GUP_PIN_COUNTING_BIAS);
      unpinUserPage(mem, pfn);
      expect(mem.refcount[pfn]).toBe(base + GUP_PIN_COUNTING_BIAS);
      expect(folioMaybeDmaPinned(mem, pfn)).toBe(true);
      expect(mem.nrFollPinAcquired - acq).toBe(2);
      expect(mem.nrFollPinReleased - rel).toBe(1);
      unpinUserPage(mem, pfn);
      expect(mem.refcount[pfn]).toBe(base);
      expect(folioMaybeDmaPinned(mem, pfn)).toBe(false);
    });
  });

  it('FOLL_GET adds exactly one reference and never looks pinned', () => {
    withMm({ profile }, ({ mem, mm }) => {
      const a = populated(mm, 1);
      const pfn = mm.followPage(a);
      const base = mem.refcount[pfn];
      const acq = mem.nrFollPinAcquired;
      const pages = new Int32Array(1);
      expect(getUserPagesFast(mm, a, 1, FOLL_WRITE, pages)).toBe(1);
      expect(mem.refcount[pfn]).toBe(base + 1);
      expect(folioMaybeDmaPinned(mem, pfn)).toBe(false);
      expect(mem.nrFollPinAcquired).toBe(acq);
      putPage(mem, pfn);
      expect(mem.refcount[pfn]).toBe(base);
    });
  });

  it('1024 plain references are a tolerated false positive of maybe_dma_pinned', () => {
    withMm({ profile }, ({ mem, mm }) => {
      const a = populated(mm, 1);
      const pfn = mm.followPage(a);
      const pages = new Int32Array(GUP_PIN_COUNTING_BIAS);
      for (let i = 0; i < GUP_PIN_COUNTING_BIAS; i++) expect(getUserPagesFast(mm, a, 1, 0, pages, i)).toBe(1);
      expect(folioMaybeDmaPinned(mem, pfn)).toBe(true);
      for (let i = 0; i < GUP_PIN_COUNTING_BIAS; i++) putPage(mem, pages[i]);
      expect(folioMaybeDmaPinned(mem, pfn)).toBe(false);
    });
  });
});
