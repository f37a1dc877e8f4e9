/**
 * fork(): duplicate an emulated address space with the post-5.19 anon-exclusive COW rules.
 * @kernel kernel/fork.c dup_mmap()
 */
import { BiopathError, errno } from './arena.ts';
import { PAGE_SIZE } from './constants.ts';
import { rmapAddPte } from './fault.ts';
import { folioNeedsCowForDma } from './gup-grab.ts';
import { allocHugetlbFolio } from './hugetlb-pool.ts';
import { copySwapEntries } from './swap.ts';
import { folioExclusive, hugeRmapAdd, setFolioExclusive, setHugeBits, setHugePte, splitHugePmd } from './huge-mapping.ts';
import { MmStruct } from './mm-struct.ts';
import { allocPages } from './page-alloc.ts';
import { PG_anon, PG_anon_exclusive, PG_hugetlb, PG_uptodate } from './page-flags.ts';
import { PTE_DIRTY, PTE_HUGE, PTE_SPECIAL, PTE_WRITE } from './page-table.ts';
import { VM_DONTCOPY, VM_SHARED, VM_WRITE, type Vma } from './vma.ts';

/** Test hooks for {@link dupMmap}. */
export interface ForkHooks {
  /**
   * Runs while fork holds the parent's mmap_lock for writing and `writeProtectSeq` is odd, after
   * the page tables were copied: models a GUP-fast racing with fork (docs/KERNEL-SEMANTICS.md §4.1 step 5).
   */
  duringCopy?: (parent: MmStruct, child: MmStruct) => void;
}

/**
 * Copy one present PTE of a private mapping into the child.
 * Returns 0 or -ENOMEM (a maybe-pinned page could not be copied).
 * @kernel mm/memory.c copy_present_pte()
 */
function copyPresentPte(parent: MmStruct, child: MmStruct, vma: Vma, vpn: number, pfn: number, bits: number): number {
  const mem = parent.mem;
  if (bits & PTE_SPECIAL) {
    child.pt.set(vpn, pfn, PTE_SPECIAL);
    return 0;
  }
  const anon = (mem.flags[mem.head[pfn]] & PG_anon) !== 0;
  if (anon && (mem.flags[pfn] & PG_anon_exclusive) !== 0) {
    if (folioNeedsCowForDma(parent, pfn)) return copyPresentPage(child, vma, vpn, pfn);
    mem.flags[pfn] &= ~PG_anon_exclusive;
  }
  parent.pt.setBits(vpn, bits & ~PTE_WRITE);
  child.pt.set(vpn, pfn, bits & ~PTE_WRITE);
  rmapAddPte(mem, pfn);
  return 0;
}

/**
 * The child gets its own copy of a maybe-pinned exclusive page; the parent keeps the original,
 * still writable and exclusive. @kernel mm/memory.c copy_present_page()
 */
function copyPresentPage(child: MmStruct, vma: Vma, vpn: number, srcPfn: number): number {
  const mem = child.mem;
  const pfn = allocPages(mem, 0);
  if (pfn < 0) return -errno.ENOMEM;
  mem.bytes.copyWithin(pfn * PAGE_SIZE, srcPfn * PAGE_SIZE, (srcPfn + 1) * PAGE_SIZE);
  mem.flags[pfn] |= PG_anon | PG_anon_exclusive | PG_uptodate;
  mem.mapcount[pfn] = 1;
  child.pt.set(vpn, pfn, (vma.flags & VM_WRITE) !== 0 ? PTE_WRITE | PTE_DIRTY : PTE_DIRTY);
  return 0;
}

/**
 * The child gets its own copy of a maybe-pinned exclusive hugetlb page (from the pool); the parent
 * keeps the original. Returns 0 or -ENOMEM. @kernel mm/hugetlb.c copy_hugetlb_page_range()
 */
function copyHugetlbPage(child: MmStruct, vma: Vma, base: number, src: number): number {
  const mem = child.mem;
  const n = 1 << mem.order[src];
  const head = allocHugetlbFolio(mem, mem.order[src], false);
  if (head < 0) return -errno.ENOMEM;
  mem.bytes.copyWithin(head * PAGE_SIZE, src * PAGE_SIZE, (src + n) * PAGE_SIZE);
  mem.flags[head] |= PG_anon | PG_uptodate;
  setFolioExclusive(mem, head, true);
  mem.entireMapcount[head] = 1;
  setHugePte(child, base, head, (vma.flags & VM_WRITE) !== 0 ? PTE_WRITE | PTE_DIRTY : PTE_DIRTY);
  return 0;
}

/**
 * Copy a huge leaf (hugetlb or PMD-mapped THP) whose head PTE is at `base`: share it read-only and
 * clear AnonExclusive, unless the folio is exclusive and maybe pinned: then hugetlb copies the whole
 * page for the child, and a THP PMD is split so its pages are copied PTE by PTE (returns 1: the caller
 * continues per PTE). Returns 0, 1 or -ENOMEM.
 * @kernel mm/huge_memory.c copy_huge_pmd()
 */
function copyHugePte(parent: MmStruct, child: MmStruct, vma: Vma, base: number, head: number, bits: number): number {
  const mem = parent.mem;
  const n = 1 << mem.order[head];
  if (bits & PTE_SPECIAL) {
    setHugePte(child, base, head, bits);
    return 0;
  }
  if ((mem.flags[head] & PG_anon) !== 0 && folioExclusive(mem, head)) {
    if (folioNeedsCowForDma(parent, head)) {
      if (mem.flags[head] & PG_hugetlb) return copyHugetlbPage(child, vma, base, head);
      splitHugePmd(parent, base);
      return 1;
    }
    setFolioExclusive(mem, head, false);
  }
  setHugeBits(parent, base, n, bits & ~PTE_WRITE);
  setHugePte(child, base, head, bits & ~PTE_WRITE);
  hugeRmapAdd(mem, head);
  return 0;
}

/** Copy the PTEs of one VMA. Returns 0 or -ENOMEM. @kernel mm/memory.c copy_page_range() */
function copyPageRange(parent: MmStruct, child: MmStruct, vma: Vma): number {
  let err = 0;
  const shared = (vma.flags & VM_SHARED) !== 0;
  parent.pt.walk(vma.start / PAGE_SIZE, vma.end / PAGE_SIZE, (vpn, pfn, bits) => {
    if (err !== 0) return;
    if (shared) {
      child.pt.set(vpn, pfn, bits);
      if ((bits & PTE_HUGE) === 0) rmapAddPte(parent.mem, pfn);
      else if (pfn === parent.mem.head[pfn]) hugeRmapAdd(parent.mem, pfn); // one entire mapping per leaf
      return;
    }
    if (bits & PTE_HUGE) {
      if (pfn !== parent.mem.head[pfn]) return;
      err = copyHugePte(parent, child, vma, vpn, pfn, bits);
      if (err !== 1) return;
      bits = parent.pt.bits(vpn);
    }
    err = copyPresentPte(parent, child, vma, vpn, pfn, bits);
  });
  return err;
}

/**
 * Duplicate `parent` for a child process. MADV_DONTFORK areas are left out; shared mappings are
 * shared; private anon pages are shared read-only, except exclusive maybe-pinned ones in an mm with
 * MMF_HAS_PINNED, which the child gets a copy of. If a copy cannot be allocated the child is torn down
 * and BiopathError('ENOMEM') is thrown (pages already write-protected in the parent stay so).
 * @kernel kernel/fork.c dup_mmap()
 */
export function dupMmap(parent: MmStruct, hooks?: ForkHooks): MmStruct {
  const child = new MmStruct(parent.mem);
  child.mmapBase = parent.mmapBase;
  parent.mmapLockedForWrite = true;
  parent.writeProtectSeq++;
  let err = 0;
  try {
    for (const vma of parent.vmas) {
      if (vma.flags & VM_DONTCOPY) continue;
      if (vma.shmem !== null) vma.shmem.users++;
      child.vmas.push({ ...vma });
      err = copyPageRange(parent, child, vma);
      if (parent.swapPtes.size > 0) copySwapEntries(parent, child, vma.start, vma.end);
      if (err !== 0) break;
    }
    if (err === 0) hooks?.duringCopy?.(parent, child);
  } catch (e) {
    child.exit();
    throw e;
  } finally {
    parent.writeProtectSeq++;
    parent.mmapLockedForWrite = false;
  }
  if (err !== 0) {
    child.exit();
    throw new BiopathError('ENOMEM', 'fork(): no free frame to copy a maybe-pinned page for the child');
  }
  return child;
}
