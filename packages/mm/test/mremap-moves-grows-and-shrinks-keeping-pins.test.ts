/**
 * mremap(): shrinking unmaps the tail, growing extends in place when the range after is free, a move
 * (MREMAP_MAYMOVE, MREMAP_FIXED) carries the pages over with their pins and references untouched.
 */
import { BiopathError } from '@biopath/native';
import { describe, expect, it } from 'vitest';
import {
  FOLL_WRITE, MREMAP_FIXED, MREMAP_MAYMOVE, PAGE_SIZE, PROT_NONE, pinUserPagesFast, unpinUserPages,
} from '../src/index.ts';
import { pinsOf, populated, withMm } from './helpers.ts';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BiopathError);
    return (e as BiopathError).code;
  }
  return 'no error';
}

describe('mremap', () => {
  it('shrinks in place, dropping the tail pages', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 4, 3);
      const tail = mm.followPage(a + 3 * PAGE_SIZE);
      expect(mm.mremap(a, 4 * PAGE_SIZE, 2 * PAGE_SIZE)).toBe(a);
      expect(mm.followPage(a + PAGE_SIZE)).toBeGreaterThan(0);
      expect(codeOf(() => mm.read(a + 2 * PAGE_SIZE, 1))).toBe('EFAULT');
      expect(mem.refcount[tail]).toBe(0);
    });
  });

  it('grows in place when the range after the mapping is free', () => {
    withMm({}, ({ mm }) => {
      const b = mm.mmap(4 * PAGE_SIZE);
      mm.munmap(b + 2 * PAGE_SIZE, 2 * PAGE_SIZE);
      mm.write(b, new Uint8Array([4]));
      expect(mm.mremap(b, 2 * PAGE_SIZE, 4 * PAGE_SIZE)).toBe(b);
      mm.write(b + 3 * PAGE_SIZE, new Uint8Array([5]));
      expect(mm.read(b, 1)[0]).toBe(4);
    });
  });

  it('without MREMAP_MAYMOVE a blocked grow is ENOMEM; with it the mapping moves, pinned pages and all', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 2, 6);
      const pages = new Int32Array(2);
      expect(pinUserPagesFast(mm, a, 2, FOLL_WRITE, pages)).toBe(2);
      mm.mmap(PAGE_SIZE, { addr: a + 2 * PAGE_SIZE });
      expect(codeOf(() => mm.mremap(a, 2 * PAGE_SIZE, 3 * PAGE_SIZE))).toBe('ENOMEM');
      const n = mm.mremap(a, 2 * PAGE_SIZE, 3 * PAGE_SIZE, MREMAP_MAYMOVE);
      expect(n).not.toBe(a);
      expect([mm.followPage(n), mm.followPage(n + PAGE_SIZE)]).toEqual([pages[0], pages[1]]);
      expect(mm.followPage(a)).toBe(-1);
      expect([pinsOf(mem, pages[0]), mem.mapcount[pages[0]]]).toEqual([1, 1]);
      mm.write(n, new Uint8Array([7]));
      expect(mem.bytes[pages[0] * PAGE_SIZE]).toBe(7);
      unpinUserPages(mem, pages, 2);
    });
  });

  it('MREMAP_FIXED moves onto the given address, replacing what was there', () => {
    withMm({}, ({ mm }) => {
      const a = populated(mm, 2, 6);
      const x = mm.followPage(a + PAGE_SIZE);
      const t = mm.mmap(PAGE_SIZE, { prot: PROT_NONE });
      expect(mm.mremap(a + PAGE_SIZE, PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, t)).toBe(t);
      expect(mm.followPage(t)).toBe(x);
      expect(mm.read(t, 1)[0]).toBe(6);
      expect(mm.followPage(a + PAGE_SIZE)).toBe(-1);
      expect(mm.read(a, 1)[0]).toBe(6);
    });
  });

  it('rejects bad flags and ranges', () => {
    withMm({}, ({ mm }) => {
      const a = populated(mm, 2, 1);
      expect(codeOf(() => mm.mremap(a, PAGE_SIZE, PAGE_SIZE, 8))).toBe('EINVAL');
      expect(codeOf(() => mm.mremap(a, PAGE_SIZE, PAGE_SIZE, MREMAP_FIXED, a + 8 * PAGE_SIZE))).toBe('EINVAL');
      expect(codeOf(() => mm.mremap(a, 2 * PAGE_SIZE, 2 * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, a + PAGE_SIZE))).toBe('EINVAL');
      expect(codeOf(() => mm.mremap(a + 1, PAGE_SIZE, PAGE_SIZE))).toBe('EINVAL');
      expect(codeOf(() => mm.mremap(a, 3 * PAGE_SIZE, PAGE_SIZE))).toBe('EFAULT');
      expect(codeOf(() => mm.mremap(a, PAGE_SIZE, 0))).toBe('EINVAL');
    });
  });
});
