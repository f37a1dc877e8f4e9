import { PAGE_SIZE, type MemMap, type MmStruct } from '@biopath/mm';
import { closeMemMaps, openMemMaps } from './__fixtures__/mem-maps.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { iovIterAdvance } from './advance.ts';
import { ITER_DEST, ITER_SOURCE } from './constants.ts';
import { fakeFolioq } from './__fixtures__/folioq.ts';
import { PAGEVEC_SIZE } from './folio-queue.ts';
import {
  iovIterBvec, iovIterDiscard, iovIterFolioq, iovIterInit, iovIterKvec, iovIterUbuf, iovIterXarray,
} from './init.ts';
import { createIovIter, type IovIter } from './iov-iter.ts';
import { createXArray } from './xarray.ts';

let mem: MemMap;
let cur: MemMap;
let mm: MmStruct;
beforeAll(() => ({ mem, cur, mm } = openMemMaps()));
afterAll(() => closeMemMaps({ mem, cur, mm }));

/** Segment lengths shared by the vector types: an empty segment in the middle and one at the end. */
const LENS = [100, 4096, 0, 50, 0];
const TOTAL = LENS.reduce((a, b) => a + b, 0);

const vectors: [string, () => IovIter][] = [
  ['ITER_IOVEC', () => iovIterInit(createIovIter(), ITER_DEST, mm, LENS.map((l, k) => ({ iov_base: 0x10000 * (k + 1), iov_len: l })), LENS.length, TOTAL)],
  ['ITER_KVEC', () => iovIterKvec(createIovIter(), ITER_SOURCE, mem, LENS.map((l, k) => ({ iov_base: 0x10000 * (k + 1), iov_len: l })), LENS.length, TOTAL)],
  ['ITER_BVEC', () => iovIterBvec(createIovIter(), ITER_DEST, mem, LENS.map((l, k) => ({ bv_page: k, bv_len: l, bv_offset: 8 })), LENS.length, TOTAL)],
];

describe.each(vectors)('advance over %s segments', (_name, make) => {
  test('within a segment only iov_offset and count move', () => {
    const i = make();
    iovIterAdvance(i, 60);
    expect([i.seg, i.iov_offset, i.nr_segs, i.count]).toEqual([0, 60, 5, TOTAL - 60]);
  });

  test('consuming a segment exactly moves to the next one at offset 0', () => {
    const i = make();
    iovIterAdvance(i, 100);
    expect([i.seg, i.iov_offset, i.nr_segs]).toEqual([1, 0, 4]);
  });

  test('empty segments are walked over and nr_segs drops by the segments left behind', () => {
    const i = make();
    iovIterAdvance(i, 100 + 4096 + 10);
    expect([i.seg, i.iov_offset, i.nr_segs, i.count]).toEqual([3, 10, 2, 40]);
  });

  test('advancing past count is clamped; at count 0 nothing moves', () => {
    const i = make();
    iovIterAdvance(i, TOTAL + 999);
    expect(i.count).toBe(0);
    const before = [i.seg, i.iov_offset, i.nr_segs];
    iovIterAdvance(i, 5);
    expect([i.seg, i.iov_offset, i.nr_segs]).toEqual(before);
  });

  test('a negative size is refused', () => {
    expect(() => iovIterAdvance(make(), -1)).toThrow(/EINVAL: iovIterAdvance\(size\)/);
  });
});

describe('advance of single-range and sink iterators', () => {
  test('ITER_UBUF moves iov_offset from the buffer start', () => {
    const i = iovIterUbuf(createIovIter(), ITER_DEST, mm, 0x7000, 10000);
    iovIterAdvance(i, 4096);
    iovIterAdvance(i, 100);
    expect([i.iov_offset, i.count, i.nr_segs]).toEqual([4196, 5804, 1]);
  });

  test('ITER_XARRAY moves iov_offset from xarray_start', () => {
    const i = iovIterXarray(createIovIter(), ITER_DEST, mem, createXArray(), 3 * PAGE_SIZE + 5, 20000);
    iovIterAdvance(i, 30000);
    expect([i.iov_offset, i.count, i.xarray_start]).toEqual([20000, 0, 3 * PAGE_SIZE + 5]);
  });

  test('ITER_DISCARD only counts', () => {
    const i = iovIterDiscard(createIovIter(), ITER_DEST, 500);
    iovIterAdvance(i, 200);
    expect([i.count, i.iov_offset]).toEqual([300, 0]);
  });
});

describe('advance over ITER_FOLIOQ slots', () => {
  test('steps folio by folio (of their own sizes) and into the next segment', () => {
    const orders = [...Array<number>(PAGEVEC_SIZE - 1).fill(0), 2, 1];
    const fq = fakeFolioq(orders);
    const total = (PAGEVEC_SIZE - 1) * PAGE_SIZE + 4 * PAGE_SIZE + 2 * PAGE_SIZE;
    const i = iovIterFolioq(createIovIter(), ITER_DEST, cur, fq, 0, 0, total);
    iovIterAdvance(i, (PAGEVEC_SIZE - 1) * PAGE_SIZE + 100);
    expect([i.folioq === fq, i.folioq_slot, i.iov_offset]).toEqual([true, PAGEVEC_SIZE - 1, 100]);
    iovIterAdvance(i, 4 * PAGE_SIZE - 100);
    expect([i.folioq === fq.next, i.folioq_slot, i.iov_offset]).toEqual([true, 0, 0]);
    iovIterAdvance(i, 2 * PAGE_SIZE);
    expect([i.folioq_slot, i.iov_offset, i.count]).toEqual([1, 0, 0]);
  });

  test('an iterator created at the slot past a full segment continues in the next one', () => {
    const fq = fakeFolioq(Array<number>(PAGEVEC_SIZE + 2).fill(0));
    const i = iovIterFolioq(createIovIter(), ITER_DEST, cur, fq, PAGEVEC_SIZE, 0, 2 * PAGE_SIZE);
    iovIterAdvance(i, PAGE_SIZE + 1);
    expect([i.folioq === fq.next, i.folioq_slot, i.iov_offset]).toEqual([true, 1, 1]);
  });
});
