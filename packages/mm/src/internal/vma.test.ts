import { describe, expect, it } from 'vitest';
import {
  findVma, insertVma, isCowMapping, rangeFullyMapped, splitVmaAt, VM_MAYWRITE, VM_READ, VM_SHARED, type Vma,
} from './vma.ts';

const vma = (start: number, end: number, flags = VM_READ | VM_MAYWRITE): Vma => ({
  start, end, flags, shmem: null, pgoff: 0, folioOrder: 0, hugetlbOrder: 0,
});

describe('VMA list', () => {
  it('finds by containment and keeps address order on insert', () => {
    const vmas: Vma[] = [];
    insertVma(vmas, vma(0x3000, 0x5000));
    insertVma(vmas, vma(0x1000, 0x2000));
    insertVma(vmas, vma(0x8000, 0x9000));
    expect(vmas.map((v) => v.start)).toEqual([0x1000, 0x3000, 0x8000]);
    expect(findVma(vmas, 0x4fff)?.start).toBe(0x3000);
    expect(findVma(vmas, 0x5000)).toBeNull();
    expect(findVma(vmas, 0x0fff)).toBeNull();
  });

  it('splits at an address, carrying the shmem page offset and user count', () => {
    const obj = { pages: new Map<number, number>(), users: 1, p2pdma: false };
    const vmas: Vma[] = [{ ...vma(0x10000, 0x14000, VM_SHARED | VM_MAYWRITE), shmem: obj, pgoff: 3 }];
    splitVmaAt(vmas, 0x12000);
    splitVmaAt(vmas, 0x12000);
    expect(vmas.map((v) => [v.start, v.end, v.pgoff])).toEqual([[0x10000, 0x12000, 3], [0x12000, 0x14000, 5]]);
    expect(obj.users).toBe(2);
  });

  it('detects holes and COW mappings', () => {
    const vmas = [vma(0x1000, 0x2000), vma(0x2000, 0x3000, VM_SHARED | VM_MAYWRITE), vma(0x4000, 0x5000)];
    expect(rangeFullyMapped(vmas, 0x1000, 0x3000)).toBe(true);
    expect(rangeFullyMapped(vmas, 0x1000, 0x4001)).toBe(false);
    expect(isCowMapping(vmas[0]!)).toBe(true);
    expect(isCowMapping(vmas[1]!)).toBe(false);
  });
});
