/**
 * PMD/PUD-level mappings of whole folios (PMD-mapped THP and hugetlb), kept as runs of PTE_HUGE
 * PTEs: mapping, unmapping, splitting a THP into PTEs, and the anon-exclusive bit of a whole folio.
 * @kernel mm/huge_memory.c __split_huge_pmd()
 */
import { BiopathError } from './arena.ts';
import { PAGE_SIZE } from './constants.ts';
import type { MemMap } from './mem-map.ts';
import type { MmStruct } from './mm-struct.ts';
import { PG_anon_exclusive, PG_hugetlb } from './page-flags.ts';
import { folioPutRefs } from './page-ref.ts';
import { PTE_HUGE, PTE_SPECIAL } from './page-table.ts';
import { findVma } from './vma.ts';

/** Map the whole folio `head` at the aligned `baseVpn` as one huge leaf with `bits`; accounting is the caller's. */
export function setHugePte(mm: MmStruct, baseVpn: number, head: number, bits: number): void {
  const n = 1 << mm.mem.order[head];
  for (let i = 0; i < n; i++) mm.pt.set(baseVpn + i, head + i, bits | PTE_HUGE);
}

/** Replace the bits of every PTE of the huge leaf at `baseVpn`. */
export function setHugeBits(mm: MmStruct, baseVpn: number, n: number, bits: number): void {
  for (let i = 0; i < n; i++) mm.pt.setBits(baseVpn + i, bits | PTE_HUGE);
}

/** First vpn of the huge leaf holding `vpn` (the PTE mapping the folio's head page). */
export function hugeBaseVpn(mm: MmStruct, vpn: number): number {
  const pfn = mm.pt.pfn(vpn);
  return vpn - (pfn - mm.mem.head[pfn]);
}

/** One more huge mapping of `head`: +1 `_entire_mapcount`, +1 reference. @kernel mm/rmap.c folio_add_anon_rmap_pmd() */
export function hugeRmapAdd(mem: MemMap, head: number): void {
  mem.entireMapcount[head]++;
  mem.refcount[head]++;
}

/** Clear the huge leaf at `baseVpn` (mapping `head`) and drop its mapping and reference. @kernel mm/huge_memory.c zap_huge_pmd() */
export function zapHugePte(mm: MmStruct, baseVpn: number, head: number): void {
  const n = 1 << mm.mem.order[head];
  for (let i = 0; i < n; i++) mm.pt.clear(baseVpn + i);
  if (head === mm.mem.hugeZeroPfn) return;
  mm.mem.entireMapcount[head]--;
  folioPutRefs(mm.mem, head, 1);
}

/** Whether the folio is anon-exclusive (the model keeps the bit identical on every page of a huge mapping). */
export function folioExclusive(mem: MemMap, head: number): boolean {
  return (mem.flags[head] & PG_anon_exclusive) !== 0;
}

/** Set or clear PG_anon_exclusive on every page of the folio. @kernel include/linux/page-flags.h SetPageAnonExclusive() */
export function setFolioExclusive(mem: MemMap, head: number, on: boolean): void {
  const end = head + (1 << mem.order[head]);
  for (let p = head; p < end; p++) mem.flags[p] = on ? mem.flags[p] | PG_anon_exclusive : mem.flags[p] & ~PG_anon_exclusive;
}

/**
 * Turn the PMD-mapped THP holding `vpn` into 512 PTEs with the same bits: each page gets its own
 * mapcount and reference, the entire mapping goes. The huge zero page becomes 512 PTEs of the small
 * zero page. @kernel mm/huge_memory.c __split_huge_pmd_locked()
 */
export function splitHugePmd(mm: MmStruct, vpn: number): void {
  const mem = mm.mem;
  const base = hugeBaseVpn(mm, vpn);
  const head = mem.head[mm.pt.pfn(base)];
  if (mem.flags[head] & PG_hugetlb) return;
  const n = 1 << mem.order[head];
  if (head === mem.hugeZeroPfn) {
    for (let i = 0; i < n; i++) mm.pt.set(base + i, mem.zeroPfn, PTE_SPECIAL);
    return;
  }
  for (let i = 0; i < n; i++) {
    mm.pt.setBits(base + i, mm.pt.bits(base + i) & ~PTE_HUGE);
    mem.mapcount[head + i]++;
  }
  mem.refcount[head] += n - 1;
  mem.entireMapcount[head]--;
}

/**
 * Make `addr` a possible VMA boundary: split a PMD-mapped THP straddling it. A hugetlb VMA cannot be
 * cut inside a huge page: BiopathError('EINVAL') naming `fn`.
 * @kernel mm/huge_memory.c vma_adjust_trans_huge()
 */
export function splitHugeAt(mm: MmStruct, fn: string, addr: number): void {
  const vma = findVma(mm.vmas, addr);
  if (vma === null) return;
  const vpn = addr / PAGE_SIZE;
  if (vma.hugetlbOrder > 0) {
    if (vpn % (1 << vma.hugetlbOrder) !== 0) {
      throw new BiopathError('EINVAL', `${fn}(addr): ${addr} is not aligned to the hugetlb page size of its mapping`);
    }
    return;
  }
  if ((mm.pt.bits(vpn) & PTE_HUGE) !== 0 && hugeBaseVpn(mm, vpn) !== vpn) splitHugePmd(mm, vpn);
}
