/**
 * docs/KERNEL-SEMANTICS.md §2.7 and §4.3 (cow.c groups 1-6): after fork, private anonymous memory is shared
 * read-only and copied on the first write by either side; a page with an extra FOLL_GET reference is
 * never reused by a writer (vmsplice cases); shared mappings stay shared.
 */
import { describe, expect, it } from 'vitest';
import {
  PAGE_SIZE, PG_anon_exclusive, PROT_READ, PROT_WRITE, getUserPagesFast, putPage,
} from '../src/index.ts';
import { populated, withMm } from './helpers.ts';

const old = (n = PAGE_SIZE): Uint8Array => new Uint8Array(n).fill(0x11);

describe('basic COW after fork()', () => {
  it.each([{ mprotectFirst: false }, { mprotectFirst: true }])(
    'parent writes after fork: no leak into the child (mprotect optimisation: $mprotectFirst)',
    ({ mprotectFirst }) => {
      withMm({}, ({ mem, mm, track }) => {
        const a = populated(mm, 2, 0x11);
        const x = mm.followPage(a);
        const child = track(mm.fork());
        expect(mem.flags[x] & PG_anon_exclusive).toBe(0);
        expect(mem.mapcount[x]).toBe(2);
        if (mprotectFirst) {
          mm.mprotect(a, 2 * PAGE_SIZE, PROT_READ);
          mm.mprotect(a, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
        }
        mm.write(a, new Uint8Array(2 * PAGE_SIZE).fill(0xff));
        expect(child.read(a, 2 * PAGE_SIZE)).toEqual(old(2 * PAGE_SIZE));
        expect(mm.followPage(a)).not.toBe(x);
        expect(child.followPage(a)).toBe(x);
      });
    },
  );

  it('child writes after fork: no leak into the parent', () => {
    withMm({}, ({ mm, track }) => {
      const a = populated(mm, 1, 0x11);
      const child = track(mm.fork());
      child.write(a, new Uint8Array(PAGE_SIZE).fill(0xee));
      expect(mm.read(a, PAGE_SIZE)).toEqual(old());
      expect(child.read(a, 4)).toEqual(new Uint8Array(4).fill(0xee));
    });
  });

  it('once the child is gone the parent reuses its page (refcount 1) instead of copying', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 1, 0x11);
      const x = mm.followPage(a);
      mm.fork().exit();
      expect(mem.flags[x] & PG_anon_exclusive).toBe(0);
      mm.write(a, new Uint8Array([1]));
      expect(mm.followPage(a)).toBe(x);
      expect(mem.flags[x] & PG_anon_exclusive).not.toBe(0);
    });
  });
});

describe('vmsplice-style FOLL_GET references (cow.c 3-6)', () => {
  it('R/O get in the child, child unmaps, parent modifies: the reference still sees the old data', () => {
    withMm({}, ({ mem, mm, track }) => {
      const a = populated(mm, 1, 0x11);
      const child = track(mm.fork());
      const pipe = new Int32Array(1);
      expect(getUserPagesFast(child, a, 1, 0, pipe)).toBe(1);
      child.munmap(a, PAGE_SIZE);
      mm.write(a, new Uint8Array(PAGE_SIZE).fill(0xff));
      expect(mem.bytes.subarray(pipe[0] * PAGE_SIZE, (pipe[0] + 1) * PAGE_SIZE)).toEqual(old());
      putPage(mem, pipe[0]);
    });
  });

  it('R/O get before fork, parent unmaps, child modifies: no leak from child into parent', () => {
    withMm({}, ({ mem, mm, track }) => {
      const a = populated(mm, 1, 0x11);
      const pipe = new Int32Array(1);
      expect(getUserPagesFast(mm, a, 1, 0, pipe)).toBe(1);
      const child = track(mm.fork());
      mm.munmap(a, PAGE_SIZE);
      child.write(a, new Uint8Array(PAGE_SIZE).fill(0xee));
      expect(mem.bytes.subarray(pipe[0] * PAGE_SIZE, (pipe[0] + 1) * PAGE_SIZE)).toEqual(old());
      putPage(mem, pipe[0]);
    });
  });
});

describe('shared mappings', () => {
  it('MAP_SHARED memory is shared with the child both ways, without COW', () => {
    withMm({}, ({ mm, track }) => {
      const a = mm.mmap(2 * PAGE_SIZE, { shared: true });
      mm.write(a, new Uint8Array([1]));
      const child = track(mm.fork());
      child.write(a + 1, new Uint8Array([2]));
      mm.write(a + PAGE_SIZE, new Uint8Array([3]));
      expect(Array.from(mm.read(a, 2))).toEqual([1, 2]);
      expect(Array.from(child.read(a + PAGE_SIZE, 1))).toEqual([3]);
      expect(child.followPage(a)).toBe(mm.followPage(a));
    });
  });

  it('pages of a shared mapping outlive one unmapping process and are freed with the last', () => {
    withMm({}, ({ mem, mm, track }) => {
      const a = mm.mmap(PAGE_SIZE, { shared: true });
      mm.write(a, new Uint8Array([5]));
      const pfn = mm.followPage(a);
      const child = track(mm.fork());
      mm.munmap(a, PAGE_SIZE);
      expect(Array.from(child.read(a, 1))).toEqual([5]);
      child.exit();
      expect(mem.refcount[pfn]).toBe(0);
    });
  });
});

describe('private anonymous faults', () => {
  it('an untouched read maps the shared zero page; the first write replaces it with a zeroed page', () => {
    withMm({}, ({ mem, mm }) => {
      const a = mm.mmap(PAGE_SIZE);
      expect(mm.followPage(a)).toBe(-1);
      expect(mm.read(a, PAGE_SIZE).every((b) => b === 0)).toBe(true);
      expect(mm.followPage(a)).toBe(mem.zeroPfn);
      mm.write(a + 1, new Uint8Array([4]));
      const pfn = mm.followPage(a);
      expect(pfn).not.toBe(mem.zeroPfn);
      expect(Array.from(mm.read(a, 3))).toEqual([0, 4, 0]);
      expect(mem.bytes.subarray(mem.zeroPfn * PAGE_SIZE, (mem.zeroPfn + 1) * PAGE_SIZE).every((b) => b === 0)).toBe(true);
    });
  });

  it('reads and writes of unmapped, PROT_NONE or read-only memory throw EFAULT', () => {
    withMm({}, ({ mm }) => {
      const none = mm.mmap(PAGE_SIZE, { prot: 0 });
      const ro = mm.mmap(PAGE_SIZE, { prot: PROT_READ });
      expect(() => mm.read(none, 1)).toThrow(/EFAULT/);
      expect(() => mm.write(ro, new Uint8Array(1))).toThrow(/EFAULT/);
      expect(mm.read(ro, 1)).toEqual(new Uint8Array(1));
      mm.munmap(none, PAGE_SIZE);
      expect(() => mm.read(none, 1)).toThrow(/EFAULT/);
      expect(mm.copyToUser(ro - 1, new Uint8Array(2))).toBeGreaterThan(0);
    });
  });
});
