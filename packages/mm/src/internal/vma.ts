/**
 * Virtual memory areas of an emulated process: a sorted array of fixed-shape records, and the
 * shmem objects that back shared mappings.
 * @kernel include/linux/mm_types.h struct vm_area_struct
 */
import { PAGE_SIZE } from './constants.ts';

export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_SHARED = 0x8;
export const VM_MAYWRITE = 0x20;
/** @kernel include/linux/mm.h VM_DONTCOPY (set by MADV_DONTFORK) */
export const VM_DONTCOPY = 0x20000;
/** @kernel include/linux/mm.h VM_HUGETLB */
export const VM_HUGETLB = 0x400000;
/** @kernel include/linux/mm.h VM_HUGEPAGE (set by MADV_HUGEPAGE) */
export const VM_HUGEPAGE = 0x20000000;
/** @kernel include/linux/mm.h VM_NOHUGEPAGE (set by MADV_NOHUGEPAGE) */
export const VM_NOHUGEPAGE = 0x40000000;

/** Pages of a MAP_SHARED anonymous mapping, shared by every VMA (and fork child) that maps it. */
export interface ShmemObject {
  /** page offset in the object -> pfn; the object holds one reference on each page */
  readonly pages: Map<number, number>;
  /** VMAs referring to this object */
  users: number;
  /** pages are PCI P2PDMA device memory */
  readonly p2pdma: boolean;
}

export interface Vma {
  start: number;
  end: number;
  flags: number;
  /** backing object of a shared mapping, null for private anonymous memory */
  shmem: ShmemObject | null;
  /** page offset of `start` within `shmem` */
  pgoff: number;
  /** order of the folios private anonymous faults try to allocate (mTHP-like), 0 = small pages */
  folioOrder: number;
  /** hugetlb page order of a VM_HUGETLB mapping (9 or 18), 0 otherwise */
  hugetlbOrder: number;
}

/** Index of the VMA containing `addr`, or -1. @kernel mm/mmap.c find_vma() (exact containment) */
export function findVmaIndex(vmas: readonly Vma[], addr: number): number {
  let lo = 0;
  let hi = vmas.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = vmas[mid]!;
    if (addr < v.start) hi = mid - 1;
    else if (addr >= v.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** The VMA containing `addr`, or null. */
export function findVma(vmas: readonly Vma[], addr: number): Vma | null {
  const i = findVmaIndex(vmas, addr);
  return i < 0 ? null : vmas[i]!;
}

/** Insert keeping address order (caller guarantees no overlap). */
export function insertVma(vmas: Vma[], vma: Vma): void {
  let i = 0;
  while (i < vmas.length && vmas[i]!.start < vma.start) i++;
  vmas.splice(i, 0, vma);
}

/** Split the VMA containing `addr` so that a VMA boundary falls at `addr`. @kernel mm/mmap.c split_vma() */
export function splitVmaAt(vmas: Vma[], addr: number): void {
  const i = findVmaIndex(vmas, addr);
  if (i < 0) return;
  const v = vmas[i]!;
  if (v.start === addr) return;
  const tail: Vma = { ...v, start: addr, pgoff: v.pgoff + (addr - v.start) / PAGE_SIZE };
  v.end = addr;
  if (v.shmem !== null) v.shmem.users++;
  vmas.splice(i + 1, 0, tail);
}

/** Whether `[start, end)` is covered by VMAs without holes. */
export function rangeFullyMapped(vmas: readonly Vma[], start: number, end: number): boolean {
  let addr = start;
  while (addr < end) {
    const v = findVma(vmas, addr);
    if (v === null) return false;
    addr = v.end;
  }
  return true;
}

/** A private writable mapping: writes break COW. @kernel include/linux/mm.h is_cow_mapping() */
export function isCowMapping(vma: Vma): boolean {
  return (vma.flags & (VM_SHARED | VM_MAYWRITE)) === VM_MAYWRITE;
}
