import { warnOnOnceCount, warnOnOnceReset } from '@biopath/native';
import { PAGE_SIZE, type MemMap, type MmStruct } from '@biopath/mm';
import { closeMemMaps, openMemMaps } from './__fixtures__/mem-maps.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fakeFolioq } from './__fixtures__/folioq.ts';
import { iovIterAdvance } from './advance.ts';
import { iovIterAlignment, iovIterGapAlignment, iovIterIsAligned } from './alignment.ts';
import { ITER_DEST, ITER_SOURCE } from './constants.ts';
import {
  iovIterBvec, iovIterDiscard, iovIterFolioq, iovIterInit, iovIterKvec, iovIterUbuf, iovIterXarray,
} from './init.ts';
import { createIovIter } from './iov-iter.ts';
import { createXArray } from './xarray.ts';

let mem: MemMap;
let cur: MemMap;
let mm: MmStruct;
beforeAll(() => ({ mem, cur, mm } = openMemMaps()));
afterAll(() => closeMemMaps({ mem, cur, mm }));

/** A user address above 4 GiB with a low bit set, to catch 32-bit arithmetic. */
const HIGH = 0x7f12_3456_0000;

describe('iovIterAlignment', () => {
  test('UBUF: address | count, 0 when empty; bits above 32 survive', () => {
    const i = iovIterUbuf(createIovIter(), ITER_DEST, mm, HIGH + 0x200, 0x1000);
    expect(iovIterAlignment(i)).toBe(HIGH + 0x1200);
    expect(iovIterAlignment(i) & 511).toBe(0);
    iovIterAdvance(i, 4);
    expect(iovIterAlignment(i) & 511).toBe((0x204 | 0xffc) & 511);
    expect(Math.floor(iovIterAlignment(i) / 2 ** 32)).toBe(Math.floor(HIGH / 2 ** 32));
    iovIterAdvance(i, 0x1000);
    expect(iovIterAlignment(i)).toBe(0);
  });

  test('IOVEC/KVEC: OR of each non-empty segment start and clamped length', () => {
    const segs = [{ iov_base: 0x10000, iov_len: 512 }, { iov_base: 0x3, iov_len: 0 }, { iov_base: 0x20200, iov_len: 0x1000 }];
    for (const i of [
      iovIterInit(createIovIter(), ITER_DEST, mm, segs, 3, 512 + 0x800),
      iovIterKvec(createIovIter(), ITER_DEST, mem, segs, 3, 512 + 0x800),
    ]) {
      expect(iovIterAlignment(i)).toBe(0x10000 | 512 | 0x20200 | 0x800);
      iovIterAdvance(i, 8);
      expect(iovIterAlignment(i)).toBe((0x10008 | 504 | 0x20200 | 0x800));
    }
  });

  test('BVEC: bv_offset + skip and clamped lengths', () => {
    const i = iovIterBvec(createIovIter(), ITER_DEST, mem, [{ bv_page: 1, bv_len: 1024, bv_offset: 512 }, { bv_page: 1, bv_len: 4096, bv_offset: 0 }], 2, 1024 + 2048);
    expect(iovIterAlignment(i)).toBe(512 | 1024 | 0 | 2048);
  });

  test('XARRAY and FOLIOQ: position | count', () => {
    const x = iovIterXarray(createIovIter(), ITER_DEST, mem, createXArray(), 3 * PAGE_SIZE + 16, 8192);
    expect(iovIterAlignment(x)).toBe((3 * PAGE_SIZE + 16) | 8192);
    const f = iovIterFolioq(createIovIter(), ITER_SOURCE, cur, fakeFolioq([1]), 0, 64, 1000);
    expect(iovIterAlignment(f)).toBe(64 | 1000);
    expect(iovIterAlignment(iovIterDiscard(createIovIter(), ITER_DEST, 7))).toBe(0);
  });
});

describe('iovIterIsAligned', () => {
  test('UBUF: false if the address or the length hits its mask', () => {
    const i = iovIterUbuf(createIovIter(), ITER_DEST, mm, HIGH, 4096);
    expect(iovIterIsAligned(i, 511, 511)).toBe(true);
    iovIterAdvance(i, 4);
    expect(iovIterIsAligned(i, 3, 3)).toBe(true);
    expect(iovIterIsAligned(i, 7, 0)).toBe(false);
    expect(iovIterIsAligned(i, 0, 7)).toBe(false);
  });

  test('IOVEC: every remaining segment is checked, lengths clamped to count', () => {
    const segs = [{ iov_base: 0x1000, iov_len: 512 }, { iov_base: 0x2000, iov_len: 1000 }];
    const i = iovIterInit(createIovIter(), ITER_DEST, mm, segs, 2, 1024);
    expect(iovIterIsAligned(i, 511, 511)).toBe(true);
    const j = iovIterInit(createIovIter(), ITER_DEST, mm, segs, 2, 1512);
    expect(iovIterIsAligned(j, 511, 511)).toBe(false);
    const k = iovIterInit(createIovIter(), ITER_DEST, mm, [{ iov_base: 0x1000, iov_len: 512 }, { iov_base: 0x2100, iov_len: 512 }], 2, 1024);
    expect(iovIterIsAligned(k, 511, 0)).toBe(false);
  });

  test('BVEC uses bv_offset + skip as the address', () => {
    const i = iovIterBvec(createIovIter(), ITER_DEST, mem, [{ bv_page: 1, bv_len: 4096, bv_offset: 0 }], 1, 4096);
    expect(iovIterIsAligned(i, 511, 511)).toBe(true);
    iovIterAdvance(i, 100);
    expect(iovIterIsAligned(i, 511, 0)).toBe(false);
  });

  test('XARRAY and FOLIOQ check position and count', () => {
    const x = iovIterXarray(createIovIter(), ITER_DEST, mem, createXArray(), 512, 1024);
    expect(iovIterIsAligned(x, 511, 511)).toBe(true);
    expect(iovIterIsAligned(x, 1023, 0)).toBe(false);
    const f = iovIterFolioq(createIovIter(), ITER_DEST, cur, fakeFolioq([0]), 0, 100, 1000);
    expect(iovIterIsAligned(f, 7, 0)).toBe(false);
    expect(iovIterIsAligned(f, 0, 15)).toBe(false);
    expect(iovIterIsAligned(f, 3, 7)).toBe(true);
  });
});

describe('iovIterGapAlignment', () => {
  test('IOVEC: OR of each later non-empty start with the previous end', () => {
    const segs = [{ iov_base: 0x1000, iov_len: 0x800 }, { iov_base: 0x5000, iov_len: 0 }, { iov_base: 0x3000, iov_len: 0x100 }];
    const i = iovIterInit(createIovIter(), ITER_DEST, mm, segs, 3, 0x900);
    expect(iovIterGapAlignment(i)).toBe(0x3000 | 0x1800);
    const one = iovIterInit(createIovIter(), ITER_DEST, mm, segs, 3, 0x800);
    expect(iovIterGapAlignment(one)).toBe(0);
  });

  test('UBUF gives 0; other types WARN and give ~0', () => {
    expect(iovIterGapAlignment(iovIterUbuf(createIovIter(), ITER_DEST, mm, 0x1001, 3))).toBe(0);
    warnOnOnceReset();
    expect(iovIterGapAlignment(iovIterDiscard(createIovIter(), ITER_DEST, 3))).toBe(0xffffffff);
    expect(warnOnOnceCount()).toBe(1);
    warnOnOnceReset();
  });
});
