import { warnOnOnceCount, warnOnOnceReset } from '@biopath/native';
import { PAGE_SIZE, type MemMap, type MmStruct } from '@biopath/mm';
import { closeMemMaps, openMemMaps } from './__fixtures__/mem-maps.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fakeFolioq } from './__fixtures__/folioq.ts';
import { iovIterAdvance } from './advance.ts';
import { ITER_DEST, MAX_RW_COUNT } from './constants.ts';
import { PAGEVEC_SIZE } from './folio-queue.ts';
import {
  iovIterBvec, iovIterDiscard, iovIterFolioq, iovIterInit, iovIterKvec, iovIterUbuf, iovIterXarray,
} from './init.ts';
import { createIovIter, type IovIter } from './iov-iter.ts';
import { iovIterRevert } from './revert.ts';
import { createXArray } from './xarray.ts';

let mem: MemMap;
let cur: MemMap;
let mm: MmStruct;
beforeAll(() => ({ mem, cur, mm } = openMemMaps()));
afterAll(() => closeMemMaps({ mem, cur, mm }));

const LENS = [3, 0, 5, 1, 0, 4];
const TOTAL = 13;

/** Every field advance/revert may touch. */
function position(i: IovIter): unknown[] {
  return [i.count, i.iov_offset, i.nr_segs, i.seg, i.folioq, i.folioq_slot];
}

const types: [string, () => IovIter][] = [
  ['ITER_UBUF', () => iovIterUbuf(createIovIter(), ITER_DEST, mm, 0x5000, TOTAL)],
  ['ITER_IOVEC', () => iovIterInit(createIovIter(), ITER_DEST, mm, LENS.map((l) => ({ iov_base: 0x9000, iov_len: l })), 6, TOTAL)],
  ['ITER_KVEC', () => iovIterKvec(createIovIter(), ITER_DEST, mem, LENS.map((l) => ({ iov_base: 0x9000, iov_len: l })), 6, TOTAL)],
  ['ITER_BVEC', () => iovIterBvec(createIovIter(), ITER_DEST, mem, LENS.map((l) => ({ bv_page: 1, bv_len: l, bv_offset: 0 })), 6, TOTAL)],
  ['ITER_XARRAY', () => iovIterXarray(createIovIter(), ITER_DEST, mem, createXArray(), 77, TOTAL)],
  ['ITER_DISCARD', () => iovIterDiscard(createIovIter(), ITER_DEST, TOTAL)],
];

describe.each(types)('revert on %s', (_name, make) => {
  test('is the exact inverse of advance from every position, for every length', () => {
    for (let p = 0; p <= TOTAL; p++) {
      for (let n = 0; n <= TOTAL - p; n++) {
        const i = make();
        iovIterAdvance(i, p);
        const before = position(i);
        iovIterAdvance(i, n);
        iovIterRevert(i, n);
        expect(position(i), `advance ${p}, then ${n} and back`).toEqual(before);
        iovIterRevert(i, p);
        iovIterAdvance(i, p);
        expect(position(i), `revert ${p} then advance ${p}`).toEqual(before);
      }
    }
  });

  test('reverting 0 changes nothing', () => {
    const i = make();
    iovIterAdvance(i, 4);
    const before = position(i);
    iovIterRevert(i, 0);
    expect(position(i)).toEqual(before);
  });

  test('more than MAX_RW_COUNT WARNs and is ignored', () => {
    warnOnOnceReset();
    const i = make();
    iovIterAdvance(i, 4);
    const before = position(i);
    iovIterRevert(i, MAX_RW_COUNT + 1);
    expect(position(i)).toEqual(before);
    expect(warnOnOnceCount()).toBe(1);
    warnOnOnceReset();
  });
});

describe.each(types.filter(([n]) => n !== 'ITER_DISCARD'))('revert before the start of %s', (_name, make) => {
  test('throws (a kernel BUG) and leaves the iterator as it was', () => {
    const i = make();
    iovIterAdvance(i, 4);
    const before = position(i);
    expect(() => iovIterRevert(i, 5)).toThrow(/EINVAL: iovIterRevert\(unroll\): goes before the start/);
    expect(position(i)).toEqual(before);
  });
});

describe('revert on ITER_FOLIOQ', () => {
  test('is the exact inverse of advance across folios of mixed sizes and segments', () => {
    const orders = [...Array<number>(PAGEVEC_SIZE - 1).fill(0), 1, 0, 2];
    const total = (PAGEVEC_SIZE - 1 + 2 + 1 + 4) * PAGE_SIZE;
    const make = (): IovIter => iovIterFolioq(createIovIter(), ITER_DEST, cur, fakeFolioq(orders), PAGEVEC_SIZE - 2, 0, 5 * PAGE_SIZE + 4 * PAGE_SIZE);
    const steps = [0, 1, PAGE_SIZE - 1, PAGE_SIZE, PAGE_SIZE + 1, 3 * PAGE_SIZE, 4 * PAGE_SIZE + 7, 9 * PAGE_SIZE];
    expect(total).toBeGreaterThan(9 * PAGE_SIZE);
    for (const p of steps) {
      for (const n of steps) {
        if (p + n > 9 * PAGE_SIZE) continue;
        const i = make();
        iovIterAdvance(i, p);
        const before = position(i);
        iovIterAdvance(i, n);
        iovIterRevert(i, n);
        expect(position(i), `advance ${p}, then ${n} and back`).toEqual(before);
      }
    }
  });

  test('going before the first segment throws', () => {
    const i = iovIterFolioq(createIovIter(), ITER_DEST, cur, fakeFolioq([0, 0]), 0, 0, 2 * PAGE_SIZE);
    iovIterAdvance(i, 10);
    expect(() => iovIterRevert(i, 11)).toThrow(/before the start of the ITER_FOLIOQ/);
    expect(i.count).toBe(2 * PAGE_SIZE - 10);
  });
});
