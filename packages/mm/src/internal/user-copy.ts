/**
 * Process reads and writes through the page tables (faulting, breaking COW), the model's
 * copy_to_user / copy_from_user.
 * @kernel arch/x86/include/asm/uaccess.h copy_to_user()
 */
import { PAGE_SIZE, TASK_SIZE } from './constants.ts';
import { FAULT_READ, FAULT_WRITE, handleMmFault } from './fault.ts';
import type { MmStruct } from './mm-struct.ts';
import { PTE_DIRTY, PTE_WRITE } from './page-table.ts';
import { findVma, VM_READ, VM_WRITE } from './vma.ts';

/** @kernel include/asm-generic/access_ok.h access_ok() */
export function accessOk(addr: number, len: number): boolean {
  return Number.isSafeInteger(addr) && Number.isSafeInteger(len) && addr >= 0 && len >= 0 && addr + len <= TASK_SIZE;
}

/**
 * The frame the process sees at `addr` for a read (or write) access, faulting it in; -1 if the
 * access would SIGSEGV (no VMA, missing permission, or out of memory).
 */
export function userPageForAccess(mm: MmStruct, addr: number, write: boolean): number {
  const vma = findVma(mm.vmas, addr);
  if (vma === null || (vma.flags & (write ? VM_WRITE : VM_READ)) === 0) return -1;
  const vpn = Math.floor(addr / PAGE_SIZE);
  let pfn = mm.pt.pfn(vpn);
  if (pfn < 0 || (write && (mm.pt.bits(vpn) & PTE_WRITE) === 0)) {
    if (handleMmFault(mm, vma, addr, write ? FAULT_WRITE : FAULT_READ) < 0) return -1;
    pfn = mm.pt.pfn(vpn);
  }
  if (write) mm.pt.setBits(vpn, mm.pt.bits(vpn) | PTE_DIRTY);
  return pfn;
}

/**
 * Copy `len` bytes between user memory at `addr` and `buf[bufOff..]`. Returns the number of bytes
 * NOT copied (0 on success), like the kernel's copy_{to,from}_user.
 */
function copyUser(mm: MmStruct, addr: number, buf: Uint8Array, bufOff: number, len: number, toUser: boolean): number {
  if (!accessOk(addr, len)) return len;
  const bytes = mm.mem.bytes;
  let done = 0;
  while (done < len) {
    const a = addr + done;
    const pfn = userPageForAccess(mm, a, toUser);
    if (pfn < 0) break;
    const off = a % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - off, len - done);
    const kaddr = pfn * PAGE_SIZE + off;
    if (toUser) bytes.set(buf.subarray(bufOff + done, bufOff + done + n), kaddr);
    else buf.set(bytes.subarray(kaddr, kaddr + n), bufOff + done);
    done += n;
  }
  return len - done;
}

/** @kernel include/linux/uaccess.h copy_to_user() — returns bytes not copied. */
export function copyToUser(mm: MmStruct, addr: number, src: Uint8Array, srcOff = 0, len = src.length - srcOff): number {
  return copyUser(mm, addr, src, srcOff, len, true);
}

/** @kernel include/linux/uaccess.h copy_from_user() — returns bytes not copied. */
export function copyFromUser(mm: MmStruct, dst: Uint8Array, addr: number, dstOff = 0, len = dst.length - dstOff): number {
  return copyUser(mm, addr, dst, dstOff, len, false);
}
