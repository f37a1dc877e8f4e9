import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SgTable } from '@biopath/block';
import { propertyParams } from '@biopath/testing';
import { MAX_RW_COUNT, sgCoalesce } from './sg-coalesce.ts';

function table(entries: [number, number][]): SgTable {
  const sg = new SgTable(Math.max(entries.length, 1));
  entries.forEach(([iova, len], i) => {
    sg.iova[i] = iova;
    sg.len[i] = len;
    sg.pfn[i] = Math.floor(iova / 4096);
    sg.offset[i] = iova % 4096;
  });
  sg.nents = entries.length;
  return sg;
}

const ranges = (sg: SgTable): [number, number][] => Array.from({ length: sg.nents }, (_, i) => [sg.iova[i]!, sg.len[i]!]);

describe('sgCoalesce', () => {
  it('joins adjacent segments and keeps the first piece\'s pfn/offset', () => {
    const sg = table([[0x10000, 65536], [0x20000, 65536], [0x40000, 4096], [0x41000, 512], [0x50000, 4096]]);
    expect(sgCoalesce(sg)).toBe(3);
    expect(ranges(sg)).toEqual([[0x10000, 131072], [0x40000, 4608], [0x50000, 4096]]);
    expect([sg.pfn[1], sg.offset[1], sg.pfn[2]]).toEqual([0x40, 0, 0x50]);
  });

  it('leaves scattered segments, and 0 or 1 entries, alone', () => {
    expect(sgCoalesce(table([]))).toBe(0);
    expect(sgCoalesce(table([[4096, 4096]]))).toBe(1);
    const sg = table([[0, 4096], [8192, 4096], [4096, 4096]]);
    expect(sgCoalesce(sg)).toBe(3);
    expect(ranges(sg)).toEqual([[0, 4096], [8192, 4096], [4096, 4096]]);
  });

  it('stops a range at MAX_RW_COUNT', () => {
    const big = 0x40000000;
    const sg = table([[0, big], [big, big], [2 * big, 4096]]);
    expect(sgCoalesce(sg)).toBe(2);
    expect(ranges(sg)).toEqual([[0, big], [big, big + 4096]]);
    expect(sg.len[0]! + sg.len[1]!).toBeGreaterThan(MAX_RW_COUNT);
  });

  it('property: same bytes in the same order, no two adjacent entries left joinable', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 16 })), { minLength: 1, maxLength: 40 }), (spec) => {
      let at = 0x100000;
      const entries: [number, number][] = spec.map(([adj, pages]) => {
        if (!adj) at += 4096 * 7;
        const e: [number, number] = [at, pages * 4096];
        at += pages * 4096;
        return e;
      });
      const sg = table(entries);
      const before = entries.flatMap(([a, l]) => Array.from({ length: l / 4096 }, (_, k) => a + k * 4096));
      sgCoalesce(sg);
      const after = ranges(sg).flatMap(([a, l]) => Array.from({ length: l / 4096 }, (_, k) => a + k * 4096));
      expect(after).toEqual(before);
      for (let i = 1; i < sg.nents; i++) expect(sg.iova[i - 1]! + sg.len[i - 1]!).not.toBe(sg.iova[i]);
      expect(sg.nents).toBe(1 + spec.slice(1).filter(([adj]) => !adj).length);
    }), propertyParams({ numRuns: 200 }));
  });
});
