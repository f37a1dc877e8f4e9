import {
  createMemMap, destroyMemMap, MmStruct, PAGE_SIZE, TASK_SIZE, type MemMap, type Profile,
} from '@biopath/mm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ITER_IOVEC, ITER_SOURCE, ITER_UBUF, IOVEC_SIZE, MAX_RW_COUNT, READ, UIO_MAXIOV, WRITE,
} from './constants.ts';
import { importIovec, importUbuf } from './import.ts';
import { createIovIter, type Iovec } from './iov-iter.ts';

const EINVAL = -22;
const EFAULT = -14;

let mem: MemMap;
let mm: MmStruct;
beforeAll(() => {
  mem = createMemMap({ nrPages: 16 });
  mm = new MmStruct(mem);
});
afterAll(() => {
  mm.exit();
  destroyMemMap(mem);
});

/** Write `iov` as user `struct iovec`s (u64 base, s64 len) into fresh user memory; returns its address. */
function userIovecs(iov: { base: number; len: bigint }[]): number {
  const addr = mm.mmap(PAGE_SIZE);
  const raw = new Uint8Array(iov.length * IOVEC_SIZE);
  const dv = new DataView(raw.buffer);
  iov.forEach((v, k) => {
    dv.setBigUint64(k * IOVEC_SIZE, BigInt(v.base), true);
    dv.setBigInt64(k * IOVEC_SIZE + 8, v.len, true);
  });
  mm.write(addr, raw);
  return addr;
}

describe('importIovec validation', () => {
  test('zero segments import as an empty ITER_IOVEC', () => {
    const i = createIovIter();
    expect(importIovec(WRITE, mm, [], 0, i)).toBe(0);
    expect([i.iter_type, i.count, i.nr_segs, i.data_source]).toEqual([ITER_IOVEC, 0, 0, true]);
  });

  test('more than UIO_MAXIOV segments is -EINVAL and leaves the iterator alone', () => {
    const i = createIovIter();
    const iov: Iovec[] = Array.from({ length: UIO_MAXIOV + 1 }, () => ({ iov_base: 0x1000, iov_len: 1 }));
    expect(importIovec(READ, mm, iov, UIO_MAXIOV + 1, i)).toBe(EINVAL);
    expect(i.count).toBe(0);
    expect(importIovec(READ, mm, iov, UIO_MAXIOV, i)).toBe(UIO_MAXIOV);
  });

  test('a negative length is -EINVAL, as an array or as a user iovec', () => {
    const i = createIovIter();
    expect(importIovec(READ, mm, [{ iov_base: 0x1000, iov_len: 8 }, { iov_base: 0x1000, iov_len: -1 }], 2, i)).toBe(EINVAL);
    const uvec = userIovecs([{ base: 0x1000, len: 8n }, { base: 0x2000, len: -5n }]);
    expect(importIovec(READ, mm, uvec, 2, i)).toBe(EINVAL);
    const huge = userIovecs([{ base: 0x1000, len: 8n }, { base: 0x2000, len: 1n << 63n }]);
    expect(importIovec(READ, mm, huge, 2, i)).toBe(EINVAL);
  });

  test('iovecs are read from user memory', () => {
    const uvec = userIovecs([{ base: 0x10000, len: 100n }, { base: 0x20000, len: 0n }, { base: 0x30000, len: 5000n }]);
    const i = createIovIter();
    expect(importIovec(WRITE, mm, uvec, 3, i)).toBe(5100);
    expect(i.iter_type).toBe(ITER_IOVEC);
    expect(i.__iov).toEqual([{ iov_base: 0x10000, iov_len: 100 }, { iov_base: 0x20000, iov_len: 0 }, { iov_base: 0x30000, iov_len: 5000 }]);
  });

  test('an unmapped or partly unmapped iovec array is -EFAULT', () => {
    const i = createIovIter();
    const gone = mm.mmap(PAGE_SIZE);
    mm.munmap(gone, PAGE_SIZE);
    expect(importIovec(READ, mm, gone, 2, i)).toBe(EFAULT);
    const edge = userIovecs([]) + PAGE_SIZE - IOVEC_SIZE;
    mm.munmap(edge + IOVEC_SIZE, PAGE_SIZE);
    expect(importIovec(READ, mm, edge, 2, i)).toBe(EFAULT);
    expect(i.count).toBe(0);
  });

  test('a segment beyond the address limit is -EFAULT; a merely unmapped one imports (it faults later)', () => {
    const i = createIovIter();
    expect(importIovec(READ, mm, [{ iov_base: 0x1000, iov_len: 1 }, { iov_base: TASK_SIZE - 10, iov_len: 11 }], 2, i)).toBe(EFAULT);
    expect(importIovec(READ, mm, [{ iov_base: 0x1000, iov_len: 1 }, { iov_base: 0x2000, iov_len: 1 }], 2, i)).toBe(2);
  });

  test('the total is capped at MAX_RW_COUNT by shortening the crossing segment; later ones get 0', () => {
    const i = createIovIter();
    const iov = [{ iov_base: 0x1000, iov_len: MAX_RW_COUNT - 10 }, { iov_base: 0x1000, iov_len: 100 }, { iov_base: 0x1000, iov_len: 50 }];
    expect(importIovec(READ, mm, iov, 3, i)).toBe(MAX_RW_COUNT);
    expect(i.__iov!.map((v) => v.iov_len)).toEqual([MAX_RW_COUNT - 10, 10, 0]);
    expect(iov[1]!.iov_len).toBe(100);
  });

  test('malformed arguments throw at the edge', () => {
    const i = createIovIter();
    expect(() => importIovec(2, mm, [], 0, i)).toThrow(/EINVAL: importIovec\(type\)/);
    expect(() => importIovec(READ, mm, [], 1, i)).toThrow(/importIovec\(nr_segs\)/);
    expect(() => importIovec(READ, mm, [{ iov_base: 1.5, iov_len: 1 }], 1, i)).toThrow(/importIovec\(uvec\)/);
  });
});

describe.each<[Profile, number]>([['legacy', ITER_IOVEC], ['v8', ITER_IOVEC], ['merged', ITER_UBUF], ['current', ITER_UBUF]])(
  'a single segment under profile %s',
  (profile, type) => {
    test(`imports as ${type === ITER_UBUF ? 'ITER_UBUF' : 'ITER_IOVEC'}`, () => {
      const m = createMemMap({ nrPages: 2, profile });
      try {
        const p = new MmStruct(m);
        const i = createIovIter();
        expect(importIovec(READ, p, [{ iov_base: 0x4000, iov_len: 300 }], 1, i)).toBe(300);
        expect([i.iter_type, i.count, i.nr_segs, i.data_source]).toEqual([type, 300, 1, false]);
        expect(type === ITER_UBUF ? i.ubuf : i.__iov![0]!.iov_base).toBe(0x4000);
        expect(importIovec(READ, p, [{ iov_base: 0x4000, iov_len: 2 ** 40 }], 1, i)).toBe(MAX_RW_COUNT);
      } finally {
        destroyMemMap(m);
      }
    });
  },
);

describe('importUbuf', () => {
  test('caps the length at MAX_RW_COUNT', () => {
    const i = createIovIter();
    expect(importUbuf(ITER_SOURCE, mm, 0x1000, MAX_RW_COUNT + 4096, i)).toBe(0);
    expect([i.iter_type, i.count, i.ubuf, i.data_source]).toEqual([ITER_UBUF, MAX_RW_COUNT, 0x1000, true]);
  });

  test('beyond the address limit is -EFAULT', () => {
    const i = createIovIter();
    expect(importUbuf(READ, mm, TASK_SIZE - 100, 101, i)).toBe(EFAULT);
    expect(importUbuf(READ, mm, TASK_SIZE - 100, 100, i)).toBe(0);
  });

  test('a negative length or a bad direction throws', () => {
    expect(() => importUbuf(READ, mm, 0x1000, -1, createIovIter())).toThrow(/importUbuf\(len\)/);
    expect(() => importUbuf(7, mm, 0x1000, 1, createIovIter())).toThrow(/importUbuf\(type\)/);
  });
});
