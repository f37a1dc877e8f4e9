import { warnOnOnceCount, warnOnOnceReset } from '@biopath/native';
import { createMemMap, destroyMemMap, MmStruct, type MemMap } from '@biopath/mm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { iovIterAdvance } from './advance.ts';
import { ITER_DEST } from './constants.ts';
import { iovIterBvec, iovIterDiscard, iovIterInit, iovIterKvec, iovIterUbuf, iovIterXarray } from './init.ts';
import { createIovIter, type IovIter } from './iov-iter.ts';
import { iovIterReexpand, iovIterRestore, iovIterSaveState, iovIterTruncate } from './state.ts';
import { createXArray } from './xarray.ts';

let mem: MemMap;
let mm: MmStruct;
beforeAll(() => {
  mem = createMemMap({ nrPages: 2 });
  mm = new MmStruct(mem);
});
afterAll(() => destroyMemMap(mem));

const segs = [{ iov_base: 0x1000, iov_len: 10 }, { iov_base: 0x3000, iov_len: 20 }, { iov_base: 0x8000, iov_len: 30 }];

describe('truncate and reexpand', () => {
  test('truncate only ever shrinks count; reexpand sets it back', () => {
    const i = iovIterUbuf(createIovIter(), ITER_DEST, mm, 0x4000, 1000);
    iovIterTruncate(i, 5000);
    expect(i.count).toBe(1000);
    iovIterTruncate(i, 300);
    expect(i.count).toBe(300);
    iovIterAdvance(i, 1000);
    expect(i.iov_offset).toBe(300);
    iovIterReexpand(i, 700);
    expect([i.count, i.iov_offset]).toEqual([700, 300]);
  });

  test('negative counts are refused', () => {
    const i = iovIterDiscard(createIovIter(), ITER_DEST, 10);
    expect(() => iovIterTruncate(i, -1)).toThrow(/iovIterTruncate\(count\)/);
    expect(() => iovIterReexpand(i, -1)).toThrow(/iovIterReexpand\(count\)/);
  });
});

const restorable: [string, () => IovIter][] = [
  ['ITER_UBUF', () => iovIterUbuf(createIovIter(), ITER_DEST, mm, 0x4000, 60)],
  ['ITER_IOVEC', () => iovIterInit(createIovIter(), ITER_DEST, mm, segs, 3, 60)],
  ['ITER_KVEC', () => iovIterKvec(createIovIter(), ITER_DEST, mem, segs, 3, 60)],
  ['ITER_BVEC', () => iovIterBvec(createIovIter(), ITER_DEST, mem, segs.map((s) => ({ bv_page: 1, bv_len: s.iov_len, bv_offset: 0 })), 3, 60)],
];

describe.each(restorable)('save/restore on %s', (_name, make) => {
  test('restore brings back the saved position after advancing across segments', () => {
    const i = make();
    iovIterAdvance(i, 5);
    const state = iovIterSaveState(i);
    const saved = [i.count, i.iov_offset, i.nr_segs, i.seg];
    iovIterAdvance(i, 41);
    expect(i.count).toBe(14);
    iovIterRestore(i, state);
    expect([i.count, i.iov_offset, i.nr_segs, i.seg]).toEqual(saved);
  });

  test('save can fill an existing state object', () => {
    const state = { iov_offset: -1, count: -1, nr_segs: -1 };
    const i = make();
    iovIterAdvance(i, 12);
    expect(iovIterSaveState(i, state)).toBe(state);
    expect(state).toEqual({ iov_offset: i.iov_offset, count: 48, nr_segs: i.nr_segs });
  });
});

describe('restore on types without segments to rewind', () => {
  test('ITER_XARRAY WARNs and is left alone', () => {
    warnOnOnceReset();
    const i = iovIterXarray(createIovIter(), ITER_DEST, mem, createXArray(), 0, 100);
    const state = iovIterSaveState(i);
    iovIterAdvance(i, 10);
    iovIterRestore(i, state);
    expect(i.count).toBe(90);
    expect(warnOnOnceCount()).toBe(1);
    warnOnOnceReset();
  });
});
