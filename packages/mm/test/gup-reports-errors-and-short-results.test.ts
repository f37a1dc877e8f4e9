/**
 * docs/KERNEL-SEMANTICS.md §1.8 / §2.6: GUP returns -errno only when the first page fails, otherwise the
 * number of pages grabbed so far; nothing stays grabbed for the pages it did not return.
 */
import { errno } from '@biopath/native';
import { describe, expect, it } from 'vitest';
import {
  FOLL_NOFAULT, FOLL_PCI_P2PDMA, FOLL_WRITE, PAGE_SIZE, PROT_READ, TASK_SIZE, getUserPages, getUserPagesFast,
  isP2pdmaPage, pinUserPages, pinUserPagesFast, putPage, unpinUserPages,
} from '../src/index.ts';
import { populated, withMm } from './helpers.ts';

const entries = [
  { name: 'pinUserPagesFast', gup: pinUserPagesFast, pin: true },
  { name: 'pinUserPages', gup: pinUserPages, pin: true },
  { name: 'getUserPagesFast', gup: getUserPagesFast, pin: false },
  { name: 'getUserPages', gup: getUserPages, pin: false },
];

describe.each(entries)('$name', ({ gup, pin }) => {
  const release = (mem: Parameters<typeof unpinUserPages>[0], pages: Int32Array, n: number): void => {
    if (pin) unpinUserPages(mem, pages, n);
    else for (let i = 0; i < n; i++) putPage(mem, pages[i]);
  };

  it('unmapped first page -> -EFAULT; a hole after two pages -> 2', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 3);
      mm.munmap(a + 2 * PAGE_SIZE, PAGE_SIZE);
      const pages = new Int32Array(3).fill(-1);
      expect(gup(mm, a + 2 * PAGE_SIZE, 1, 0, pages)).toBe(-errno.EFAULT);
      expect(gup(mm, a, 3, 0, pages)).toBe(2);
      expect(pages[2]).toBe(-1);
      release(mem, pages, 2);
    });
  });

  it('a touched page later made PROT_NONE -> -EFAULT, and nothing is grabbed', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 2);
      const pfn = mm.followPage(a);
      const ref = mem.refcount[pfn];
      mm.mprotect(a, 2 * PAGE_SIZE, 0);
      const pages = new Int32Array(2).fill(-1);
      expect(gup(mm, a, 2, 0, pages)).toBe(-errno.EFAULT);
      expect(gup(mm, a, 1, FOLL_WRITE, pages)).toBe(-errno.EFAULT);
      expect(mem.refcount[pfn]).toBe(ref);
      mm.mprotect(a, 2 * PAGE_SIZE, PROT_READ);
      expect(gup(mm, a, 2, 0, pages)).toBe(2);
      release(mem, pages, 2);
    });
  });

  it('PROT_NONE -> -EFAULT; write to a read-only mapping -> -EFAULT, read succeeds (example 11)', () => {
    withMm({}, ({ mem, mm }) => {
      const none = mm.mmap(PAGE_SIZE, { prot: 0 });
      const ro = mm.mmap(PAGE_SIZE, { prot: PROT_READ });
      const pages = new Int32Array(1);
      expect(gup(mm, none, 1, 0, pages)).toBe(-errno.EFAULT);
      expect(gup(mm, ro, 1, FOLL_WRITE, pages)).toBe(-errno.EFAULT);
      expect(gup(mm, ro, 1, 0, pages)).toBe(1);
      release(mem, pages, 1);
    });
  });

  it('FOLL_NOFAULT: no fault-in; -EFAULT when the first page is absent, short when a later one is (example 14)', () => {
    withMm({}, ({ mem, mm }) => {
      const a = mm.mmap(3 * PAGE_SIZE);
      mm.write(a, new Uint8Array([1]));
      const pages = new Int32Array(3);
      expect(gup(mm, a + PAGE_SIZE, 2, FOLL_NOFAULT, pages)).toBe(-errno.EFAULT);
      expect(mm.followPage(a + PAGE_SIZE)).toBe(-1);
      expect(gup(mm, a, 3, FOLL_NOFAULT | FOLL_WRITE, pages)).toBe(1);
      expect(mm.followPage(a + PAGE_SIZE)).toBe(-1);
      release(mem, pages, 1);
    });
  });

  it('P2PDMA pages need FOLL_PCI_P2PDMA: -EREMOTEIO first, short later, success with the flag (example 13)', () => {
    withMm({}, ({ mem, mm }) => {
      const dev = mm.mmap(2 * PAGE_SIZE, { p2pdma: true, addr: 0x5000_0000 });
      mm.mmap(PAGE_SIZE, { addr: 0x5000_0000 - PAGE_SIZE });
      mm.write(0x5000_0000 - PAGE_SIZE, new Uint8Array([1]));
      mm.write(dev, new Uint8Array(2 * PAGE_SIZE));
      expect(isP2pdmaPage(mem, mm.followPage(dev))).toBe(true);
      const pages = new Int32Array(3);
      expect(gup(mm, dev, 2, 0, pages)).toBe(-errno.EREMOTEIO);
      expect(gup(mm, dev - PAGE_SIZE, 3, 0, pages)).toBe(1);
      release(mem, pages, 1);
      expect(gup(mm, dev, 2, FOLL_PCI_P2PDMA, pages)).toBe(2);
      release(mem, pages, 2);
    });
  });

  it('address checks: start rounds down, overflow -> -EOVERFLOW, beyond TASK_SIZE -> -EFAULT, 0 pages -> 0', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 1);
      const pages = new Int32Array(1);
      expect(gup(mm, a + 123, 1, 0, pages)).toBe(1);
      expect(pages[0]).toBe(mm.followPage(a));
      release(mem, pages, 1);
      expect(gup(mm, Number.MAX_SAFE_INTEGER - 4095, 1, 0, pages)).toBe(-errno.EOVERFLOW);
      expect(gup(mm, TASK_SIZE, 1, 0, pages)).toBe(-errno.EFAULT);
      expect(gup(mm, a, 0, 0, pages)).toBe(0);
    });
  });

  it('a pages array without room for nrPages entries from pagesOffset throws EINVAL', () => {
    withMm({}, ({ mm }) => {
      const a = populated(mm, 2);
      expect(() => gup(mm, a, 2, 0, new Int32Array(3), 2)).toThrow(/EINVAL/);
    });
  });

  it('writes results from pagesOffset and leaves the entries before it alone', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 2);
      const pages = new Int32Array(4).fill(-7);
      expect(gup(mm, a, 2, 0, pages, 1)).toBe(2);
      expect(pages[0]).toBe(-7);
      expect(pages[3]).toBe(-7);
      expect([pages[1], pages[2]]).toEqual([mm.followPage(a), mm.followPage(a + PAGE_SIZE)]);
      if (pin) unpinUserPages(mem, pages, 2, 1);
      else { putPage(mem, pages[1]); putPage(mem, pages[2]); }
    });
  });

  it('a write GUP faults untouched memory in as a private exclusive page, not the zero page', () => {
    withMm({}, ({ mem, mm }) => {
      const a = mm.mmap(PAGE_SIZE);
      const pages = new Int32Array(1);
      expect(gup(mm, a, 1, FOLL_WRITE, pages)).toBe(1);
      expect(pages[0]).not.toBe(mem.zeroPfn);
      expect(mm.followPage(a)).toBe(pages[0]);
      release(mem, pages, 1);
    });
  });
});
