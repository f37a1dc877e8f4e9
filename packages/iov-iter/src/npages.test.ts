import { PAGE_SIZE, type MemMap, type MmStruct } from '@biopath/mm';
import { closeMemMaps, openMemMaps } from './__fixtures__/mem-maps.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fakeFolioq } from './__fixtures__/folioq.ts';
import { iovIterAdvance } from './advance.ts';
import { ITER_DEST } from './constants.ts';
import {
  iovIterBvec, iovIterDiscard, iovIterFolioq, iovIterInit, iovIterKvec, iovIterUbuf, iovIterXarray,
} from './init.ts';
import { createIovIter } from './iov-iter.ts';
import { iovIterNpages } from './npages.ts';
import { createXArray } from './xarray.ts';

let mem: MemMap;
let cur: MemMap;
let mm: MmStruct;
beforeAll(() => ({ mem, cur, mm } = openMemMaps()));
afterAll(() => closeMemMaps({ mem, cur, mm }));

describe('iovIterNpages', () => {
  test('UBUF: pages spanned from the current address, capped', () => {
    const i = iovIterUbuf(createIovIter(), ITER_DEST, mm, 0x10000 + 100, 8000);
    expect(iovIterNpages(i, 100)).toBe(2);
    expect(iovIterNpages(i, 1)).toBe(1);
    iovIterAdvance(i, 4000);
    expect(iovIterNpages(i, 100)).toBe(1);
    iovIterAdvance(i, 4000);
    expect(iovIterNpages(i, 100)).toBe(0);
  });

  test('IOVEC and KVEC count each segment on its own', () => {
    const segs = [{ iov_base: 0x10000 + 4000, iov_len: 200 }, { iov_base: 0x20000, iov_len: 0 }, { iov_base: 0x30000, iov_len: 4096 }];
    expect(iovIterNpages(iovIterInit(createIovIter(), ITER_DEST, mm, segs, 3, 4296), 100)).toBe(3);
    expect(iovIterNpages(iovIterKvec(createIovIter(), ITER_DEST, mem, segs, 3, 4296), 2)).toBe(2);
    expect(iovIterNpages(iovIterKvec(createIovIter(), ITER_DEST, mem, segs, 3, 200), 100)).toBe(2);
  });

  test('BVEC counts from bv_offset + skip', () => {
    const i = iovIterBvec(createIovIter(), ITER_DEST, mem, [{ bv_page: 1, bv_len: 10000, bv_offset: 512 }], 1, 10000);
    expect(iovIterNpages(i, 100)).toBe(3);
    iovIterAdvance(i, 3584);
    expect(iovIterNpages(i, 100)).toBe(2);
  });

  test('XARRAY and FOLIOQ count from the position in the first page; DISCARD has none', () => {
    expect(iovIterNpages(iovIterXarray(createIovIter(), ITER_DEST, mem, createXArray(), PAGE_SIZE - 1, 2), 9)).toBe(2);
    expect(iovIterNpages(iovIterFolioq(createIovIter(), ITER_DEST, cur, fakeFolioq([2]), 0, 10, 3 * PAGE_SIZE), 9)).toBe(4);
    expect(iovIterNpages(iovIterDiscard(createIovIter(), ITER_DEST, 9999), 9)).toBe(0);
  });
});
