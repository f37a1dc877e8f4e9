/**
 * hugetlb pools (nr_hugepages per size) hand huge folios to MAP_HUGETLB mappings, which map them
 * whole (one entire mapping, one reference) and give them back to the pool, not the buddy allocator.
 */
import { describe, expect, it } from 'vitest';
import {
  FOLL_WRITE, HPAGE_PMD_ORDER, MADV_HUGEPAGE, PAGE_SIZE, createMemMap, destroyMemMap, hugetlbPoolStats,
  pinUserPagesFast, setNrHugepages, unpinUserPages,
} from '../src/index.ts';
import { codeOf, withMm } from './helpers.ts';

const HPAGE = PAGE_SIZE << HPAGE_PMD_ORDER;
const POOL = { nrPages: 4096, nrHugepages: { '2M': 2 } } as const;


describe('pools', () => {
  it('are sized at creation and by setNrHugepages, as far as aligned free blocks allow', () => {
    withMm(POOL, ({ mem }) => {
      expect(hugetlbPoolStats(mem, '2M')).toEqual({ size: '2M', nr_hugepages: 2, free_hugepages: 2 });
      const nrFree = mem.nrFree;
      expect(setNrHugepages(mem, '2M', 3)).toBe(3);
      expect(mem.nrFree).toBe(nrFree - 512);
      expect(setNrHugepages(mem, '2M', 100)).toBeLessThan(8);
      expect(setNrHugepages(mem, '2M', 2)).toBe(2);
      expect(mem.nrFree).toBe(nrFree);
      expect(setNrHugepages(mem, '1G', 1)).toBe(0);
    });
  });

  it('a 1 GiB page needs a 1 GiB-aligned free block: one at nrPages 2^19', () => {
    const mem = createMemMap({ nrPages: 1 << 19, nrHugepages: { '1G': 2 } });
    try {
      expect(hugetlbPoolStats(mem, '1G')).toEqual({ size: '1G', nr_hugepages: 1, free_hugepages: 1 });
      expect(mem.order[1 << 18]).toBe(18);
    } finally {
      destroyMemMap(mem);
    }
  });

  it('reject bad sizes and counts with EINVAL', () => {
    withMm(POOL, ({ mem }) => {
      expect(() => setNrHugepages(mem, '4M' as never, 1)).toThrow(/EINVAL: setNrHugepages\(size\)/);
      expect(() => setNrHugepages(mem, '2M', -1)).toThrow(/EINVAL: setNrHugepages\(nr\)/);
    });
    expect(() => createMemMap({ nrPages: 8, nrHugepages: { '3M': 1 } as never })).toThrow(/EINVAL: createMemMap\(nrHugepages\)/);
    expect(() => createMemMap({ nrPages: 8, vmsplice: 'FOLL_X' as never })).toThrow(/EINVAL: createMemMap\(vmsplice\)/);
  });
});

describe('MAP_HUGETLB', () => {
  it('a fault takes a zeroed pool page and maps it whole; munmap gives it back', () => {
    withMm(POOL, ({ mem, mm }) => {
      const a = mm.mmap(1, { hugetlb: '2M' });
      expect(a % HPAGE).toBe(0);
      mm.write(a + HPAGE - 1, new Uint8Array([7]));
      const head = mm.followPage(a);
      expect(hugetlbPoolStats(mem, '2M').free_hugepages).toBe(1);
      expect([mem.refcount[head], mem.entireMapcount[head], mem.mapcount[head]]).toEqual([1, 1, 0]);
      expect(mm.followPage(a + HPAGE - PAGE_SIZE)).toBe(head + 511);
      expect(mm.read(a, 2)).toEqual(new Uint8Array(2));
      mm.munmap(a, HPAGE);
      expect(hugetlbPoolStats(mem, '2M').free_hugepages).toBe(2);
      expect(mem.refcount[head]).toBe(0);
    });
  });

  it('an empty pool makes the access fail (EFAULT here, SIGBUS in the kernel) and GUP return -ENOMEM', () => {
    withMm({ nrPages: 4096, nrHugepages: { '2M': 1 } }, ({ mm }) => {
      const a = mm.mmap(2 * HPAGE, { hugetlb: '2M' });
      mm.write(a, new Uint8Array([1]));
      expect(codeOf(() => mm.write(a + HPAGE, new Uint8Array([1])))).toBe('EFAULT');
      expect(pinUserPagesFast(mm, a + HPAGE, 1, FOLL_WRITE, new Int32Array(1))).toBe(-12);
    });
  });

  it('GUP pins the folio with its exact pincount', () => {
    withMm(POOL, ({ mem, mm }) => {
      const a = mm.mmap(HPAGE, { hugetlb: '2M' });
      const pages = new Int32Array(512);
      expect(pinUserPagesFast(mm, a, 512, FOLL_WRITE, pages)).toBe(512);
      const head = pages[0];
      expect(pages[511]).toBe(head + 511);
      expect([mem.pincount[head], mem.refcount[head]]).toEqual([512, 513]);
      unpinUserPages(mem, pages, 512);
      expect(mem.pincount[head]).toBe(0);
    });
  });

  it('rejects what is not modelled or not aligned with EINVAL', () => {
    withMm(POOL, ({ mm }) => {
      expect(codeOf(() => mm.mmap(HPAGE, { hugetlb: '4M' as never }))).toBe('EINVAL');
      expect(codeOf(() => mm.mmap(HPAGE, { hugetlb: '2M', folioOrder: 2 }))).toBe('EINVAL');
      expect(codeOf(() => mm.mmap(HPAGE, { hugetlb: '2M', addr: HPAGE + PAGE_SIZE }))).toBe('EINVAL');
      const a = mm.mmap(HPAGE, { hugetlb: '2M' });
      expect(codeOf(() => mm.munmap(a + PAGE_SIZE, PAGE_SIZE))).toBe('EINVAL');
      expect(codeOf(() => mm.mprotect(a, PAGE_SIZE, 1))).toBe('EINVAL');
      expect(codeOf(() => mm.madvise(a, HPAGE, MADV_HUGEPAGE))).toBe('EINVAL');
      expect(codeOf(() => mm.mremap(a, HPAGE, PAGE_SIZE))).toBe('EINVAL');
    });
  });
});
