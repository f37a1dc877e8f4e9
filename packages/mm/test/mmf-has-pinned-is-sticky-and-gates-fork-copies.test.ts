/**
 * docs/KERNEL-SEMANTICS.md §2.3 / §2.7: MMF_HAS_PINNED is set by the first FOLL_PIN of an mm and never cleared,
 * is not inherited by a child, and fork only copies maybe-pinned pages of an mm that has it — so a
 * process that never pinned never pays for refcount false positives.
 */
import { describe, expect, it } from 'vitest';
import {
  GUP_PIN_COUNTING_BIAS, MMF_HAS_PINNED, folioMaybeDmaPinned, folioNeedsCowForDma, getUserPagesFast,
  pinUserPagesFast, putPage, unpinUserPages,
} from '../src/index.ts';
import { populated, withMm } from './helpers.ts';

describe('MMF_HAS_PINNED', () => {
  it('is set by the first pin, survives the unpin, is not set by FOLL_GET and not inherited', () => {
    withMm({}, ({ mem, mm, track }) => {
      const a = populated(mm, 1);
      const pages = new Int32Array(1);
      expect(getUserPagesFast(mm, a, 1, 0, pages)).toBe(1);
      putPage(mem, pages[0]);
      expect(mm.flags & MMF_HAS_PINNED).toBe(0);
      expect(pinUserPagesFast(mm, a, 1, 0, pages)).toBe(1);
      expect(mm.flags & MMF_HAS_PINNED).not.toBe(0);
      unpinUserPages(mem, pages, 1);
      expect(mm.flags & MMF_HAS_PINNED).not.toBe(0);
      const child = track(mm.fork());
      expect(child.flags & MMF_HAS_PINNED).toBe(0);
    });
  });

  it('without it, a page with >= 1024 plain references looks pinned but is shared at fork, not copied', () => {
    withMm({}, ({ mem, mm, track }) => {
      const a = populated(mm, 1);
      const x = mm.followPage(a);
      const refs = new Int32Array(GUP_PIN_COUNTING_BIAS);
      for (let i = 0; i < refs.length; i++) expect(getUserPagesFast(mm, a, 1, 0, refs, i)).toBe(1);
      expect(folioMaybeDmaPinned(mem, x)).toBe(true);
      expect(folioNeedsCowForDma(mm, x)).toBe(false);
      const child = track(mm.fork());
      expect(child.followPage(a)).toBe(x);
      for (const pfn of refs) putPage(mem, pfn);
    });
  });

  it('with it, the same false positive makes fork copy the page', () => {
    withMm({}, ({ mem, mm, track }) => {
      const a = populated(mm, 2);
      const pin = new Int32Array(1);
      expect(pinUserPagesFast(mm, a + 4096, 1, 0, pin)).toBe(1);
      unpinUserPages(mem, pin, 1);
      const x = mm.followPage(a);
      const refs = new Int32Array(GUP_PIN_COUNTING_BIAS);
      for (let i = 0; i < refs.length; i++) expect(getUserPagesFast(mm, a, 1, 0, refs, i)).toBe(1);
      expect(folioNeedsCowForDma(mm, x)).toBe(true);
      const child = track(mm.fork());
      expect(child.followPage(a)).not.toBe(x);
      for (const pfn of refs) putPage(mem, pfn);
    });
  });
});
