/**
 * PMD-mapped THPs: a write fault in an empty aligned 2 MiB range of a MADV_HUGEPAGE area maps a THP
 * by one PMD; partial mprotect/munmap split it into PTEs keeping data and references; a write to a
 * THP shared after fork splits it and copies one small page; an exclusive THP is reused whole.
 */
import { describe, expect, it } from 'vitest';
import {
  FOLL_WRITE, HPAGE_PMD_ORDER, MADV_HUGEPAGE, MADV_NOHUGEPAGE, PAGE_SIZE, PROT_READ, createMemMap, pinUserPagesFast,
  unpinUserPages, type MmStruct,
} from '../src/index.ts';
import { withMm } from './helpers.ts';

const HPAGE = PAGE_SIZE << HPAGE_PMD_ORDER;

function thpArea(mm: MmStruct, advice = MADV_HUGEPAGE): number {
  const raw = mm.mmap(2 * HPAGE);
  const a = Math.ceil(raw / HPAGE) * HPAGE;
  mm.madvise(a, HPAGE, advice);
  mm.write(a + 5, new Uint8Array([1]));
  return a;
}

describe('PMD-mapped THP', () => {
  it('MADV_HUGEPAGE: the first write maps a whole 2 MiB folio with one mapping and one reference', () => {
    withMm({ nrPages: 2048 }, ({ mem, mm }) => {
      const a = thpArea(mm);
      const head = mm.followPage(a);
      expect(mem.order[head]).toBe(HPAGE_PMD_ORDER);
      expect([mem.refcount[head], mem.entireMapcount[head], mem.mapcount[head]]).toEqual([1, 1, 0]);
      expect(mm.followPage(a + HPAGE - 1)).toBe(head + 511);
    });
  });

  it('MADV_NOHUGEPAGE: small pages', () => {
    withMm({ nrPages: 2048 }, ({ mem, mm }) => {
      const a = thpArea(mm, MADV_NOHUGEPAGE);
      expect(mem.order[mm.followPage(a)]).toBe(0);
      expect(mm.followPage(a + PAGE_SIZE)).toBe(-1);
    });
  });

  it('a partial mprotect splits the PMD: per-page mappings and references, data kept', () => {
    withMm({ nrPages: 2048 }, ({ mem, mm }) => {
      const a = thpArea(mm);
      const head = mm.followPage(a);
      mm.mprotect(a + PAGE_SIZE, PAGE_SIZE, PROT_READ);
      expect([mem.refcount[head], mem.entireMapcount[head], mem.mapcount[head + 7]]).toEqual([512, 0, 1]);
      expect(mm.read(a + 5, 1)[0]).toBe(1);
      mm.munmap(a + PAGE_SIZE, HPAGE - PAGE_SIZE);
      expect(mem.refcount[head]).toBe(1);
    });
  });

  it('a write to a THP shared with a child splits it and copies only the written page', () => {
    withMm({ nrPages: 2048 }, ({ mem, mm, track }) => {
      const a = thpArea(mm);
      const head = mm.followPage(a);
      const child = track(mm.fork());
      expect(mem.entireMapcount[head]).toBe(2);
      mm.write(a + 3 * PAGE_SIZE, new Uint8Array([9]));
      expect(mm.followPage(a + 3 * PAGE_SIZE)).not.toBe(head + 3);
      expect(mm.followPage(a + 4 * PAGE_SIZE)).toBe(head + 4);
      expect(mem.entireMapcount[head]).toBe(1);
      expect(child.read(a + 3 * PAGE_SIZE, 1)[0]).toBe(0);
    });
  });

  it('an exclusive THP is reused whole after the child exits; a write pin keeps it PMD-mapped', () => {
    withMm({ nrPages: 2048 }, ({ mem, mm }) => {
      const a = thpArea(mm);
      const head = mm.followPage(a);
      mm.fork().exit();
      mm.write(a, new Uint8Array([2]));
      expect(mm.followPage(a)).toBe(head);
      expect(mem.entireMapcount[head]).toBe(1);
      const pages = new Int32Array(512);
      expect(pinUserPagesFast(mm, a, 512, FOLL_WRITE, pages)).toBe(512);
      expect(mem.pincount[head]).toBe(512);
      unpinUserPages(mem, pages, 512);
    });
  });
});

describe('huge zero page (createMemMap({ hugeZeroPage: true }))', () => {
  it('a read fault maps it by one PMD; a write splits it to small zero pages and copies one', () => {
    withMm({ nrPages: 4096, hugeZeroPage: true }, ({ mem, mm, track }) => {
      const raw = mm.mmap(2 * HPAGE);
      const a = Math.ceil(raw / HPAGE) * HPAGE;
      mm.madvise(a, HPAGE, MADV_HUGEPAGE);
      expect(mm.read(a + 10, 1)[0]).toBe(0);
      expect(mm.followPage(a + PAGE_SIZE)).toBe(mem.hugeZeroPfn + 1);
      expect(mm.pagemap(a).huge).toBe(true);
      const child = track(mm.fork());
      mm.write(a + PAGE_SIZE, new Uint8Array([4]));
      expect(mm.followPage(a)).toBe(0);
      expect(mm.followPage(a + 2 * PAGE_SIZE)).toBe(0);
      expect(mm.read(a + PAGE_SIZE, 1)[0]).toBe(4);
      expect(child.followPage(a + PAGE_SIZE)).toBe(mem.hugeZeroPfn + 1);
    });
  });

  it('without it, read faults map the small zero page', () => {
    withMm({ nrPages: 2048 }, ({ mem, mm }) => {
      const raw = mm.mmap(2 * HPAGE);
      const a = Math.ceil(raw / HPAGE) * HPAGE;
      mm.madvise(a, HPAGE, MADV_HUGEPAGE);
      mm.read(a, 1);
      expect(mem.hugeZeroPfn).toBe(-1);
      expect([mm.followPage(a), mm.followPage(a + PAGE_SIZE)]).toEqual([0, -1]);
    });
  });
});

it('createMemMap({ hugeZeroPage }) without a free 2 MiB block is ENOMEM', () => {
  expect(() => createMemMap({ nrPages: 64, hugeZeroPage: true })).toThrow(/ENOMEM: createMemMap\(hugeZeroPage\)/);
});
