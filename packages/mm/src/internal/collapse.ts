/**
 * MADV_COLLAPSE on private anonymous memory: each aligned 2 MiB range of PTE-mapped (or unmapped,
 * or zero-page) pages becomes one new PMD-mapped THP holding a copy of the data. Pages that are
 * shared with another process stay with it (this process stops mapping them), so COW is kept.
 * @kernel mm/khugepaged.c madvise_collapse()
 */
import { BiopathError } from './arena.ts';
import { HPAGE_PMD_ORDER, PAGE_SIZE } from './constants.ts';
import { rmapRemovePte } from './fault.ts';
import { setFolioExclusive, setHugePte } from './huge-mapping.ts';
import type { MmStruct } from './mm-struct.ts';
import { allocPages } from './page-alloc.ts';
import { PG_anon, PG_uptodate } from './page-flags.ts';
import { PTE_DIRTY, PTE_HUGE, PTE_SPECIAL, PTE_WRITE } from './page-table.ts';
import { VM_NOHUGEPAGE, VM_WRITE, type Vma } from './vma.ts';

const NR = 1 << HPAGE_PMD_ORDER;

/**
 * Whether the PTEs of `[base, base + 512)` can be collapsed: no huge leaf, every mapped page anon
 * (or the zero page) with no reference beyond its mappings (a GUP reference or pin blocks it: the
 * kernel's SCAN_PAGE_COUNT). @kernel mm/khugepaged.c hpage_collapse_scan_pmd()
 */
function scanPmd(mm: MmStruct, base: number): 'ok' | 'huge' | 'busy' {
  const mem = mm.mem;
  if (mm.pt.bits(base) & PTE_HUGE) return 'huge';
  for (let i = 0; i < NR; i++) {
    if (mm.swapPtes.has(base + i)) return 'busy';
    const pfn = mm.pt.pfn(base + i);
    if (pfn < 0 || (mm.pt.bits(base + i) & PTE_SPECIAL) !== 0) continue;
    const head = mem.head[pfn];
    if ((mem.flags[head] & PG_anon) === 0) return 'busy';
    let mapped = mem.entireMapcount[head];
    for (let p = head; p < head + (1 << mem.order[head]); p++) mapped += mem.mapcount[p];
    if (mem.refcount[head] !== mapped) return 'busy';
  }
  return 'ok';
}

/** Copy the range into a new THP and map it by one PMD. Returns false when no 2 MiB block is free. @kernel mm/khugepaged.c collapse_huge_page() */
function collapseHugePage(mm: MmStruct, vma: Vma, base: number): boolean {
  const mem = mm.mem;
  const head = allocPages(mem, HPAGE_PMD_ORDER, { zero: true });
  if (head < 0) return false;
  for (let i = 0; i < NR; i++) {
    const pfn = mm.pt.pfn(base + i);
    if (pfn < 0) continue;
    const bits = mm.pt.bits(base + i);
    if ((bits & PTE_SPECIAL) === 0) mem.bytes.copyWithin((head + i) * PAGE_SIZE, pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE);
    mm.pt.clear(base + i);
    rmapRemovePte(mem, pfn, bits);
  }
  mem.flags[head] |= PG_anon | PG_uptodate;
  setFolioExclusive(mem, head, true);
  mem.entireMapcount[head] = 1;
  setHugePte(mm, base, head, (vma.flags & VM_WRITE) !== 0 ? PTE_WRITE | PTE_DIRTY : PTE_DIRTY);
  return true;
}

/**
 * Collapse every aligned 2 MiB range inside `vma` ∩ `[start, end)`. Throws BiopathError('EINVAL')
 * for hugetlb, shared or MADV_NOHUGEPAGE memory, ('EAGAIN') when a page holds extra references, and
 * ('ENOMEM') when no 2 MiB block is free; ranges already PMD-mapped count as collapsed.
 * @kernel mm/khugepaged.c madvise_collapse()
 */
export function madviseCollapse(mm: MmStruct, vma: Vma, start: number, end: number): void {
  if (vma.hugetlbOrder > 0 || vma.shmem !== null || (vma.flags & VM_NOHUGEPAGE) !== 0) {
    throw new BiopathError('EINVAL', 'madvise(advice): MADV_COLLAPSE needs private anonymous memory without MADV_NOHUGEPAGE');
  }
  const first = Math.ceil(Math.max(start, vma.start) / PAGE_SIZE / NR) * NR;
  const last = Math.floor(Math.min(end, vma.end) / PAGE_SIZE / NR) * NR;
  for (let base = first; base < last; base += NR) {
    const scan = scanPmd(mm, base);
    if (scan === 'huge') continue;
    if (scan === 'busy') throw new BiopathError('EAGAIN', `madvise(addr): a page at ${base * PAGE_SIZE} has extra references (pinned?)`);
    if (!collapseHugePage(mm, vma, base)) throw new BiopathError('ENOMEM', 'madvise(advice): no free 2 MiB block to collapse into');
  }
}
