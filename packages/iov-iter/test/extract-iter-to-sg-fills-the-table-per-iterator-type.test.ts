/**
 * extractIterToSg (lib/scatterlist.c extract_iter_to_sg()) per iterator type: the entries it appends
 * cover exactly the iterator's bytes (checked by reading the frames they name), UBUF/IOVEC entries are
 * one per page and hold one pin each (released by sgTableUnpin), BVEC/KVEC/XARRAY/FOLIOQ entries hold
 * nothing; a failing user extraction unpins back to orig_nents; bad input throws.
 */
import { PAGE_SIZE, type MemMap, type Profile, vmallocToPage } from '@biopath/mm';
import { describe, expect, test } from 'vitest';
import {
  createFolioQueue, createIovIter, createXArray, extractIterToSg, folioqAppend, ITER_DEST, ITER_SOURCE,
  iovIterBvec, iovIterDiscard, iovIterFolioq, iovIterInit, iovIterKvec, iovIterUbuf, iovIterXarray,
  sgInitTable, sgTableBytes, sgTableUnpin, type SgTable, xaStore,
} from '../src/index.ts';
import { expectWarned, pattern, pinsOf, withEnv } from './helpers.ts';

const EXTRACTING: Profile[] = ['v8', 'merged', 'current'];

/** The bytes the table's entries name, in order. */
function sgData(mem: MemMap, sgt: SgTable): Uint8Array {
  const out = new Uint8Array(sgTableBytes(sgt));
  let o = 0;
  for (let k = 0; k < sgt.nents; k++) {
    const sg = sgt.sgl[k]!;
    const at = sg.page * PAGE_SIZE + sg.offset;
    out.set(mem.bytes.subarray(at, at + sg.length), o);
    o += sg.length;
  }
  return out;
}

function entries(sgt: SgTable): [number, number, number][] {
  return sgt.sgl.slice(0, sgt.nents).map((s) => [s.page, s.offset, s.length]);
}

describe.each(EXTRACTING)('profile %s', (profile) => {
  test('UBUF: one entry per page, one pin each, released by sgTableUnpin', () => {
    withEnv(profile, ({ mem, mm }) => {
      const data = pattern(3 * PAGE_SIZE, 3);
      const a = mm.mmap(3 * PAGE_SIZE);
      mm.write(a, data);
      const i = iovIterUbuf(createIovIter(), ITER_SOURCE, mm, a + 100, 2 * PAGE_SIZE);
      const sgt = sgInitTable(8);
      expect(extractIterToSg(i, Infinity, sgt, 8)).toBe(2 * PAGE_SIZE);
      const pfn = [0, 1, 2].map((k) => mm.followPage(a + k * PAGE_SIZE));
      expect(entries(sgt)).toEqual([[pfn[0], 100, PAGE_SIZE - 100], [pfn[1], 0, PAGE_SIZE], [pfn[2], 0, 100]]);
      expect(sgData(mem, sgt)).toEqual(data.subarray(100, 100 + 2 * PAGE_SIZE));
      expect(pfn.map((p) => pinsOf(mem, p))).toEqual([1, 1, 1]);
      expect(i.count).toBe(0);
      sgTableUnpin(mem, sgt);
      expect(sgt.nents).toBe(0);
      expect(pfn.map((p) => pinsOf(mem, p))).toEqual([0, 0, 0]);
    });
  });

  test('IOVEC: loops over segments until maxsize; sgMax caps the entries (and the bytes)', () => {
    withEnv(profile, ({ mem, mm }) => {
      const data = pattern(6 * PAGE_SIZE, 5);
      const a = mm.mmap(6 * PAGE_SIZE);
      mm.write(a, data);
      const iov = [{ iov_base: a + 10, iov_len: 5000 }, { iov_base: a + 3 * PAGE_SIZE, iov_len: 3 * PAGE_SIZE }];
      const i = iovIterInit(createIovIter(), ITER_DEST, mm, iov, 2, 5000 + 3 * PAGE_SIZE);
      const sgt = sgInitTable(4);
      // 5000 bytes from offset 10 take 2 entries, then 2 more entries take 2 pages of the second iovec
      expect(extractIterToSg(i, Infinity, sgt, 4)).toBe(5000 + 2 * PAGE_SIZE);
      expect(sgt.nents).toBe(4);
      const want = new Uint8Array([...data.subarray(10, 5010), ...data.subarray(3 * PAGE_SIZE, 5 * PAGE_SIZE)]);
      expect(sgData(mem, sgt)).toEqual(want);
      expect(i.count).toBe(PAGE_SIZE);
      sgTableUnpin(mem, sgt);
    });
  });

  test('a failing user extraction unpins back to orig_nents and returns the error', () => {
    withEnv(profile, ({ mem, mm, populated }) => {
      const a = populated(2);
      const sgt = sgInitTable(8);
      const first = iovIterUbuf(createIovIter(), ITER_SOURCE, mm, a, PAGE_SIZE);
      expect(extractIterToSg(first, Infinity, sgt, 1)).toBe(PAGE_SIZE);
      sgt.orig_nents = sgt.nents; // the caller's next extraction starts here
      const iov = [{ iov_base: a + PAGE_SIZE, iov_len: PAGE_SIZE }, { iov_base: 0x1000, iov_len: PAGE_SIZE }];
      const i = iovIterInit(createIovIter(), ITER_SOURCE, mm, iov, 2, 2 * PAGE_SIZE);
      expect(extractIterToSg(i, Infinity, sgt, 7)).toBe(-14 /* EFAULT */);
      expect(sgt.nents).toBe(1);
      expect(pinsOf(mem, mm.followPage(a + PAGE_SIZE))).toBe(0);
      expect(pinsOf(mem, mm.followPage(a))).toBe(1);
      sgTableUnpin(mem, sgt);
    });
  });

  test('BVEC: one entry per bvec, even across pages; nothing pinned', () => {
    withEnv(profile, ({ mem, folio }) => {
      const big = folio(1, 0x11);
      const small = folio(0, 0x22);
      const bv = [{ bv_page: big, bv_offset: 200, bv_len: 6000 }, { bv_page: small, bv_offset: 0, bv_len: 300 }];
      const i = iovIterBvec(createIovIter(), ITER_SOURCE, mem, bv, 2, 6300);
      i.iov_offset = 0;
      const sgt = sgInitTable(4);
      expect(extractIterToSg(i, 6100, sgt, 4)).toBe(6100);
      expect(entries(sgt)).toEqual([[big, 200, 6000], [small, 0, 100]]);
      expect(pinsOf(mem, big) + pinsOf(mem, small)).toBe(0);
      expect(extractIterToSg(i, Infinity, sgt, 2)).toBe(200);
      expect(entries(sgt)[2]).toEqual([small, 100, 200]);
    });
  });

  test('KVEC over vmalloc memory: one entry per page, the frames vmalloc chose', () => {
    withEnv(profile, ({ mem, vmalloc }) => {
      const k = vmalloc(3 * PAGE_SIZE);
      const data = pattern(3 * PAGE_SIZE, 9);
      for (let p = 0; p < 3; p++) mem.bytes.set(data.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE), vmallocToPage(mem, k + p * PAGE_SIZE) * PAGE_SIZE);
      const i = iovIterKvec(createIovIter(), ITER_SOURCE, mem, [{ iov_base: k + 50, iov_len: 8000 }], 1, 8000);
      const sgt = sgInitTable(4);
      expect(extractIterToSg(i, Infinity, sgt, 4)).toBe(8000);
      expect(sgt.nents).toBe(2);
      expect(sgData(mem, sgt)).toEqual(data.subarray(50, 8050));
      expect(i.count).toBe(0);
    });
  });

  test('XARRAY: one entry per folio with the offset into the folio; stops at a hole', () => {
    withEnv(profile, ({ mem, folio }) => {
      const f4 = folio(2, 0x33);
      const f1 = folio(0, 0x44);
      const xa = createXArray<number>();
      xaStore(xa, 0, f4, 2);
      xaStore(xa, 4, f1);
      const i = iovIterXarray(createIovIter(), ITER_SOURCE, mem, xa, PAGE_SIZE + 10, 8 * PAGE_SIZE);
      const sgt = sgInitTable(4);
      expect(extractIterToSg(i, Infinity, sgt, 4)).toBe(4 * PAGE_SIZE - 10);
      expect(entries(sgt)).toEqual([[f4, PAGE_SIZE + 10, 3 * PAGE_SIZE - 10], [f1, 0, PAGE_SIZE]]);
      expect(i.count).toBe(4 * PAGE_SIZE + 10);
    });
  });

  test('bad input: EINVAL for a table without room, legacy-free profiles return 0 for empty work', () => {
    withEnv(profile, ({ mm, populated }) => {
      const a = populated(1);
      const i = iovIterUbuf(createIovIter(), ITER_SOURCE, mm, a, PAGE_SIZE);
      const sgt = sgInitTable(2);
      expect(() => extractIterToSg(i, Infinity, sgt, 3)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      expect(() => extractIterToSg(i, -1, sgt, 1)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      expect(() => sgInitTable(0)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      expect(extractIterToSg(i, 0, sgt, 2)).toBe(0);
      expect(extractIterToSg(i, Infinity, sgt, 0)).toBe(0);
      expect(sgt.nents).toBe(0);
    });
  });

  test('DISCARD is not supported: -EIO with a WARN', () => {
    withEnv(profile, () => {
      const i = iovIterDiscard(createIovIter(), ITER_DEST, 100);
      expect(extractIterToSg(i, Infinity, sgInitTable(1), 1)).toBe(-5 /* EIO */);
      expectWarned(1);
    });
  });
});

test('FOLIOQ (current only): one entry per folio slot', () => {
  withEnv('current', ({ mem, folio }) => {
    const fq = createFolioQueue();
    const a = folio(1, 0x55);
    const b = folio(0, 0x66);
    folioqAppend(mem, fq, a);
    folioqAppend(mem, fq, b);
    const i = iovIterFolioq(createIovIter(), ITER_SOURCE, mem, fq, 0, 100, 3 * PAGE_SIZE - 100);
    const sgt = sgInitTable(4);
    expect(extractIterToSg(i, Infinity, sgt, 4)).toBe(3 * PAGE_SIZE - 100);
    expect(entries(sgt)).toEqual([[a, 100, 2 * PAGE_SIZE - 100], [b, 0, PAGE_SIZE]]);
    expect(i.count).toBe(0);
  });
});

test('legacy (6.2) has no extract_iter_to_sg()', () => {
  withEnv('legacy', ({ mem, folio }) => {
    const i = iovIterBvec(createIovIter(), ITER_SOURCE, mem, [{ bv_page: folio(0), bv_offset: 0, bv_len: 10 }], 1, 10);
    expect(() => extractIterToSg(i, Infinity, sgInitTable(1), 1)).toThrow(expect.objectContaining({ code: 'EOPNOTSUPP' }));
  });
});
