/**
 * Swap: MADV_PAGEOUT writes private anonymous pages to an in-memory swap area and leaves swap
 * entries in the page table (keeping whether the page was AnonExclusive); a fault on a swap entry
 * reads the page back; fork shares swap entries (no longer exclusive), munmap frees them.
 * @kernel mm/swapfile.c swap_duplicate()
 */
import { BiopathError } from './arena.ts';
import { PAGE_SIZE } from './constants.ts';
import { rmapRemovePte } from './fault.ts';
import { splitHugePmd } from './huge-mapping.ts';
import type { MemMap } from './mem-map.ts';
import type { MmStruct } from './mm-struct.ts';
import { allocPages } from './page-alloc.ts';
import { PG_anon, PG_anon_exclusive, PG_uptodate } from './page-flags.ts';
import { PTE_DIRTY, PTE_HUGE, PTE_SPECIAL, PTE_WRITE } from './page-table.ts';
import { VM_WRITE, type Vma } from './vma.ts';

/** One used swap slot: the page's bytes and how many swap entries refer to it. @kernel mm/swapfile.c swap_map[] */
export interface SwapSlot {
  readonly data: Uint8Array;
  count: number;
}

/** A swap PTE: slot number and the exclusive marker. @kernel include/linux/swapops.h pte_swp_exclusive() */
function swpEntry(slot: number, exclusive: boolean): number {
  return slot * 2 + (exclusive ? 1 : 0);
}

/** Drop one reference to the slot of `entry`; the last frees it. @kernel mm/swapfile.c swap_free() */
export function swapFree(mem: MemMap, entry: number): void {
  const slot = Math.floor(entry / 2);
  const s = mem.swapSlots.get(slot);
  if (s !== undefined && --s.count === 0) mem.swapSlots.delete(slot);
}

/** Whether the page mapped at `vpn` may be paged out: anon, mapped once, no references beyond that one. */
function canPageOut(mm: MmStruct, vpn: number, pfn: number, bits: number): boolean {
  const mem = mm.mem;
  if ((bits & PTE_SPECIAL) !== 0) return false;
  const head = mem.head[pfn];
  if ((mem.flags[head] & PG_anon) === 0 || mem.mapcount[pfn] !== 1) return false;
  let mapped = mem.entireMapcount[head];
  for (let p = head; p < head + (1 << mem.order[head]); p++) mapped += mem.mapcount[p];
  return mem.refcount[head] === mapped && vpn >= 0;
}

/**
 * MADV_PAGEOUT: write every private anon page of `[start, end)` that is mapped only here and holds
 * no other reference (pinned and GUP-referenced pages stay) to a swap slot, replacing its PTE with a
 * swap entry. A PMD-mapped THP is split first; hugetlb is EINVAL; shared mappings are left alone.
 * @kernel mm/madvise.c madvise_cold_or_pageout_pte_range()
 */
export function madvisePageout(mm: MmStruct, vma: Vma, start: number, end: number): void {
  if (vma.hugetlbOrder > 0) throw new BiopathError('EINVAL', 'madvise(advice): MADV_PAGEOUT on a hugetlb mapping');
  if (vma.shmem !== null) return;
  const mem = mm.mem;
  mm.pt.walk(start / PAGE_SIZE, end / PAGE_SIZE, (vpn, pfn, bits) => {
    if (bits & PTE_HUGE) splitHugePmd(mm, vpn);
    const b = mm.pt.bits(vpn);
    if (!canPageOut(mm, vpn, pfn, b)) return;
    const slot = mem.swapNext++;
    mem.swapSlots.set(slot, { data: mem.bytes.slice(pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE), count: 1 });
    const exclusive = (mem.flags[pfn] & PG_anon_exclusive) !== 0;
    mem.flags[pfn] &= ~PG_anon_exclusive;
    mm.pt.clear(vpn);
    rmapRemovePte(mem, pfn, b);
    mm.swapPtes.set(vpn, swpEntry(slot, exclusive));
  });
}

/**
 * Fault on a swap entry: read the page into a new frame. It is AnonExclusive if the entry was, or if
 * this was the slot's last user; only then may a write fault map it writable at once. Returns 0 or
 * -ENOMEM. (No swap cache: each process swapping in a shared slot gets its own copy.)
 * @kernel mm/memory.c do_swap_page()
 */
export function doSwapPage(mm: MmStruct, vma: Vma, vpn: number, entry: number, write: boolean): number {
  const mem = mm.mem;
  const slot = mem.swapSlots.get(Math.floor(entry / 2));
  const pfn = allocPages(mem, 0);
  if (pfn < 0) return pfn;
  if (slot !== undefined) mem.bytes.set(slot.data, pfn * PAGE_SIZE);
  else mem.bytes.fill(0, pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE);
  const exclusive = (entry & 1) === 1 || (slot?.count ?? 1) === 1;
  swapFree(mem, entry);
  mm.swapPtes.delete(vpn);
  mem.flags[pfn] |= PG_anon | PG_uptodate | (exclusive ? PG_anon_exclusive : 0);
  mem.mapcount[pfn] = 1;
  const writable = write && exclusive && (vma.flags & VM_WRITE) !== 0;
  mm.pt.set(vpn, pfn, writable ? PTE_WRITE | PTE_DIRTY : 0);
  return 0;
}

/** fork: the child gets the parent's swap entries in `[start, end)`; both lose the exclusive marker. @kernel mm/memory.c copy_nonpresent_pte() */
export function copySwapEntries(parent: MmStruct, child: MmStruct, start: number, end: number): void {
  for (const [vpn, entry] of parent.swapPtes) {
    if (vpn < start / PAGE_SIZE || vpn >= end / PAGE_SIZE) continue;
    const slot = parent.mem.swapSlots.get(Math.floor(entry / 2));
    if (slot !== undefined) slot.count++;
    parent.swapPtes.set(vpn, entry & ~1);
    child.swapPtes.set(vpn, entry & ~1);
  }
}

/** munmap / MADV_DONTNEED: free the swap entries of `[start, end)`. @kernel mm/memory.c zap_nonpresent_ptes() */
export function zapSwapEntries(mm: MmStruct, start: number, end: number): void {
  for (const [vpn, entry] of mm.swapPtes) {
    if (vpn < start / PAGE_SIZE || vpn >= end / PAGE_SIZE) continue;
    swapFree(mm.mem, entry);
    mm.swapPtes.delete(vpn);
  }
}

/** mremap: move the swap entries of `[oldAddr, oldAddr + size)` by `delta` pages. */
export function moveSwapEntries(mm: MmStruct, oldAddr: number, size: number, delta: number): void {
  const moved: [number, number][] = [];
  for (const [vpn, entry] of mm.swapPtes) {
    if (vpn >= oldAddr / PAGE_SIZE && vpn < (oldAddr + size) / PAGE_SIZE) moved.push([vpn, entry]);
  }
  for (const [vpn] of moved) mm.swapPtes.delete(vpn);
  for (const [vpn, entry] of moved) mm.swapPtes.set(vpn + delta, entry);
}
