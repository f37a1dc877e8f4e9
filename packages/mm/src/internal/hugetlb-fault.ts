/**
 * Faults in hugetlb mappings: a missing page comes from the pool; a write (or GUP unshare) on a
 * write-protected huge page reuses it when this is the only mapping, else copies the whole folio.
 * @kernel mm/hugetlb.c hugetlb_fault()
 */
import { errno } from './arena.ts';
import { PAGE_SIZE } from './constants.ts';
import { allocHugetlbFolio } from './hugetlb-pool.ts';
import {
  folioExclusive, hugeBaseVpn, hugeRmapAdd, setFolioExclusive, setHugeBits, setHugePte, zapHugePte,
} from './huge-mapping.ts';
import type { MmStruct } from './mm-struct.ts';
import { PG_anon, PG_shmem, PG_uptodate } from './page-flags.ts';
import { PTE_DIRTY, PTE_WRITE } from './page-table.ts';
import { VM_SHARED, VM_WRITE, type Vma } from './vma.ts';

/** A new exclusive anon huge folio mapped at `base` (refcount 1 = the mapping's reference). */
function mapNewHugeAnon(mm: MmStruct, vma: Vma, base: number, head: number, writable: boolean): void {
  const mem = mm.mem;
  mem.flags[head] |= PG_anon | PG_uptodate;
  setFolioExclusive(mem, head, true);
  mem.entireMapcount[head] = 1;
  setHugePte(mm, base, head, writable && (vma.flags & VM_WRITE) !== 0 ? PTE_WRITE | PTE_DIRTY : 0);
}

/**
 * Missing huge page in a private hugetlb mapping: a zeroed exclusive page from the pool, writable
 * only for a write fault. Returns 0 or -ENOMEM (empty pool: the kernel's SIGBUS).
 * @kernel mm/hugetlb.c hugetlb_no_page()
 */
export function hugetlbNoPage(mm: MmStruct, vma: Vma, vpn: number, write: boolean): number {
  const n = 1 << vma.hugetlbOrder;
  if (vma.shmem !== null) return hugetlbNoPageShared(mm, vma, vpn - (vpn % n), write);
  const head = allocHugetlbFolio(mm.mem, vma.hugetlbOrder, true);
  if (head < 0) return head;
  mapNewHugeAnon(mm, vma, vpn - (vpn % n), head, write);
  return 0;
}

/**
 * Missing huge page in a shared hugetlb mapping (MAP_SHARED|MAP_HUGETLB): the object's page at this
 * offset, taken zeroed from the pool the first time (the object keeps that reference), mapped huge,
 * writable for a write. Returns 0 or -ENOMEM (empty pool). @kernel mm/hugetlb.c hugetlb_no_page()
 */
function hugetlbNoPageShared(mm: MmStruct, vma: Vma, base: number, write: boolean): number {
  const mem = mm.mem;
  const obj = vma.shmem!;
  const pgoff = vma.pgoff + (base - vma.start / PAGE_SIZE);
  let head = obj.pages.get(pgoff) ?? -1;
  if (head < 0) {
    head = allocHugetlbFolio(mem, vma.hugetlbOrder, true);
    if (head < 0) return head;
    mem.flags[head] |= PG_shmem | PG_uptodate;
    obj.pages.set(pgoff, head);
  }
  hugeRmapAdd(mem, head);
  setHugePte(mm, base, head, write && (vma.flags & VM_WRITE) !== 0 ? PTE_WRITE | PTE_DIRTY : 0);
  return 0;
}

/**
 * Write or unshare fault on a write-protected hugetlb page. The reuse test is the one every modelled
 * kernel has: anon and mapped exactly once (`folio_mapcount() == 1`) — references from elsewhere
 * (a vmsplice'd pipe holding FOLL_GET references) are not looked at, which is why cow.c's vmsplice
 * tests fail on hugetlb. Otherwise the whole folio is copied from the pool. Returns 0 or -ENOMEM.
 * @kernel mm/hugetlb.c hugetlb_wp()
 */
export function hugetlbWp(mm: MmStruct, vma: Vma, vpn: number, unshare: boolean): number {
  const mem = mm.mem;
  const base = hugeBaseVpn(mm, vpn);
  const old = mem.head[mm.pt.pfn(base)];
  const n = 1 << mem.order[old];
  const bits = mm.pt.bits(base);
  if ((vma.flags & VM_SHARED) !== 0) {
    // shared: no COW; a write makes the mapping writable (hugetlb_wp() is only reached for private ones)
    if (!unshare && (vma.flags & VM_WRITE) !== 0) setHugeBits(mm, base, n, bits | PTE_WRITE | PTE_DIRTY);
    return 0;
  }
  if (unshare && folioExclusive(mem, old)) return 0;
  if (mem.entireMapcount[old] === 1 && (mem.flags[old] & PG_anon) !== 0) {
    if (!folioExclusive(mem, old)) setFolioExclusive(mem, old, true);
    if (!unshare && (vma.flags & VM_WRITE) !== 0) setHugeBits(mm, base, n, bits | PTE_WRITE | PTE_DIRTY);
    return 0;
  }
  const head = allocHugetlbFolio(mem, mem.order[old], false);
  if (head < 0) return -errno.ENOMEM;
  mem.bytes.copyWithin(head * PAGE_SIZE, old * PAGE_SIZE, (old + n) * PAGE_SIZE);
  zapHugePte(mm, base, old);
  mapNewHugeAnon(mm, vma, base, head, !unshare);
  return 0;
}
