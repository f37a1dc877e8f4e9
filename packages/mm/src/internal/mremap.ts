/**
 * mremap(): shrink, grow in place, or move a mapping (MREMAP_MAYMOVE, MREMAP_FIXED). Moving carries
 * the page-table entries over unchanged, so pins and references on the pages stay where they were.
 * @kernel mm/mremap.c SYSCALL_DEFINE5(mremap)
 */
import { BiopathError } from './arena.ts';
import { HPAGE_PMD_ORDER, MREMAP_FIXED, MREMAP_MAYMOVE, PAGE_SIZE, TASK_SIZE } from './constants.ts';
import { splitHugeAt, splitHugePmd } from './huge-mapping.ts';
import { checkUserRange, getUnmappedArea, unmapRange } from './mmap.ts';
import type { MmStruct } from './mm-struct.ts';
import { PTE_HUGE } from './page-table.ts';
import { moveSwapEntries } from './swap.ts';
import { findVma, insertVma, type Vma } from './vma.ts';

/** Move the PTEs of `[oldAddr, oldAddr + size)` to `newAddr`, bits and accounting unchanged. @kernel mm/mremap.c move_page_tables() */
function movePageTables(mm: MmStruct, oldAddr: number, size: number, newAddr: number): void {
  const s = oldAddr / PAGE_SIZE;
  const e = s + size / PAGE_SIZE;
  const delta = (newAddr - oldAddr) / PAGE_SIZE;
  if (delta % (1 << HPAGE_PMD_ORDER) !== 0) {
    mm.pt.walk(s, e, (vpn, _pfn, bits) => {
      if ((bits & PTE_HUGE) !== 0 && findVma(mm.vmas, vpn * PAGE_SIZE)?.hugetlbOrder === 0) splitHugePmd(mm, vpn);
    });
  }
  const moved: number[] = [];
  mm.pt.walk(s, e, (vpn, pfn, bits) => { moved.push(vpn, pfn, bits); });
  for (let i = 0; i < moved.length; i += 3) mm.pt.clear(moved[i]!);
  for (let i = 0; i < moved.length; i += 3) mm.pt.set(moved[i]! + delta, moved[i + 1]!, moved[i + 2]!);
  if (mm.swapPtes.size > 0) moveSwapEntries(mm, oldAddr, size, delta);
}

/** Move `[oldAddr, oldAddr + oldSize)` of `vma` to a new VMA at `newAddr` of `newSize` bytes. @kernel mm/mremap.c move_vma() */
function moveVma(mm: MmStruct, vma: Vma, oldAddr: number, oldSize: number, newAddr: number, newSize: number): number {
  splitHugeAt(mm, 'mremap', oldAddr);
  splitHugeAt(mm, 'mremap', oldAddr + oldSize);
  const moved: Vma = { ...vma, start: newAddr, end: newAddr + newSize, pgoff: vma.pgoff + (oldAddr - vma.start) / PAGE_SIZE };
  if (moved.shmem !== null) moved.shmem.users++;
  insertVma(mm.vmas, moved);
  movePageTables(mm, oldAddr, oldSize, newAddr);
  unmapRange(mm, oldAddr, oldAddr + oldSize);
  return newAddr;
}

function checkFlags(flags: number, newAddr: number | undefined): void {
  if (!Number.isInteger(flags) || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) !== 0) {
    throw new BiopathError('EINVAL', `mremap(flags): ${flags} is not a combination of MREMAP_MAYMOVE and MREMAP_FIXED`);
  }
  if ((flags & MREMAP_FIXED) !== 0 && ((flags & MREMAP_MAYMOVE) === 0 || newAddr === undefined)) {
    throw new BiopathError('EINVAL', 'mremap(flags): MREMAP_FIXED needs MREMAP_MAYMOVE and a new address');
  }
}

/** Whether `[start, end)` is free of VMAs and below TASK_SIZE. */
function holeAt(mm: MmStruct, start: number, end: number): boolean {
  return end <= TASK_SIZE && !mm.vmas.some((v) => v.start < end && v.end > start);
}

/**
 * Resize or move the mapping at `oldAddr`. Shrinking unmaps the tail; growing extends in place when
 * the range after the mapping is free, else moves it (MREMAP_MAYMOVE) to a new address, or to
 * `newAddr` (MREMAP_FIXED, replacing what was there). Returns the mapping's new address.
 * Throws BiopathError: EINVAL (bad flags, unaligned address, overlapping fixed range, hugetlb range
 * not aligned to its page size), EFAULT (`[oldAddr, oldAddr+oldLen)` not inside one mapping),
 * ENOMEM (cannot grow in place without MREMAP_MAYMOVE, or no hole left).
 * @kernel mm/mremap.c SYSCALL_DEFINE5(mremap)
 */
export function doMremap(mm: MmStruct, oldAddr: number, oldLen: number, newLen: number, flags: number, newAddr?: number): number {
  checkFlags(flags, newAddr);
  const oldEnd = checkUserRange('mremap', oldAddr, oldLen);
  const newSize = checkUserRange('mremap', 0, newLen);
  let oldSize = oldEnd - oldAddr;
  const vma = findVma(mm.vmas, oldAddr);
  if (vma === null || oldEnd > vma.end) {
    throw new BiopathError('EFAULT', `mremap(oldAddr): [${oldAddr}, ${oldEnd}) is not inside one mapping`);
  }
  const unit = PAGE_SIZE << vma.hugetlbOrder;
  if (oldAddr % unit !== 0 || oldSize % unit !== 0 || newSize % unit !== 0 || (newAddr ?? 0) % unit !== 0) {
    throw new BiopathError('EINVAL', 'mremap(len): hugetlb ranges must be aligned to the hugetlb page size');
  }
  if (flags & MREMAP_FIXED) {
    const na = newAddr!;
    checkUserRange('mremap', na, newLen);
    if (na < oldEnd && na + newSize > oldAddr) throw new BiopathError('EINVAL', `mremap(newAddr): ${na} overlaps the old range`);
    unmapRange(mm, na, na + newSize);
    if (newSize < oldSize) { unmapRange(mm, oldAddr + newSize, oldEnd); oldSize = newSize; }
    return moveVma(mm, vma, oldAddr, oldSize, na, newSize);
  }
  if (newSize <= oldSize) {
    if (newSize < oldSize) unmapRange(mm, oldAddr + newSize, oldEnd);
    return oldAddr;
  }
  if (oldEnd === vma.end && holeAt(mm, oldEnd, oldAddr + newSize)) {
    vma.end = oldAddr + newSize;
    return oldAddr;
  }
  if ((flags & MREMAP_MAYMOVE) === 0) throw new BiopathError('ENOMEM', `mremap(newLen): cannot grow ${oldAddr} in place`);
  return moveVma(mm, vma, oldAddr, oldSize, getUnmappedArea(mm, newSize, unit), newSize);
}
