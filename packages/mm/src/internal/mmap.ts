/**
 * mmap / munmap / mprotect / madvise on an emulated process.
 * @kernel mm/mmap.c do_mmap()
 */
import { BiopathError } from './arena.ts';
import {
  MADV_COLLAPSE, MADV_DOFORK, MADV_DONTFORK, MADV_DONTNEED, MADV_HUGEPAGE, MADV_PAGEOUT, MADV_NOHUGEPAGE, MAX_PAGE_ORDER, PAGE_SIZE, PROT_READ,
  PROT_WRITE, TASK_SIZE,
} from './constants.ts';
import { madviseCollapse } from './collapse.ts';
import type { MemfdFile } from './memfd.ts';
import { madvisePageout, zapSwapEntries } from './swap.ts';
import { rmapRemovePte } from './fault.ts';
import { splitHugeAt, zapHugePte } from './huge-mapping.ts';
import { HUGETLB_SIZES, hugetlbOrder, type HugetlbSize } from './hugetlb-pool.ts';
import type { MemMap } from './mem-map.ts';
import type { MmStruct } from './mm-struct.ts';
import { PG_anon, PG_anon_exclusive } from './page-flags.ts';
import { folioPutRefs } from './page-ref.ts';
import { PTE_HUGE, PTE_PROTNONE, PTE_WRITE } from './page-table.ts';
import {
  findVmaIndex, insertVma, rangeFullyMapped, splitVmaAt, type ShmemObject, type Vma, VM_DONTCOPY, VM_HUGEPAGE,
  VM_HUGETLB, VM_MAYWRITE, VM_NOHUGEPAGE, VM_READ, VM_SHARED, VM_WRITE,
} from './vma.ts';

/** Options of {@link doMmap}; see `MmStruct.mmap`. */
export interface MmapOpts {
  prot?: number;
  shared?: boolean;
  addr?: number;
  p2pdma?: boolean;
  folioOrder?: number;
  /** map this memfd (MAP_SHARED with `shared`, else MAP_PRIVATE) from byte `offset` */
  file?: MemfdFile;
  offset?: number;
  /** MAP_HUGETLB with MAP_HUGE_2MB or MAP_HUGE_1GB: hugetlb memory from that size's pool (private, or shared with `shared`) */
  hugetlb?: HugetlbSize;
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
export function getUnmappedArea(mm: MmStruct, len: number, align: number): number {
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

/** The hugetlb page order `opts` ask for (0 = none); throws EINVAL for what is not modelled. */
function checkHugetlbOpts(opts: MmapOpts): number {
  if (opts.hugetlb === undefined) return 0;
  if (!HUGETLB_SIZES.includes(opts.hugetlb)) {
    throw new BiopathError('EINVAL', `mmap(hugetlb): ${String(opts.hugetlb)} is not one of ${HUGETLB_SIZES.join(', ')}`);
  }
  if (opts.p2pdma === true || (opts.folioOrder ?? 0) !== 0) {
    throw new BiopathError('EINVAL', 'mmap(hugetlb): only anonymous hugetlb mappings are modelled (no p2pdma or folioOrder)');
  }
  return hugetlbOrder(opts.hugetlb);
}

/** The shmem object (a new one for MAP_SHARED|MAP_ANONYMOUS, the memfd's for `file`) and page offset of a new VMA. */
function vmaBacking(mm: MmStruct, opts: MmapOpts, shared: boolean): { shmem: ShmemObject | null; pgoff: number } {
  if (opts.file === undefined) {
    return { shmem: shared ? { pages: new Map(), users: 1, p2pdma: opts.p2pdma === true } : null, pgoff: 0 };
  }
  const f = opts.file;
  if (f.closed || f.mem !== mm.mem || opts.p2pdma === true || opts.hugetlb !== undefined) {
    throw new BiopathError('EINVAL', 'mmap(file): a closed memfd, one of another MemMap, or combined with p2pdma/hugetlb');
  }
  const off = opts.offset ?? 0;
  if (!Number.isSafeInteger(off) || off < 0 || off % PAGE_SIZE !== 0) {
    throw new BiopathError('EINVAL', `mmap(offset): ${off} is not a page-aligned file offset`);
  }
  f.obj.users++;
  return { shmem: f.obj, pgoff: off / PAGE_SIZE };
}

/** @kernel mm/mmap.c do_mmap() — anonymous private or shared (shmem) mappings, private or shared hugetlb. */
export function doMmap(mm: MmStruct, len: number, opts: MmapOpts = {}): number {
  const prot = opts.prot ?? (PROT_READ | PROT_WRITE);
  const folioOrder = opts.folioOrder ?? 0;
  if (!Number.isInteger(prot) || (prot & ~(PROT_READ | PROT_WRITE)) !== 0) {
    throw new BiopathError('EINVAL', `mmap(prot): ${prot} is not a combination of PROT_READ and PROT_WRITE`);
  }
  if (!Number.isInteger(folioOrder) || folioOrder < 0 || folioOrder > MAX_PAGE_ORDER) {
    throw new BiopathError('EINVAL', `mmap(folioOrder): ${folioOrder} is not an order 0..${MAX_PAGE_ORDER}`);
  }
  const hOrder = checkHugetlbOpts(opts);
  const unit = PAGE_SIZE << hOrder;
  const size = Math.ceil(len / unit) * unit;
  let addr: number;
  if (opts.addr !== undefined) {
    checkUserRange('mmap', opts.addr, len);
    if (opts.addr % unit !== 0) throw new BiopathError('EINVAL', `mmap(addr): ${opts.addr} is not aligned to the hugetlb page size`);
    addr = opts.addr;
    unmapRange(mm, addr, addr + size);
  } else {
    checkUserRange('mmap', 0, len);
    addr = getUnmappedArea(mm, size, Math.max(unit, PAGE_SIZE << folioOrder));
  }
  const shared = opts.shared === true || opts.p2pdma === true;
  const { shmem, pgoff } = vmaBacking(mm, opts, shared);
  const vma: Vma = {
    start: addr, end: addr + size,
    flags: protToVmFlags(prot) | (shared ? VM_SHARED : 0) | VM_MAYWRITE | (hOrder > 0 ? VM_HUGETLB : 0),
    shmem, pgoff, folioOrder: shmem !== null ? 0 : folioOrder, hugetlbOrder: hOrder,
  };
  insertVma(mm.vmas, vma);
  return addr;
}

/**
 * Drop every PTE of `[start, end)`; a THP straddling an edge is split first, so the walk meets each
 * huge leaf at its head PTE and drops it whole. @kernel mm/memory.c zap_pte_range()
 */
export function zapRange(mm: MmStruct, start: number, end: number): void {
  const mem = mm.mem;
  splitHugeAt(mm, 'zap', start);
  splitHugeAt(mm, 'zap', end);
  if (mm.swapPtes.size > 0) zapSwapEntries(mm, start, end);
  const s = start / PAGE_SIZE;
  const e = end / PAGE_SIZE;
  mm.pt.walk(s, e, (vpn, pfn, bits) => {
    if (bits & PTE_HUGE) {
      zapHugePte(mm, vpn, mem.head[pfn]);
      return;
    }
    mm.pt.clear(vpn);
    rmapRemovePte(mem, pfn, bits);
  });
}

/** Drop a reference (VMA or open file) on a shmem object; the last one releases the object's pages. */
export function shmemPut(mem: MemMap, obj: ShmemObject): void {
  if (--obj.users > 0) return;
  for (const pfn of obj.pages.values()) folioPutRefs(mem, mem.head[pfn], 1);
  obj.pages.clear();
}

/** Unmap whatever lies in `[start, end)`, splitting VMAs at the edges. @kernel mm/mmap.c do_vmi_munmap() */
export function unmapRange(mm: MmStruct, start: number, end: number): void {
  splitHugeAt(mm, 'munmap', start);
  splitHugeAt(mm, 'munmap', end);
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
  splitHugeAt(mm, fn, start);
  splitHugeAt(mm, fn, end);
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
      const canWrite = writable && ((v.flags & VM_SHARED) !== 0 || exclusiveAnon);
      const b = (canWrite ? bits | PTE_WRITE : bits & ~PTE_WRITE) & ~PTE_PROTNONE;
      mm.pt.setBits(vpn, b | protnone);
    });
  }
}

const ADVICE = [MADV_DONTFORK, MADV_DOFORK, MADV_DONTNEED, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_COLLAPSE, MADV_PAGEOUT];

/**
 * Merge neighbouring private anonymous VMAs that madvise left with identical properties (the
 * kernel's vma_merge() after a flags change), so a range split by MADV_DONTFORK is one VMA again
 * after MADV_DOFORK. @kernel mm/mmap.c vma_merge()
 */
function mergeAnonVmas(mm: MmStruct): void {
  for (let i = mm.vmas.length - 2; i >= 0; i--) {
    const a = mm.vmas[i]!;
    const b = mm.vmas[i + 1]!;
    if (a.end !== b.start || a.shmem !== null || b.shmem !== null || a.flags !== b.flags || a.hugetlbOrder > 0) continue;
    if (a.folioOrder !== b.folioOrder || b.hugetlbOrder > 0) continue;
    a.end = b.end;
    mm.vmas.splice(i + 1, 1);
  }
}

/**
 * MADV_DONTFORK / MADV_DOFORK / MADV_DONTNEED / MADV_HUGEPAGE / MADV_NOHUGEPAGE (EINVAL on hugetlb
 * mappings, as in the kernel) / MADV_COLLAPSE (see `madviseCollapse`) / MADV_PAGEOUT (`madvisePageout`). Flag changes merge equal
 * neighbouring anon VMAs back together. @kernel mm/madvise.c madvise_vma_behavior()
 */
export function doMadvise(mm: MmStruct, addr: number, len: number, advice: number): void {
  const end = checkUserRange('madvise', addr, len);
  if (!ADVICE.includes(advice)) {
    throw new BiopathError('EINVAL', `madvise(advice): ${advice} is not MADV_DONTFORK, MADV_DOFORK, MADV_DONTNEED, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_COLLAPSE or MADV_PAGEOUT`);
  }
  const thp = advice === MADV_HUGEPAGE || advice === MADV_NOHUGEPAGE || advice === MADV_COLLAPSE;
  if (thp && mm.vmas.some((v) => v.hugetlbOrder > 0 && v.start < end && v.end > addr)) {
    throw new BiopathError('EINVAL', `madvise(advice): ${advice} on a hugetlb mapping`);
  }
  for (const v of vmasForRange(mm, 'madvise', addr, end)) {
    if (advice === MADV_DONTFORK) v.flags |= VM_DONTCOPY;
    else if (advice === MADV_DOFORK) v.flags &= ~VM_DONTCOPY;
    else if (advice === MADV_HUGEPAGE) v.flags = (v.flags | VM_HUGEPAGE) & ~VM_NOHUGEPAGE;
    else if (advice === MADV_NOHUGEPAGE) v.flags = (v.flags | VM_NOHUGEPAGE) & ~VM_HUGEPAGE;
    else if (advice === MADV_COLLAPSE) madviseCollapse(mm, v, v.start, v.end);
    else if (advice === MADV_PAGEOUT) madvisePageout(mm, v, v.start, v.end);
    else zapRange(mm, v.start, v.end);
  }
  if (advice !== MADV_DONTNEED && advice !== MADV_COLLAPSE && advice !== MADV_PAGEOUT) mergeAnonVmas(mm);
}

/** Tear down every mapping. @kernel mm/mmap.c exit_mmap() */
export function exitMmap(mm: MmStruct): void {
  if (mm.vmas.length === 0) return;
  unmapRange(mm, mm.vmas[0]!.start, mm.vmas[mm.vmas.length - 1]!.end);
}
