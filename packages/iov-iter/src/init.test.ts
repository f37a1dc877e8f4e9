import { createMemMap, destroyMemMap, MmStruct, type MemMap } from '@biopath/mm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ITER_BVEC, ITER_DEST, ITER_DISCARD, ITER_IOVEC, ITER_KVEC, ITER_SOURCE, ITER_UBUF, ITER_XARRAY, READ, WRITE,
} from './constants.ts';
import { iovIterBvec, iovIterDiscard, iovIterInit, iovIterKvec, iovIterUbuf, iovIterXarray } from './init.ts';
import { createIovIter, iovIterRw, userBackedIter } from './iov-iter.ts';
import { createXArray } from './xarray.ts';

let mem: MemMap;
let mm: MmStruct;
beforeAll(() => {
  mem = createMemMap({ nrPages: 2 });
  mm = new MmStruct(mem);
});
afterAll(() => destroyMemMap(mem));

describe('constructors', () => {
  test('fill every field and clear what the previous type left behind', () => {
    const i = iovIterInit(createIovIter(), ITER_SOURCE, mm, [{ iov_base: 0x1000, iov_len: 10 }], 1, 10);
    i.iov_offset = 3;
    i.nofault = true;
    const shape = Object.keys(i).sort();
    iovIterKvec(i, ITER_DEST, mem, [{ iov_base: 0x1000, iov_len: 10 }], 1, 10);
    expect(Object.keys(i).sort()).toEqual(shape);
    expect([i.iter_type, i.__iov, i.mm, i.iov_offset, i.nofault, i.user_backed, i.data_source]).toEqual([ITER_KVEC, null, null, 0, false, false, false]);
  });

  test('record type, direction, count, segments and the memory they refer to', () => {
    const u = iovIterUbuf(createIovIter(), ITER_DEST, mm, 0x5000, 77);
    expect([u.iter_type, u.ubuf, u.count, u.nr_segs, u.mm, u.mem, u.user_backed]).toEqual([ITER_UBUF, 0x5000, 77, 1, mm, mem, true]);
    expect([iovIterRw(u), userBackedIter(u)]).toEqual([READ, true]);
    const v = iovIterInit(createIovIter(), ITER_SOURCE, mm, [], 0, 0);
    expect([v.iter_type, iovIterRw(v), v.user_backed]).toEqual([ITER_IOVEC, WRITE, true]);
    const b = iovIterBvec(createIovIter(), ITER_SOURCE, mem, [], 0, 0);
    expect([b.iter_type, b.mem, userBackedIter(b)]).toEqual([ITER_BVEC, mem, false]);
    const xa = createXArray<number>();
    const x = iovIterXarray(createIovIter(), ITER_DEST, mem, xa, 12345, 6);
    expect([x.iter_type, x.xarray, x.xarray_start, x.iov_offset]).toEqual([ITER_XARRAY, xa, 12345, 0]);
    const d = iovIterDiscard(createIovIter(), READ, 9);
    expect([d.iter_type, d.count, d.mem, d.data_source]).toEqual([ITER_DISCARD, 9, null, false]);
  });

  test('bad arguments throw, naming the function and argument', () => {
    const i = createIovIter();
    expect(() => iovIterUbuf(i, 2, mm, 0, 1)).toThrow(/EINVAL: iovIterUbuf\(direction\)/);
    expect(() => iovIterUbuf(i, READ, mm, 0, -1)).toThrow(/iovIterUbuf\(count\)/);
    expect(() => iovIterUbuf(i, READ, mm, -4096, 1)).toThrow(/iovIterUbuf\(buf\)/);
    expect(() => iovIterInit(i, READ, mm, [], 1, 0)).toThrow(/iovIterInit\(nr_segs\): 1 > 0 segments/);
    expect(() => iovIterBvec(i, READ, mem, [], 0, 1.5)).toThrow(/iovIterBvec\(count\)/);
    expect(() => iovIterXarray(i, READ, mem, createXArray(), -1, 0)).toThrow(/iovIterXarray\(start\)/);
    expect(() => iovIterDiscard(i, WRITE, 1)).toThrow(/EINVAL: iovIterDiscard\(direction\): a discard iterator is READ only/);
  });
});
