/**
 * docs/KERNEL-SEMANTICS.md §2.7: fork must copy exclusive maybe-pinned pages for the child; when no frame is
 * free it fails with ENOMEM and leaves nothing behind (no child mappings, no leaked references).
 */
import { describe, expect, it } from 'vitest';
import {
  FOLL_WRITE, allocPages, pinUserPagesFast, putPage, snapshotPins, expectNoLeakedPins, unpinUserPages,
  type MemMap,
} from '../src/index.ts';
import { populated, withMm } from './helpers.ts';

/** Allocate every free frame; returns them so the test can give them back. */
function exhaust(mem: MemMap): number[] {
  const held: number[] = [];
  for (let pfn = allocPages(mem, 0); pfn >= 0; pfn = allocPages(mem, 0)) held.push(pfn);
  return held;
}

describe('fork copy allocation failure', () => {
  it('throws ENOMEM, and the frames are exactly as before the fork', () => {
    withMm({ nrPages: 64 }, ({ mem, mm }) => {
      const a = populated(mm, 4, 0x33);
      const pages = new Int32Array(2);
      expect(pinUserPagesFast(mm, a + 4096, 2, FOLL_WRITE, pages)).toBe(2);
      const held = exhaust(mem);
      expect(mem.nrFree).toBe(0);
      const before = snapshotPins(mem);
      expect(() => mm.fork()).toThrow(/ENOMEM/);
      expectNoLeakedPins(mem, before);
      expect(mem.nrFree).toBe(0);
      // the parent's pinned pages are untouched and still writable in place
      mm.write(a + 4096, new Uint8Array([1]));
      expect(mm.followPage(a + 4096)).toBe(pages[0]);
      for (const pfn of held) putPage(mem, pfn);
      // with memory back, the same fork succeeds and copies both pinned pages
      const free = mem.nrFree;
      const child = mm.fork();
      expect(free - mem.nrFree).toBe(2);
      expect(child.followPage(a + 4096)).not.toBe(pages[0]);
      expect(child.followPage(a)).toBe(mm.followPage(a));
      child.exit();
      unpinUserPages(mem, pages, 2);
    });
  });
});
