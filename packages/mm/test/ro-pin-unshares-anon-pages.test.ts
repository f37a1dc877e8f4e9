/**
 * docs/KERNEL-SEMANTICS.md §2.6 step 5 and cow.c groups 9-14: a R/O pin of an anon page that is not
 * AnonExclusive first unshares it (copy if others map it, otherwise just mark it exclusive), keeping
 * the PTE read-only, so later writes through the page table are visible through the pin.
 */
import { describe, expect, it } from 'vitest';
import {
  FOLL_LONGTERM, PAGE_SIZE, PG_anon_exclusive, PROT_READ, PROT_WRITE, getUserPagesFast, pinUserPages,
  pinUserPagesFast, putPage, unpinUserPages, type MemMap, type MmStruct,
} from '../src/index.ts';
import { populated, withMm } from './helpers.ts';

const entry = [
  { name: 'pinUserPagesFast', pin: pinUserPagesFast },
  { name: 'pinUserPages', pin: pinUserPages },
];
const term = [{ flags: 0, term: 'short-term' }, { flags: FOLL_LONGTERM, term: 'longterm' }];
const matrix = entry.flatMap((e) => term.map((t) => ({ ...e, ...t })));

function pinnedByte(mem: MemMap, pfn: number, off: number): number {
  return mem.bytes[pfn * PAGE_SIZE + off];
}

function writeThroughPageTable(mm: MmStruct, a: number, v: number): void {
  mm.mprotect(a, PAGE_SIZE, PROT_READ | PROT_WRITE);
  mm.write(a + 7, new Uint8Array([v]));
}

describe.each(matrix)('$name, $term R/O pin', ({ pin, flags }) => {
  it('on a shared page: the pinner gets its own copy, mapped R/O, coherent with later writes', () => {
    withMm({}, ({ mem, mm, track }) => {
      const a = populated(mm, 1, 0x11);
      const x = mm.followPage(a);
      const child = track(mm.fork());
      mm.mprotect(a, PAGE_SIZE, PROT_READ);
      const pages = new Int32Array(1);
      expect(pin(mm, a, 1, flags, pages)).toBe(1);
      expect(pages[0]).not.toBe(x);
      expect(mm.followPage(a)).toBe(pages[0]);
      expect(mem.flags[pages[0]] & PG_anon_exclusive).not.toBe(0);
      expect(child.followPage(a)).toBe(x);
      writeThroughPageTable(mm, a, 0x42);
      expect(mm.followPage(a)).toBe(pages[0]);
      expect(pinnedByte(mem, pages[0], 7)).toBe(0x42);
      expect(pinnedByte(mem, x, 7)).toBe(0x11);
      unpinUserPages(mem, pages, 1);
    });
  });

  it('on a previously-shared page (sole user now): no copy, just marked exclusive', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 1, 0x11);
      const x = mm.followPage(a);
      mm.fork().exit();
      expect(mem.flags[x] & PG_anon_exclusive).toBe(0);
      mm.mprotect(a, PAGE_SIZE, PROT_READ);
      const pages = new Int32Array(1);
      expect(pin(mm, a, 1, flags, pages)).toBe(1);
      expect(pages[0]).toBe(x);
      expect(mem.flags[x] & PG_anon_exclusive).not.toBe(0);
      writeThroughPageTable(mm, a, 0x43);
      expect(mm.followPage(a)).toBe(x);
      expect(pinnedByte(mem, x, 7)).toBe(0x43);
      unpinUserPages(mem, pages, 1);
    });
  });

  it('on an exclusive page: pinned in place', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 1, 0x11);
      const x = mm.followPage(a);
      mm.mprotect(a, PAGE_SIZE, PROT_READ);
      const pages = new Int32Array(1);
      expect(pin(mm, a, 1, flags, pages)).toBe(1);
      expect(pages[0]).toBe(x);
      writeThroughPageTable(mm, a, 0x44);
      expect(pinnedByte(mem, x, 7)).toBe(0x44);
      unpinUserPages(mem, pages, 1);
    });
  });
});

describe('FOLL_GET does not unshare (why vmsplice stays broken)', () => {
  it('a R/O get of a shared page returns the shared page itself', () => {
    withMm({}, ({ mem, mm, track }) => {
      const a = populated(mm, 1, 0x11);
      const x = mm.followPage(a);
      track(mm.fork());
      const pages = new Int32Array(1);
      expect(getUserPagesFast(mm, a, 1, 0, pages)).toBe(1);
      expect(pages[0]).toBe(x);
      expect(mem.flags[x] & PG_anon_exclusive).toBe(0);
      putPage(mem, pages[0]);
    });
  });
});
