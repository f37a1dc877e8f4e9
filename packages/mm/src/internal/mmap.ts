/**
 * mmap / munmap / mprotect / madvise on an emulated process.
 * @kernel mm/mmap.c do_mmap()
 */
import { BiopathError } from './arena.ts';
import {
  MADV_DOFORK, MADV_DONTFORK, MADV_DONTNEED, MAX_PAGE_ORDER, PAGE_SIZE, PROT_READ, PROT_WRITE, TASK_SIZE,
} from './constants.ts';
import { rmapRemovePte } from './fault.ts';
import type { MemMap } from './mem-map.ts';
import type { MmStruct } from './mm-struct.ts';
import { PG_anon, PG_anon_exclusive } from './page-flags.ts';
import { folioPutRefs } from './page-ref.ts';
import { PTE_PROTNONE, PTE_WRITE } from './page-table.ts';
import {
  findVmaIndex, insertVma, rangeFullyMapped, splitVmaAt, type ShmemObject, type Vma, VM_DONTCOPY, VM_MAYWRITE,
  VM_READ, VM_SHARED, VM_WRITE,
} from './vma.ts';

/** Options of {@link doMmap}; see `MmStruct.mmap`. */
export interface MmapOpts {
  prot?: number;
  shared?: boolean;
  addr?: number;
  p2pdma?: boolean;
  folioOrder?: number;
}

/** Validate a page-aligned user range; returns its end. */
export function checkUserRange(fn: string, addr: number, len: number): number {
  if (!Number.isSafeInteger(addr) || addr < 0 || addr % PAGE_SIZE !== 0) {
    throw new BiopathError('EINVAL', `${fn}(addr): ${addr} is not a page-aligned user address`);
  }
  if (!Number.isSafeInteger(len) || len <= 0) throw new BiopathError('EINVAL', `${fn}(len): ${len} is not a positive length`);
  const end = addr + Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  if (end > TASK_SIZE) throw new BiopathError('ENOMEM', `${fn}(len): range ends at ${end}, beyond TASK_SIZE`);
  return end;
}

function protToVmFlags(prot: number): number {
  return ((prot & PROT_READ) ? VM_READ : 0) | ((prot & PROT_WRITE) ? VM_WRITE : 0);
}

/** Pick an address for `len` bytes (top-down, aligned to `align` bytes). @kernel mm/mmap.c get_unmapped_area() */
function getUnmappedArea(mm: MmStruct, len: number, align: number): number {
  let addr = Math.floor((mm.mmapBase - len) / align) * align;
  for (;;) {
    const clash = mm.vmas.find((v) => v.start < addr + len && v.end > addr);
    if (clash === undefined) break;
    addr = Math.floor((clash.start - len) / align) * align;
  }
  if (addr < PAGE_SIZE) throw new BiopathError('ENOMEM', `mmap(len): no ${len}-byte hole left`);
  mm.mmapBase = addr;
  return addr;
}

/** @kernel mm/mmap.c do_mmap() — anonymous private or shared (shmem) mappings. */
export function doMmap(mm: MmStruct, len: number, opts: MmapOpts = {}): number {
  const prot = opts.prot ?? (PROT_READ | PROT_WRITE);
  const folioOrder = opts.folioOrder ?? 0;
  if (!Number.isInteger(prot) || (prot & ~(PROT_READ | PROT_WRITE)) !== 0) {
    throw new BiopathError('EINVAL', `mmap(prot): ${prot} is not a combination of PROT_READ and PROT_WRITE`);
  }
  if (!Number.isInteger(folioOrder) || folioOrder < 0 || folioOrder > MAX_PAGE_ORDER) {
    throw new BiopathError('EINVAL', `mmap(folioOrder): ${folioOrder} is not an order 0..${MAX_PAGE_ORDER}`);
  }
  const size = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  let addr: number;
  if (opts.addr !== undefined) {
    checkUserRange('mmap', opts.addr, len);
    addr = opts.addr;
    unmapRange(mm, addr, addr + size);
  } else {
    checkUserRange('mmap', 0, len);
    addr = getUnmappedArea(mm, size, PAGE_SIZE << folioOrder);
  }
  const shared = opts.shared === true || opts.p2pdma === true;
  const shmem: ShmemObject | null = shared ? { pages: new Map(), users: 1, p2pdma: opts.p2pdma === true } : null;
  const vma: Vma = {
    start: addr, end: addr + size, flags: protToVmFlags(prot) | (shared ? VM_SHARED : 0) | VM_MAYWRITE,
    shmem, pgoff: 0, folioOrder: shared ? 0 : folioOrder,
  };
  insertVma(mm.vmas, vma);
  return addr;
}

/** Drop every PTE of `[start, end)` inside `vma`. @kernel mm/memory.c zap_pte_range() */
export function zapRange(mm: MmStruct, start: number, end: number): void {
  const mem = mm.mem;
  const s = start / PAGE_SIZE;
  const e = end / PAGE_SIZE;
  mm.pt.walk(s, e, (vpn, pfn, bits) => {
    mm.pt.clear(vpn);
    rmapRemovePte(mem, pfn, bits);
  });
}

/** Drop a VMA's reference on its shmem object; the last user releases the object's pages. */
function shmemPut(mem: MemMap, obj: ShmemObject): void {
  if (--obj.users > 0) return;
  for (const pfn of obj.pages.values()) folioPutRefs(mem, mem.head[pfn], 1);
  obj.pages.clear();
}

/** Unmap whatever lies in `[start, end)`, splitting VMAs at the edges. @kernel mm/mmap.c do_vmi_munmap() */
export function unmapRange(mm: MmStruct, start: number, end: number): void {
  splitVmaAt(mm.vmas, start);
  splitVmaAt(mm.vmas, end);
  for (let i = mm.vmas.length - 1; i >= 0; i--) {
    const v = mm.vmas[i]!;
    if (v.start < start || v.end > end) continue;
    zapRange(mm, v.start, v.end);
    if (v.shmem !== null) shmemPut(mm.mem, v.shmem);
    mm.vmas.splice(i, 1);
  }
}

/** The VMAs exactly covering `[start, end)` after splitting; throws ENOMEM on a hole. */
function vmasForRange(mm: MmStruct, fn: string, start: number, end: number): Vma[] {
  if (!rangeFullyMapped(mm.vmas, start, end)) {
    throw new BiopathError('ENOMEM', `${fn}(addr): [${start}, ${end}) is not fully mapped`);
  }
  splitVmaAt(mm.vmas, start);
  splitVmaAt(mm.vmas, end);
  const out: Vma[] = [];
  for (let i = findVmaIndex(mm.vmas, start); i >= 0 && i < mm.vmas.length && mm.vmas[i]!.start < end; i++) {
    out.push(mm.vmas[i]!);
  }
  return out;
}

/**
 * Change protection. Removing write access write-protects every PTE; adding it back makes PTEs of
 * exclusive anon pages (and of shared mappings) writable again, the kernel's mprotect optimisation.
 * @kernel mm/mprotect.c mprotect_fixup()
 */
export function doMprotect(mm: MmStruct, addr: number, len: number, prot: number): void {
  const end = checkUserRange('mprotect', addr, len);
  if (!Number.isInteger(prot) || (prot & ~(PROT_READ | PROT_WRITE)) !== 0) {
    throw new BiopathError('EINVAL', `mprotect(prot): ${prot} is not a combination of PROT_READ and PROT_WRITE`);
  }
  const mem = mm.mem;
  for (const v of vmasForRange(mm, 'mprotect', addr, end)) {
    v.flags = (v.flags & ~(VM_READ | VM_WRITE)) | protToVmFlags(prot);
    const writable = (v.flags & VM_WRITE) !== 0;
    const protnone = (v.flags & (VM_READ | VM_WRITE)) === 0 ? PTE_PROTNONE : 0;
    mm.pt.walk(v.start / PAGE_SIZE, v.end / PAGE_SIZE, (vpn, pfn, bits) => {
      const exclusiveAnon = (mem.flags[mem.head[pfn]] & PG_anon) !== 0 && (mem.flags[pfn] & PG_anon_exclusive) !== 0;
      const canWrite = writable && (v.shmem !== null || exclusiveAnon);
      const b = (canWrite ? bits | PTE_WRITE : bits & ~PTE_WRITE) & ~PTE_PROTNONE;
      mm.pt.setBits(vpn, b | protnone);
    });
  }
}

/** MADV_DONTFORK / MADV_DOFORK / MADV_DONTNEED. @kernel mm/madvise.c madvise_vma_behavior() */
export function doMadvise(mm: MmStruct, addr: number, len: number, advice: number): void {
  const end = checkUserRange('madvise', addr, len);
  if (advice !== MADV_DONTFORK && advice !== MADV_DOFORK && advice !== MADV_DONTNEED) {
    throw new BiopathError('EINVAL', `madvise(advice): ${advice} is not MADV_DONTFORK, MADV_DOFORK or MADV_DONTNEED`);
  }
  for (const v of vmasForRange(mm, 'madvise', addr, end)) {
    if (advice === MADV_DONTFORK) v.flags |= VM_DONTCOPY;
    else if (advice === MADV_DOFORK) v.flags &= ~VM_DONTCOPY;
    else zapRange(mm, v.start, v.end);
  }
}

/** Tear down every mapping. @kernel mm/mmap.c exit_mmap() */
export function exitMmap(mm: MmStruct): void {
  if (mm.vmas.length === 0) return;
  unmapRange(mm, mm.vmas[0]!.start, mm.vmas[mm.vmas.length - 1]!.end);
}
