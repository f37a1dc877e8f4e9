/**
 * docs/KERNEL-SEMANTICS.md §2.2 / §6 ex. 17: untouched anonymous memory reads as the shared zero page.
 * Since 6.5 (`merged`, `current`) FOLL_PIN never pins it; before (`legacy`, `v8`) a pin is a full
 * GUP_PIN_COUNTING_BIAS on the zero page. FOLL_GET takes a plain reference in every profile.
 */
import { describe, expect, it } from 'vitest';
import {
  FOLL_LONGTERM, GUP_PIN_COUNTING_BIAS, PAGE_SIZE, PROT_READ, folioAddPin, folioMaybeDmaPinned, getUserPagesFast,
  isZeroPfn, pinUserPagesFast, putPage, unpinUserPage, unpinUserPages,
} from '../src/index.ts';
import { withMm } from './helpers.ts';

const cases = [
  { profile: 'legacy' as const, pinned: true },
  { profile: 'v8' as const, pinned: true },
  { profile: 'merged' as const, pinned: false },
  { profile: 'current' as const, pinned: false },
];

describe.each(cases)('profile $profile', ({ profile, pinned }) => {
  it(`a R/O pin of untouched memory returns the zero page ${pinned ? 'fully pinned' : 'without a pin'}`, () => {
    withMm({ profile }, ({ mem, mm }) => {
      const a = mm.mmap(2 * PAGE_SIZE);
      const rc = mem.refcount[mem.zeroPfn];
      const acq = mem.nrFollPinAcquired;
      const rel = mem.nrFollPinReleased;
      const pages = new Int32Array(2);
      expect(pinUserPagesFast(mm, a, 2, 0, pages)).toBe(2);
      expect(isZeroPfn(mem, pages[0])).toBe(true);
      expect(isZeroPfn(mem, pages[1])).toBe(true);
      expect(mem.refcount[mem.zeroPfn] - rc).toBe(pinned ? 2 * GUP_PIN_COUNTING_BIAS : 0);
      expect(mem.nrFollPinAcquired - acq).toBe(pinned ? 2 : 0);
      expect(folioMaybeDmaPinned(mem, mem.zeroPfn)).toBe(pinned);
      folioAddPin(mem, pages[0]);
      expect(mem.refcount[mem.zeroPfn] - rc).toBe(pinned ? 3 * GUP_PIN_COUNTING_BIAS : 0);
      unpinUserPage(mem, pages[0]);
      unpinUserPages(mem, pages, 2);
      expect(mem.refcount[mem.zeroPfn]).toBe(rc);
      expect(mem.nrFollPinReleased - rel).toBe(mem.nrFollPinAcquired - acq);
    });
  });

  it('FOLL_GET takes one plain reference on the zero page, dropped by put_page', () => {
    withMm({ profile }, ({ mem, mm }) => {
      const a = mm.mmap(PAGE_SIZE, { prot: PROT_READ });
      const rc = mem.refcount[mem.zeroPfn];
      const pages = new Int32Array(1);
      expect(getUserPagesFast(mm, a, 1, 0, pages)).toBe(1);
      expect(isZeroPfn(mem, pages[0])).toBe(true);
      expect(mem.refcount[mem.zeroPfn]).toBe(rc + 1);
      putPage(mem, pages[0]);
      expect(mem.refcount[mem.zeroPfn]).toBe(rc);
    });
  });

  it('a FOLL_LONGTERM R/O pin unshares the zero page into a private exclusive page, still read-only', () => {
    withMm({ profile }, ({ mem, mm }) => {
      const a = mm.mmap(PAGE_SIZE);
      const pages = new Int32Array(1);
      expect(pinUserPagesFast(mm, a, 1, FOLL_LONGTERM, pages)).toBe(1);
      expect(isZeroPfn(mem, pages[0])).toBe(false);
      expect(mm.followPage(a)).toBe(pages[0]);
      // A later write through the page table must land in the pinned page (the pin is coherent).
      mm.write(a + 10, new Uint8Array([7]));
      expect(mm.followPage(a)).toBe(pages[0]);
      expect(mem.bytes[pages[0] * PAGE_SIZE + 10]).toBe(7);
      unpinUserPages(mem, pages, 1);
    });
  });
});
