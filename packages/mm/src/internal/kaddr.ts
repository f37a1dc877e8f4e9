/**
 * Kernel virtual addresses: the direct map (`PAGE_OFFSET + pfn * PAGE_SIZE`) and a vmalloc area
 * backed by non-consecutive frames, for ITER_KVEC.
 * @kernel mm/vmalloc.c vmalloc()
 */
import { BiopathError } from './arena.ts';
import { PAGE_OFFSET, PAGE_SIZE, VMALLOC_END, VMALLOC_START } from './constants.ts';
import type { MemMap } from './mem-map.ts';
import { allocPages } from './page-alloc.ts';
import { PG_vmalloc } from './page-flags.ts';
import { folioPutRefs } from './page-ref.ts';

/** @kernel include/linux/mm.h page_address() — direct-map kernel address of frame `pfn`. */
export function pageAddress(mem: MemMap, pfn: number): number {
  if (!Number.isInteger(pfn) || pfn < 0 || pfn >= mem.nrPages) {
    throw new BiopathError('EINVAL', `pageAddress(pfn): ${pfn} is not a frame of this MemMap`);
  }
  return PAGE_OFFSET + pfn * PAGE_SIZE;
}

/** @kernel arch/x86/include/asm/page.h virt_addr_valid() */
export function virtAddrValid(mem: MemMap, kaddr: number): boolean {
  return Number.isSafeInteger(kaddr) && kaddr >= PAGE_OFFSET && kaddr < PAGE_OFFSET + mem.nrPages * PAGE_SIZE;
}

/** @kernel arch/x86/include/asm/page.h virt_to_page() — pfn behind a direct-map address. */
export function virtToPage(mem: MemMap, kaddr: number): number {
  if (!virtAddrValid(mem, kaddr)) throw new BiopathError('EFAULT', `virtToPage(kaddr): ${kaddr} is not in the direct map`);
  return Math.floor((kaddr - PAGE_OFFSET) / PAGE_SIZE);
}

/** @kernel include/linux/mm.h is_vmalloc_addr() */
export function isVmallocAddr(_mem: MemMap, kaddr: number): boolean {
  return kaddr >= VMALLOC_START && kaddr < VMALLOC_END;
}

/** @kernel mm/vmalloc.c vmalloc_to_page() — pfn behind a vmalloc address, or -1. */
export function vmallocToPage(mem: MemMap, kaddr: number): number {
  return mem.vmallocPfn.get(Math.floor(kaddr / PAGE_SIZE)) ?? -1;
}

/** Allocate `n` order-0 frames none of which directly follows the previous one; -ENOMEM on failure. */
function allocScattered(mem: MemMap, n: number): Int32Array | null {
  const pfns = new Int32Array(n);
  const skipped: number[] = [];
  let got = 0;
  while (got < n) {
    const pfn = allocPages(mem, 0);
    if (pfn < 0) break;
    if (got > 0 && pfn === pfns[got - 1] + 1) skipped.push(pfn);
    else pfns[got++] = pfn;
  }
  for (const pfn of skipped) folioPutRefs(mem, pfn, 1);
  if (got === n) return pfns;
  for (let i = 0; i < got; i++) folioPutRefs(mem, pfns[i], 1);
  return null;
}

/**
 * Virtually contiguous kernel memory of `size` bytes (rounded up to pages, zeroed) backed by frames
 * that are never physically consecutive. Throws BiopathError('ENOMEM') when frames run out.
 * @kernel mm/vmalloc.c vmalloc()
 */
export function vmalloc(mem: MemMap, size: number): number {
  if (!Number.isSafeInteger(size) || size <= 0) throw new BiopathError('EINVAL', `vmalloc(size): ${size} is not a positive size`);
  const n = Math.ceil(size / PAGE_SIZE);
  const start = VMALLOC_START + mem.vmallocNext;
  if (start + (n + 1) * PAGE_SIZE > VMALLOC_END) throw new BiopathError('ENOMEM', `vmalloc(size): vmalloc area exhausted`);
  const pfns = allocScattered(mem, n);
  if (pfns === null) throw new BiopathError('ENOMEM', `vmalloc(size): no ${n} free frames`);
  mem.vmallocNext += (n + 1) * PAGE_SIZE;
  for (let i = 0; i < n; i++) {
    const pfn = pfns[i];
    mem.flags[pfn] |= PG_vmalloc;
    mem.bytes.fill(0, pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE);
    mem.vmallocPfn.set(start / PAGE_SIZE + i, pfn);
  }
  mem.vmallocAreas.set(start, pfns);
  return start;
}

/** @kernel mm/vmalloc.c vfree() — `kaddr` must be what vmalloc returned. */
export function vfree(mem: MemMap, kaddr: number): void {
  const pfns = mem.vmallocAreas.get(kaddr);
  if (pfns === undefined) throw new BiopathError('EINVAL', `vfree(kaddr): ${kaddr} is not a vmalloc area start`);
  mem.vmallocAreas.delete(kaddr);
  for (let i = 0; i < pfns.length; i++) {
    mem.vmallocPfn.delete(kaddr / PAGE_SIZE + i);
    mem.flags[pfns[i]] &= ~PG_vmalloc;
    folioPutRefs(mem, pfns[i], 1);
  }
}

/** Arena byte offset of kernel address `kaddr`, or -1 if unmapped. */
function kaddrToOffset(mem: MemMap, kaddr: number): number {
  if (virtAddrValid(mem, kaddr)) return kaddr - PAGE_OFFSET;
  const pfn = isVmallocAddr(mem, kaddr) ? vmallocToPage(mem, kaddr) : -1;
  return pfn < 0 ? -1 : pfn * PAGE_SIZE + (kaddr % PAGE_SIZE);
}

/** memcpy between kernel memory at `kaddr` and `buf`, page by page. */
function kernelCopy(mem: MemMap, fn: string, kaddr: number, buf: Uint8Array, toKernel: boolean): void {
  let done = 0;
  while (done < buf.length) {
    const off = kaddrToOffset(mem, kaddr + done);
    if (off < 0) throw new BiopathError('EFAULT', `${fn}(kaddr): ${kaddr + done} is not mapped kernel memory`);
    const n = Math.min(PAGE_SIZE - ((kaddr + done) % PAGE_SIZE), buf.length - done);
    if (toKernel) mem.bytes.set(buf.subarray(done, done + n), off);
    else buf.set(mem.bytes.subarray(off, off + n), done);
    done += n;
  }
}

/** memcpy from kernel address `kaddr` (direct map or vmalloc) into `dst`. */
export function kernelRead(mem: MemMap, kaddr: number, dst: Uint8Array): void {
  kernelCopy(mem, 'kernelRead', kaddr, dst, false);
}

/** memcpy from `src` to kernel address `kaddr` (direct map or vmalloc). */
export function kernelWrite(mem: MemMap, kaddr: number, src: Uint8Array): void {
  kernelCopy(mem, 'kernelWrite', kaddr, src, true);
}
