/**
 * docs/KERNEL-SEMANTICS.md §2.7: MADV_DONTFORK ranges are not copied into the child at all, so the parent's
 * pages there stay exclusive and writable across fork; MADV_DOFORK undoes it.
 */
import { describe, expect, it } from 'vitest';
import {
  FOLL_WRITE, MADV_DOFORK, MADV_DONTFORK, PAGE_SIZE, PG_anon_exclusive, pinUserPagesFast, unpinUserPages,
} from '../src/index.ts';
import { populated, withMm } from './helpers.ts';

describe('MADV_DONTFORK', () => {
  it('the child has no mapping there; the parent keeps its exclusive, writable pages', () => {
    withMm({}, ({ mem, mm, track }) => {
      const a = populated(mm, 3, 0x11);
      mm.madvise(a + PAGE_SIZE, PAGE_SIZE, MADV_DONTFORK);
      const mid = mm.followPage(a + PAGE_SIZE);
      const child = track(mm.fork());
      expect(child.followPage(a + PAGE_SIZE)).toBe(-1);
      expect(() => child.read(a + PAGE_SIZE, 1)).toThrow(/EFAULT/);
      expect(child.read(a, 1)).toEqual(new Uint8Array([0x11]));
      expect(child.read(a + 2 * PAGE_SIZE, 1)).toEqual(new Uint8Array([0x11]));
      expect(mem.flags[mid] & PG_anon_exclusive).not.toBe(0);
      mm.write(a + PAGE_SIZE, new Uint8Array([1]));
      expect(mm.followPage(a + PAGE_SIZE)).toBe(mid);
      expect(mem.mapcount[mid]).toBe(1);
    });
  });

  it('a DMA buffer marked DONTFORK stays the parent page under FOLL_GET-free pinning too', () => {
    withMm({}, ({ mem, mm, track }) => {
      const a = populated(mm, 1, 0);
      mm.madvise(a, PAGE_SIZE, MADV_DONTFORK);
      const pages = new Int32Array(1);
      expect(pinUserPagesFast(mm, a, 1, FOLL_WRITE, pages)).toBe(1);
      const free = mem.nrFree;
      track(mm.fork());
      expect(mem.nrFree).toBe(free);
      expect(mm.followPage(a)).toBe(pages[0]);
      unpinUserPages(mem, pages, 1);
    });
  });

  it('MADV_DOFORK makes the range inherited again', () => {
    withMm({}, ({ mm, track }) => {
      const a = populated(mm, 2, 0x22);
      mm.madvise(a, 2 * PAGE_SIZE, MADV_DONTFORK);
      mm.madvise(a, PAGE_SIZE, MADV_DOFORK);
      const child = track(mm.fork());
      expect(child.read(a, 1)).toEqual(new Uint8Array([0x22]));
      expect(child.followPage(a + PAGE_SIZE)).toBe(-1);
    });
  });

  it('madvise on a hole throws ENOMEM and an unknown advice EINVAL', () => {
    withMm({}, ({ mm }) => {
      const a = mm.mmap(PAGE_SIZE);
      expect(() => mm.madvise(a - PAGE_SIZE, 2 * PAGE_SIZE, MADV_DONTFORK)).toThrow(/ENOMEM/);
      expect(() => mm.madvise(a, PAGE_SIZE, 999)).toThrow(/EINVAL/);
    });
  });
});
