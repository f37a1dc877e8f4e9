/**
 * get_user_pages / pin_user_pages and their -fast twins over an emulated process.
 * @kernel mm/gup.c gup_fast_fallback()
 */
import { BiopathError, errno, warnOnOnce } from './arena.ts';
import { MMF_HAS_PINNED, PAGE_SIZE, TASK_SIZE } from './constants.ts';
import { FAULT_READ, FAULT_UNSHARE, FAULT_WRITE, type FaultKind, handleMmFault } from './fault.ts';
import {
  FOLL_FAST_ONLY, FOLL_GET, FOLL_LONGTERM, FOLL_NOFAULT, FOLL_PIN, FOLL_WRITE, isValidGupArgs,
} from './foll-flags.ts';
import { tryGrabFolio } from './gup-grab.ts';
import { checkAndMigrateMovablePages, folioIsLongtermPinnable } from './longterm-pin.ts';
import type { MemMap } from './mem-map.ts';
import type { MmStruct } from './mm-struct.ts';
import { PG_anon, PG_anon_exclusive } from './page-flags.ts';
import { PTE_HUGE, PTE_PROTNONE, PTE_SPECIAL, PTE_WRITE, PTRS_PER_PTE, type PteTable } from './page-table.ts';
import { findVma, isCowMapping, VM_READ, VM_WRITE, type Vma } from './vma.ts';

/**
 * Whether a R/O pin of `pfn` must first unshare it so the pin stays coherent with the page table:
 * anon pages that are not exclusive; non-anon pages (zero page) only for FOLL_LONGTERM in COW mappings
 * (`vma` null = GUP-fast, which cannot tell and bails out).
 * @kernel mm/internal.h gup_must_unshare()
 */
export function gupMustUnshare(mem: MemMap, vma: Vma | null, flags: number, pfn: number): boolean {
  if ((flags & (FOLL_WRITE | FOLL_PIN)) !== FOLL_PIN) return false;
  if ((mem.flags[mem.head[pfn]] & PG_anon) === 0 || pfn === mem.zeroPfn) {
    if ((flags & FOLL_LONGTERM) === 0) return false;
    return vma === null || isCowMapping(vma);
  }
  return (mem.flags[pfn] & PG_anon_exclusive) === 0;
}

/**
 * The lockless walk: grab present pages until one is absent, special (zero page), PROT_NONE, not
 * writable for a write, needs unsharing, or cannot be grabbed. A FOLL_PIN walk does nothing while fork is copying
 * (odd `writeProtectSeq`). Returns the number grabbed.
 * @kernel mm/gup.c gup_fast()
 */
function gupFast(mm: MmStruct, start: number, nrPages: number, flags: number, pages: Int32Array | null, off: number): number {
  if ((flags & FOLL_PIN) !== 0 && (mm.writeProtectSeq & 1) !== 0) return 0;
  const mem = mm.mem;
  const vpn0 = start / PAGE_SIZE;
  let leaf: PteTable | undefined;
  let i = 0;
  for (; i < nrPages; i++) {
    const vpn = vpn0 + i;
    const idx = vpn % PTRS_PER_PTE;
    if (leaf === undefined || idx === 0) leaf = mm.pt.leaf(vpn);
    if (leaf === undefined) break;
    const pfn = leaf.pfn[idx];
    const bits = leaf.bits[idx];
    if (pfn < 0 || (bits & (PTE_SPECIAL | PTE_PROTNONE)) !== 0) break;
    if ((flags & FOLL_WRITE) !== 0 && (bits & PTE_WRITE) === 0) break;
    if (gupMustUnshare(mem, null, flags, pfn)) break;
    if ((flags & FOLL_LONGTERM) !== 0 && !folioIsLongtermPinnable(mem, pfn)) break;
    if ((bits & PTE_HUGE) !== 0) {
      const n = gupFastLeaf(mem, pfn, Math.min(nrPages - i, PTRS_PER_PTE - idx), flags, pages, off + i);
      if (n === 0) break;
      i += n - 1;
      continue;
    }
    if (tryGrabFolio(mem, pfn, 1, flags) !== 0) break;
    if (pages !== null) pages[off + i] = pfn;
  }
  return i;
}

/**
 * GUP-fast over a PMD/PUD leaf: one grab of `n` references for the consecutive pages from `pfn` (up to
 * the end of the folio), recorded page by page. Returns the pages taken (0 if the grab failed).
 * @kernel mm/gup.c gup_fast_pmd_leaf()
 */
function gupFastLeaf(mem: MemMap, pfn: number, max: number, flags: number, pages: Int32Array | null, off: number): number {
  const head = mem.head[pfn];
  const n = Math.min(max, head + (1 << mem.order[head]) - pfn);
  if (tryGrabFolio(mem, pfn, n, flags) !== 0) return 0;
  if (pages !== null) for (let k = 0; k < n; k++) pages[off + k] = pfn + k;
  return n;
}

/** @kernel mm/gup.c check_vma_flags() */
function checkVmaFlags(vma: Vma, flags: number): boolean {
  return (vma.flags & ((flags & FOLL_WRITE) !== 0 ? VM_WRITE : VM_READ)) !== 0;
}

/**
 * Find the page for one address, faulting (write, or unshare for R/O pins) until the PTE satisfies
 * the flags. Returns the pfn or -errno. @kernel mm/gup.c follow_page_pte() / faultin_page()
 */
function followOrFault(mm: MmStruct, vma: Vma, addr: number, flags: number): number {
  const vpn = addr / PAGE_SIZE;
  for (let tries = 0; tries < 3; tries++) {
    const pfn = mm.pt.pfn(vpn);
    let kind: FaultKind = (flags & FOLL_WRITE) !== 0 ? FAULT_WRITE : FAULT_READ;
    if (pfn >= 0) {
      const writeOk = (flags & FOLL_WRITE) === 0 || (mm.pt.bits(vpn) & PTE_WRITE) !== 0;
      if (writeOk && !gupMustUnshare(mm.mem, vma, flags, pfn)) return pfn;
      if (writeOk) kind = FAULT_UNSHARE;
    }
    if ((flags & FOLL_NOFAULT) !== 0) return -errno.EFAULT;
    const ret = handleMmFault(mm, vma, addr, kind);
    if (ret < 0) return ret;
  }
  warnOnOnce(true, 'mm: GUP fault did not resolve after 3 tries');
  return -errno.EFAULT;
}

/**
 * The slow path (under mmap_lock): VMA checks, fault-in, COW break / unshare, grab.
 * Returns pages grabbed, or -errno if the first page failed. @kernel mm/gup.c __get_user_pages()
 */
function gupSlow(mm: MmStruct, start: number, nrPages: number, flags: number, pages: Int32Array | null, off: number): number {
  let vma: Vma | null = null;
  for (let i = 0; i < nrPages; i++) {
    const addr = start + i * PAGE_SIZE;
    if (vma === null || addr >= vma.end) vma = findVma(mm.vmas, addr);
    let ret = vma === null || !checkVmaFlags(vma, flags) ? -errno.EFAULT : followOrFault(mm, vma, addr, flags);
    if (ret >= 0) {
      const pfn = ret;
      ret = tryGrabFolio(mm.mem, pfn, 1, flags);
      if (ret === 0 && pages !== null) pages[off + i] = pfn;
    }
    if (ret < 0) return i > 0 ? i : ret;
  }
  return nrPages;
}

/** Validate arguments shared by all four entry points; returns full flags, or -errno. */
function gupPrepare(
  fn: string, mm: MmStruct, start: number, nrPages: number, gupFlags: number, toSet: number, fast: boolean,
  pages: Int32Array | null, off: number,
): number {
  const flags = isValidGupArgs(gupFlags, toSet, fast, pages !== null);
  if (flags < 0) return -errno.EINVAL;
  if (pages !== null && (!Number.isInteger(off) || off < 0 || off + nrPages > pages.length)) {
    throw new BiopathError('EINVAL', `${fn}(pages): no room for ${nrPages} entries from offset ${off}`);
  }
  if (!Number.isInteger(nrPages) || nrPages < 0) return -errno.EINVAL;
  if (flags & FOLL_PIN) mm.flags |= MMF_HAS_PINNED;
  return flags;
}

function gupCommon(
  fn: string, mm: MmStruct, start: number, nrPages: number, gupFlags: number, pages: Int32Array | null,
  off: number, toSet: number, fast: boolean,
): number {
  const flags = gupPrepare(fn, mm, start, nrPages, gupFlags, toSet, fast, pages, off);
  if (flags < 0 || nrPages === 0) return Math.min(flags, 0);
  if (!Number.isSafeInteger(start) || start < 0) return -errno.EFAULT;
  start -= start % PAGE_SIZE;
  const end = start + nrPages * PAGE_SIZE;
  if (!Number.isSafeInteger(end)) return -errno.EOVERFLOW;
  if (end > TASK_SIZE) return -errno.EFAULT;
  if ((flags & FOLL_LONGTERM) === 0 || pages === null) return gupOnce(mm, start, nrPages, flags, pages, off, fast);
  for (;;) {
    const nr = gupOnce(mm, start, nrPages, flags, pages, off, fast);
    if (nr <= 0) return nr;
    const rc = checkAndMigrateMovablePages(mm, start, nr, pages, off, flags);
    if (rc !== -errno.EAGAIN) return rc < 0 ? rc : nr;
  }
}

/** One pass: the fast walk (if `fast`), then the slow path for the rest. Returns count or -errno. */
function gupOnce(
  mm: MmStruct, start: number, nrPages: number, flags: number, pages: Int32Array | null, off: number, fast: boolean,
): number {
  let nr = 0;
  if (fast) {
    nr = gupFast(mm, start, nrPages, flags, pages, off);
    if (nr === nrPages || (flags & FOLL_FAST_ONLY) !== 0) return nr;
  }
  if (warnOnOnce(mm.mmapLockedForWrite, 'mm: GUP slow path while fork holds mmap_lock (would sleep)')) {
    return nr > 0 ? nr : -errno.EAGAIN;
  }
  const ret = gupSlow(mm, start + nr * PAGE_SIZE, nrPages - nr, flags, pages, off + nr);
  if (ret < 0) return nr > 0 ? nr : ret;
  return nr + ret;
}

/**
 * Pin `nrPages` user pages from `start` (rounded down to a page) into `pages[pagesOffset..]`.
 * `gupFlags` may hold FOLL_WRITE, FOLL_LONGTERM, FOLL_FORCE, FOLL_NOFAULT, FOLL_PCI_P2PDMA,
 * FOLL_FAST_ONLY; anything else (FOLL_PIN or FOLL_GET included) is -EINVAL. Sets MMF_HAS_PINNED.
 * Returns the number pinned (possibly short) or -errno if none was. Release with unpinUserPage(s).
 * With FOLL_LONGTERM, anon pages in ZONE_MOVABLE are first migrated out (then pinned again); a page
 * that cannot move makes the call return -ENOMEM with nothing pinned.
 * @kernel mm/gup.c pin_user_pages_fast()
 */
export function pinUserPagesFast(
  mm: MmStruct, start: number, nrPages: number, gupFlags: number, pages: Int32Array | null, pagesOffset = 0,
): number {
  return gupCommon('pinUserPagesFast', mm, start, nrPages, gupFlags, pages, pagesOffset, FOLL_PIN, true);
}

/** FOLL_GET twin of {@link pinUserPagesFast}; release with putPage. @kernel mm/gup.c get_user_pages_fast() */
export function getUserPagesFast(
  mm: MmStruct, start: number, nrPages: number, gupFlags: number, pages: Int32Array | null, pagesOffset = 0,
): number {
  return gupCommon('getUserPagesFast', mm, start, nrPages, gupFlags, pages, pagesOffset, FOLL_GET, true);
}

/** The slow-path-only pin (FOLL_FAST_ONLY is -EINVAL). @kernel mm/gup.c pin_user_pages() */
export function pinUserPages(
  mm: MmStruct, start: number, nrPages: number, gupFlags: number, pages: Int32Array | null, pagesOffset = 0,
): number {
  return gupCommon('pinUserPages', mm, start, nrPages, gupFlags, pages, pagesOffset, FOLL_PIN, false);
}

/** The slow-path-only get. @kernel mm/gup.c get_user_pages() */
export function getUserPages(
  mm: MmStruct, start: number, nrPages: number, gupFlags: number, pages: Int32Array | null, pagesOffset = 0,
): number {
  return gupCommon('getUserPages', mm, start, nrPages, gupFlags, pages, pagesOffset, FOLL_GET, false);
}
