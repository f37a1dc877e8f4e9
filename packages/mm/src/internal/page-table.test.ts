import { describe, expect, it } from 'vitest';
import { PageTable, PTE_PRESENT, PTE_WRITE, PTRS_PER_PTE } from './page-table.ts';

describe('PageTable', () => {
  it('maps, reads back, updates bits and clears, including above 2^32 virtual pages', () => {
    const pt = new PageTable();
    const vpn = 2 ** 34 + 5;
    expect(pt.pfn(vpn)).toBe(-1);
    pt.set(vpn, 42, PTE_WRITE);
    expect(pt.pfn(vpn)).toBe(42);
    expect(pt.bits(vpn)).toBe(PTE_WRITE | PTE_PRESENT);
    pt.setBits(vpn, 0);
    expect(pt.bits(vpn)).toBe(PTE_PRESENT);
    expect(pt.pfn(vpn + 1)).toBe(-1);
    pt.clear(vpn);
    expect(pt.pfn(vpn)).toBe(-1);
    expect(pt.bits(vpn)).toBe(0);
    expect(pt.leaf(vpn)).toBeUndefined();
  });

  it('walks present entries of a range in address order across leaf tables', () => {
    const pt = new PageTable();
    const base = 7 * PTRS_PER_PTE - 2;
    const mapped = [base, base + 1, base + 3, base + PTRS_PER_PTE + 10, 1e9];
    for (const v of mapped) pt.set(v, v % 1000, 0);
    const seen: number[] = [];
    pt.walk(base + 1, base + PTRS_PER_PTE + 11, (v) => seen.push(v));
    expect(seen).toEqual([base + 1, base + 3, base + PTRS_PER_PTE + 10]);
    const all: number[] = [];
    pt.walk(0, 2e9, (v) => all.push(v));
    expect(all).toEqual(mapped);
  });
});
