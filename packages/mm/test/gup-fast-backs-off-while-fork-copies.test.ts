/**
 * docs/KERNEL-SEMANTICS.md §4.1 step 5 / §6 ex. 39: GUP-fast pins nothing while fork is copying page tables
 * (odd write_protect_seq); a pin taken after fork finds the page write-protected, breaks COW and so
 * the DMA lands in a page the parent maps. FOLL_GET has no such check.
 */
import { describe, expect, it } from 'vitest';
import {
  FOLL_FAST_ONLY, FOLL_WRITE, PAGE_SIZE, getUserPagesFast, pinUserPagesFast, putPage, unpinUserPages,
} from '../src/index.ts';
import { dmaIntoFrame, populated, withMm } from './helpers.ts';

describe('fork vs GUP-fast', () => {
  it('a FOLL_PIN fast-only walk during fork returns 0; the pin after fork lands in the parent', () => {
    withMm({}, ({ mem, mm, track }) => {
      const a = populated(mm, 2, 0);
      const x = mm.followPage(a);
      const pages = new Int32Array(2).fill(-1);
      let duringFork = -1;
      const child = track(mm.fork({
        duringCopy: (parent) => {
          expect(parent.writeProtectSeq & 1).toBe(1);
          duringFork = pinUserPagesFast(parent, a, 2, FOLL_WRITE | FOLL_FAST_ONLY, pages);
        },
      }));
      expect(duringFork).toBe(0);
      expect(mm.writeProtectSeq & 1).toBe(0);
      expect(Array.from(pages)).toEqual([-1, -1]);
      expect(pinUserPagesFast(mm, a, 2, FOLL_WRITE, pages)).toBe(2);
      expect(pages[0]).not.toBe(x);
      expect(mm.followPage(a)).toBe(pages[0]);
      expect(child.followPage(a)).toBe(x);
      dmaIntoFrame(mem, pages[0], 0, new Uint8Array([9, 9, 9]));
      unpinUserPages(mem, pages, 2);
      expect(Array.from(mm.read(a, 3))).toEqual([9, 9, 9]);
      expect(Array.from(child.read(a, 3))).toEqual([0, 0, 0]);
    });
  });

  it('a FOLL_GET fast walk during fork still grabs the pages (no write_protect_seq check)', () => {
    withMm({}, ({ mem, mm, track }) => {
      const a = populated(mm, 1, 0);
      const pages = new Int32Array(1);
      let n = -1;
      track(mm.fork({ duringCopy: (parent) => { n = getUserPagesFast(parent, a, 1, 0, pages); } }));
      expect(n).toBe(1);
      putPage(mem, pages[0]);
      expect(mm.read(a, PAGE_SIZE).length).toBe(PAGE_SIZE);
    });
  });
});
