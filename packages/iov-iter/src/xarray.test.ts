import { propertyParams } from '@biopath/testing';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  XA_MARK_0, XA_MARK_1, createXArray, xaClearMark, xaEmpty, xaErase, xaFind, xaFindMarked, xaForEach, xaGetMark,
  xaLoad, xaSetMark, xaStore, xasInit, xasLoad, xasNext, type XArray, type XaState,
} from './xarray.ts';

function xaSetMarkAll(xa: XArray<number>, idx: number[], mark: number): void {
  for (const k of idx) xaSetMark(xa, k, mark);
}

describe('xarray: single-index entries', () => {
  test('store, load and erase at small and large indices', () => {
    const xa = createXArray<number>();
    expect(xaEmpty(xa)).toBe(true);
    expect(xaStore(xa, 5, 50)).toBeNull();
    expect(xaStore(xa, 2 ** 40 + 3, 7)).toBeNull();
    expect(xaLoad(xa, 5)).toBe(50);
    expect(xaLoad(xa, 2 ** 40 + 3)).toBe(7);
    expect(xaLoad(xa, 6)).toBeNull();
    expect(xaStore(xa, 5, 51)).toBe(50);
    expect(xaErase(xa, 5)).toBe(51);
    expect(xaLoad(xa, 5)).toBeNull();
    expect(xaErase(xa, 2 ** 40 + 3)).toBe(7);
    expect(xaEmpty(xa)).toBe(true);
  });

  test('nodes are 64-way: index 63 fits one level, 64 needs a second, and erasing shrinks back', () => {
    const xa = createXArray<number>();
    xaStore(xa, 63, 1);
    expect(xa.xa_head!.shift).toBe(0);
    xaStore(xa, 64, 2);
    expect(xa.xa_head!.shift).toBe(6);
    expect(xa.xa_head!.count).toBe(2);
    xaErase(xa, 64);
    expect(xa.xa_head!.shift).toBe(0);
    expect(xaLoad(xa, 63)).toBe(1);
  });

  test('storing null erases', () => {
    const xa = createXArray<string>();
    xaStore(xa, 1000, 'a');
    expect(xaStore(xa, 1000, null)).toBe('a');
    expect(xaEmpty(xa)).toBe(true);
  });

  test('bad indices are refused at the edge', () => {
    const xa = createXArray<number>();
    expect(() => xaStore(xa, -1, 1)).toThrow(/EINVAL: xaStore\(index\)/);
    expect(() => xaStore(xa, 1.5, 1)).toThrow(/EINVAL/);
    expect(() => xaStore(xa, 0, 1, -1)).toThrow(/xaStore\(order\)/);
    expect(xaLoad(xa, -1)).toBeNull();
  });
});

describe('xarray: multi-index entries', () => {
  test('an order-2 entry covers its four aligned indices and is erased as a whole', () => {
    const xa = createXArray<number>();
    xaStore(xa, 9, 900, 2);
    for (const k of [8, 9, 10, 11]) expect(xaLoad(xa, k)).toBe(900);
    expect(xaLoad(xa, 7)).toBeNull();
    expect(xaLoad(xa, 12)).toBeNull();
    expect(xaErase(xa, 10)).toBe(900);
    for (const k of [8, 9, 10, 11]) expect(xaLoad(xa, k)).toBeNull();
  });

  test('an entry of order 7 spans two slots of a shift-6 node', () => {
    const xa = createXArray<number>();
    xaStore(xa, 128, 1, 7);
    expect(xaLoad(xa, 128)).toBe(1);
    expect(xaLoad(xa, 255)).toBe(1);
    expect(xaLoad(xa, 256)).toBeNull();
    expect(xaLoad(xa, 127)).toBeNull();
  });

  test('storing inside a larger entry first erases that whole entry', () => {
    const xa = createXArray<number>();
    xaStore(xa, 0, 1, 3);
    expect(xaStore(xa, 2, 2)).toBe(1);
    expect(xaLoad(xa, 2)).toBe(2);
    expect(xaLoad(xa, 0)).toBeNull();
    expect(xaLoad(xa, 7)).toBeNull();
  });

  test('xaForEach visits a multi-index entry once, at its first index in range', () => {
    const xa = createXArray<number>();
    xaStore(xa, 4, 40, 2);
    xaStore(xa, 9, 90);
    xaStore(xa, 200, 2000);
    const seen: [number, number][] = [];
    xaForEach(xa, 5, 199, (k, e) => seen.push([k, e]));
    expect(seen).toEqual([[5, 40], [9, 90]]);
  });
});

describe('xarray: find and marks', () => {
  test('xaFind returns the first present index at or after start, within max', () => {
    const xa = createXArray<number>();
    xaStore(xa, 3, 1);
    xaStore(xa, 5000, 2);
    expect(xaFind(xa, 0)).toBe(3);
    expect(xaFind(xa, 4)).toBe(5000);
    expect(xaFind(xa, 4, 4999)).toBe(-1);
    expect(xaFind(xa, 5001)).toBe(-1);
  });

  test('marks are per entry, propagate to the root and are found by search', () => {
    const xa = createXArray<number>();
    for (let k = 0; k < 300; k++) xaStore(xa, k, k);
    xaSetMarkAll(xa, [17, 250], XA_MARK_0);
    expect(xaGetMark(xa, 17, XA_MARK_0)).toBe(true);
    expect(xaGetMark(xa, 17, XA_MARK_1)).toBe(false);
    expect(xaFindMarked(xa, 0, 1000, XA_MARK_0)).toBe(17);
    expect(xaFindMarked(xa, 18, 1000, XA_MARK_0)).toBe(250);
    xaClearMark(xa, 250, XA_MARK_0);
    expect(xaFindMarked(xa, 18, 1000, XA_MARK_0)).toBe(-1);
    xaErase(xa, 17);
    expect(xaFindMarked(xa, 0, 1000, XA_MARK_0)).toBe(-1);
    xaStore(xa, 17, 17);
    expect(xaGetMark(xa, 17, XA_MARK_0)).toBe(false);
  });

  test('replacing an entry keeps its marks', () => {
    const xa = createXArray<number>();
    xaStore(xa, 70, 1);
    xaSetMarkAll(xa, [70], XA_MARK_1);
    xaStore(xa, 70, 2);
    expect(xaGetMark(xa, 70, XA_MARK_1)).toBe(true);
  });
});

describe('xarray: cursor', () => {
  test('xasNext walks consecutive indices and stops at a hole', () => {
    const xa = createXArray<number>();
    for (let k = 60; k < 70; k++) xaStore(xa, k, k * 10);
    const xas: XaState<number> = xasInit({ xa, xa_index: 0, xa_node: null, xa_offset: 0 }, xa, 60);
    const got: number[] = [];
    for (let e = xasLoad(xas); e !== null; e = xasNext(xas)) got.push(e);
    expect(got).toEqual([600, 610, 620, 630, 640, 650, 660, 670, 680, 690]);
    expect(xas.xa_index).toBe(70);
  });

  test('xasNext returns a multi-index entry for each index it covers', () => {
    const xa = createXArray<number>();
    xaStore(xa, 4, 1, 2);
    xaStore(xa, 8, 2);
    const xas = xasInit({ xa, xa_index: 0, xa_node: null, xa_offset: 0 }, xa, 5);
    const got: number[] = [];
    for (let e = xasLoad(xas); e !== null; e = xasNext(xas)) got.push(e);
    expect(got).toEqual([1, 1, 1, 2]);
  });
});

describe('xarray agrees with a Map under random stores and erases', () => {
  test('property', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('store' as const), index: fc.nat(5000), order: fc.nat(3), v: fc.nat(1000) }),
      fc.record({ kind: fc.constant('erase' as const), index: fc.nat(5000), order: fc.constant(0), v: fc.constant(0) }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const xa = createXArray<number>();
      const model = new Map<number, { first: number; size: number; v: number }>();
      const dissolve = (k: number): void => {
        const e = model.get(k);
        if (e) for (let j = e.first; j < e.first + e.size; j++) model.delete(j);
      };
      for (const o of ops) {
        const size = 2 ** o.order;
        const first = Math.floor(o.index / size) * size;
        if (o.kind === 'erase') {
          const before = model.get(o.index)?.v ?? null;
          expect(xaErase(xa, o.index)).toBe(before);
          dissolve(o.index);
        } else {
          const same = model.get(first);
          const exact = same !== undefined && same.first === first && same.size === size;
          for (let j = first; j < first + size && !exact; j++) dissolve(j);
          const e = { first, size, v: o.v };
          for (let j = first; j < first + size; j++) model.set(j, e);
          xaStore(xa, o.index, o.v, o.order);
        }
      }
      const got: (number | null)[] = [];
      const want: (number | null)[] = [];
      for (let k = 0; k < 5010; k++) {
        got.push(xaLoad(xa, k));
        want.push(model.get(k)?.v ?? null);
      }
      expect(got).toEqual(want);
      const firstKey = [...model.keys()].sort((a, b) => a - b)[0] ?? -1;
      expect(xaFind(xa, 0)).toBe(firstKey);
      expect(xaEmpty(xa)).toBe(model.size === 0);
    }), propertyParams({ numRuns: 150 }));
  });
});
