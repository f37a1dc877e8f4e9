/**
 * Page faults of an emulated process: missing PTEs (zero page, anonymous folios, shmem), write
 * faults on write-protected PTEs with the kernel's reuse-or-copy rules, and GUP's unshare fault.
 * @kernel mm/memory.c handle_mm_fault()
 */
import { errno } from './arena.ts';
import { PAGE_SIZE } from './constants.ts';
import { hugetlbNoPage, hugetlbWp } from './hugetlb-fault.ts';
import { doSwapPage } from './swap.ts';
import { doHugePmdAnonymousPage, doHugePmdWpPage, doHugeZeroPage, VM_FAULT_FALLBACK } from './thp-fault.ts';
import type { MemMap } from './mem-map.ts';
import type { MmStruct } from './mm-struct.ts';
import { allocPages } from './page-alloc.ts';
import { PG_anon, PG_anon_exclusive, PG_p2pdma, PG_shmem, PG_uptodate } from './page-flags.ts';
import { folioPutRefs } from './page-ref.ts';
import { PTE_DIRTY, PTE_HUGE, PTE_SPECIAL, PTE_WRITE } from './page-table.ts';
import { VM_SHARED, VM_WRITE, type Vma } from './vma.ts';

export const FAULT_READ = 0;
export const FAULT_WRITE = 1;
/** GUP's FAULT_FLAG_UNSHARE: give a R/O pin an exclusive page without making the PTE writable. */
export const FAULT_UNSHARE = 2;
export type FaultKind = typeof FAULT_READ | typeof FAULT_WRITE | typeof FAULT_UNSHARE;

/** A PTE now maps `pfn`: one more mapping and one more folio reference. @kernel mm/rmap.c folio_add_*_rmap_pte() */
export function rmapAddPte(mem: MemMap, pfn: number): void {
  mem.mapcount[pfn]++;
  mem.refcount[mem.head[pfn]]++;
}

/**
 * A PTE stopped mapping `pfn` (special PTEs hold nothing; huge leaves go through `zapHugePte`).
 * @kernel mm/rmap.c folio_remove_rmap_pte()
 */
export function rmapRemovePte(mem: MemMap, pfn: number, bits: number): void {
  if (bits & PTE_SPECIAL) return;
  mem.mapcount[pfn]--;
  folioPutRefs(mem, mem.head[pfn], 1);
}

/**
 * Resolve a fault at `addr` in `vma` (permissions already checked). Returns 0, -ENOMEM or -EFAULT.
 * @kernel mm/memory.c handle_pte_fault()
 */
export function handleMmFault(mm: MmStruct, vma: Vma, addr: number, kind: FaultKind): number {
  const vpn = Math.floor(addr / PAGE_SIZE);
  const pfn = mm.pt.pfn(vpn);
  if (pfn < 0) {
    const swp = mm.swapPtes.get(vpn);
    if (swp !== undefined) {
      const ret = doSwapPage(mm, vma, vpn, swp, kind === FAULT_WRITE);
      return ret < 0 || kind === FAULT_READ ? ret : handleMmFault(mm, vma, addr, kind);
    }
    if (vma.hugetlbOrder > 0) return hugetlbNoPage(mm, vma, vpn, kind === FAULT_WRITE);
    if (vma.shmem !== null) return shmemFault(mm, vma, vpn, kind === FAULT_WRITE);
    if (kind !== FAULT_WRITE) {
      if (doHugeZeroPage(mm, vma, vpn) === 0) return 0;
      mm.pt.set(vpn, mm.mem.zeroPfn, PTE_SPECIAL);
      return 0;
    }
    if (doHugePmdAnonymousPage(mm, vma, vpn) === 0) return 0;
    return doAnonymousPage(mm, vma, vpn);
  }
  const bits = mm.pt.bits(vpn);
  if (kind === FAULT_READ) return 0;
  if (kind === FAULT_WRITE && (bits & PTE_WRITE) !== 0) {
    mm.pt.setBits(vpn, bits | PTE_DIRTY);
    return 0;
  }
  if (bits & PTE_HUGE) {
    if (vma.hugetlbOrder > 0) return hugetlbWp(mm, vma, vpn, kind === FAULT_UNSHARE);
    if (doHugePmdWpPage(mm, vma, vpn, kind === FAULT_UNSHARE) !== VM_FAULT_FALLBACK) return 0;
    return doWpPage(mm, vma, vpn, mm.pt.pfn(vpn), kind === FAULT_UNSHARE);
  }
  return doWpPage(mm, vma, vpn, pfn, kind === FAULT_UNSHARE);
}

/**
 * Write fault in private anonymous memory: a zeroed exclusive folio (of `vma.folioOrder` when it fits).
 * @kernel mm/memory.c do_anonymous_page()
 */
function doAnonymousPage(mm: MmStruct, vma: Vma, vpn: number): number {
  const mem = mm.mem;
  let order = vma.folioOrder;
  let base = vpn;
  if (order > 0) {
    const n = 1 << order;
    base = vpn - (vpn % n);
    let fits = base * PAGE_SIZE >= vma.start && (base + n) * PAGE_SIZE <= vma.end;
    for (let i = 0; fits && i < n; i++) fits = mm.pt.pfn(base + i) < 0;
    if (!fits) { order = 0; base = vpn; }
  }
  let head = allocPages(mem, order, { zero: true });
  if (head < 0 && order > 0) { order = 0; base = vpn; head = allocPages(mem, 0, { zero: true }); }
  if (head < 0) return head;
  const n = 1 << order;
  mem.flags[head] |= PG_anon | PG_uptodate;
  mem.refcount[head] += n - 1;
  for (let i = 0; i < n; i++) {
    mem.flags[head + i] |= PG_anon_exclusive;
    mem.mapcount[head + i] = 1;
    mm.pt.set(base + i, head + i, PTE_WRITE | PTE_DIRTY);
  }
  return 0;
}

/** The page of `vma`'s shmem object at `vpn`, created zeroed if missing; pfn or -ENOMEM. @kernel mm/shmem.c shmem_get_folio() */
function shmemGetPage(mm: MmStruct, vma: Vma, vpn: number): number {
  const mem = mm.mem;
  const obj = vma.shmem!;
  const pgoff = vma.pgoff + (vpn - vma.start / PAGE_SIZE);
  let pfn = obj.pages.get(pgoff) ?? -1;
  if (pfn < 0) {
    pfn = allocPages(mem, 0, { zero: true });
    if (pfn < 0) return pfn;
    mem.flags[pfn] |= PG_shmem | PG_uptodate | (obj.p2pdma ? PG_p2pdma : 0);
    obj.pages.set(pgoff, pfn);
  }
  return pfn;
}

/**
 * Fault on a shmem-backed mapping. Shared: map the object's page (writable for a write). Private
 * (a MAP_PRIVATE memfd mapping): a read maps the object's page read-only, a write maps a private
 * anon copy of it. @kernel mm/memory.c do_read_fault() / do_cow_fault() / do_shared_fault()
 */
function shmemFault(mm: MmStruct, vma: Vma, vpn: number, write: boolean): number {
  const mem = mm.mem;
  const pfn = shmemGetPage(mm, vma, vpn);
  if (pfn < 0) return pfn;
  if (write && (vma.flags & VM_SHARED) === 0) {
    const copy = allocPages(mem, 0);
    if (copy < 0) return copy;
    mem.bytes.copyWithin(copy * PAGE_SIZE, pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE);
    mem.flags[copy] |= PG_anon | PG_anon_exclusive | PG_uptodate;
    mem.mapcount[copy] = 1;
    mm.pt.set(vpn, copy, (vma.flags & VM_WRITE) !== 0 ? PTE_WRITE | PTE_DIRTY : 0);
    return 0;
  }
  rmapAddPte(mem, pfn);
  mm.pt.set(vpn, pfn, write ? PTE_WRITE | PTE_DIRTY : 0);
  return 0;
}

/**
 * Write (or unshare) fault on a present, write-protected PTE. Shared mappings just become writable.
 * Private: an AnonExclusive page is reused; a small anon folio with refcount exactly 1 is reused and
 * made exclusive; anything else (zero page, shared or referenced anon page, large non-exclusive folio)
 * is copied. A GUP reference therefore always forces a copy. Unshare never makes the PTE writable.
 * @kernel mm/memory.c do_wp_page()
 */
function doWpPage(mm: MmStruct, vma: Vma, vpn: number, pfn: number, unshare: boolean): number {
  const mem = mm.mem;
  const bits = mm.pt.bits(vpn);
  if (vma.flags & VM_SHARED) {
    if (!unshare) mm.pt.setBits(vpn, bits | PTE_WRITE | PTE_DIRTY);
    return 0;
  }
  const head = mem.head[pfn];
  if (pfn !== mem.zeroPfn && (mem.flags[head] & PG_anon) !== 0) {
    const exclusive = (mem.flags[pfn] & PG_anon_exclusive) !== 0;
    if (exclusive || (mem.order[head] === 0 && mem.refcount[head] === 1)) {
      mem.flags[pfn] |= PG_anon_exclusive;
      if (!unshare && (vma.flags & VM_WRITE)) mm.pt.setBits(vpn, bits | PTE_WRITE | PTE_DIRTY);
      return 0;
    }
  }
  return wpPageCopy(mm, vma, vpn, pfn, bits, unshare);
}

/** Give the faulting process its own exclusive copy of `oldPfn`. @kernel mm/memory.c wp_page_copy() */
function wpPageCopy(mm: MmStruct, vma: Vma, vpn: number, oldPfn: number, bits: number, unshare: boolean): number {
  const mem = mm.mem;
  const isZero = oldPfn === mem.zeroPfn;
  const pfn = allocPages(mem, 0, { zero: isZero });
  if (pfn < 0) return -errno.ENOMEM;
  if (!isZero) mem.bytes.copyWithin(pfn * PAGE_SIZE, oldPfn * PAGE_SIZE, (oldPfn + 1) * PAGE_SIZE);
  mem.flags[pfn] |= PG_anon | PG_anon_exclusive | PG_uptodate;
  mem.mapcount[pfn] = 1;
  const writable = !unshare && (vma.flags & VM_WRITE) !== 0;
  mm.pt.set(vpn, pfn, writable ? PTE_WRITE | PTE_DIRTY : 0);
  rmapRemovePte(mem, oldPfn, bits);
  return 0;
}
