/**
 * Faults on PMD-mapped THPs: a write fault in an empty, aligned 2 MiB range of a MADV_HUGEPAGE
 * mapping allocates a THP mapped by one PMD; a write or unshare fault on a write-protected PMD reuses
 * the THP when it is exclusive or unreferenced elsewhere, and otherwise splits the PMD so the fault is
 * handled per PTE (copying one small page).
 * @kernel mm/huge_memory.c do_huge_pmd_anonymous_page()
 */
import { HPAGE_PMD_ORDER, PAGE_SIZE } from './constants.ts';
import { folioExclusive, hugeBaseVpn, setFolioExclusive, setHugeBits, setHugePte, splitHugePmd } from './huge-mapping.ts';
import type { MmStruct } from './mm-struct.ts';
import { allocPages } from './page-alloc.ts';
import { PG_anon, PG_uptodate } from './page-flags.ts';
import { PTE_DIRTY, PTE_SPECIAL, PTE_WRITE } from './page-table.ts';
import { VM_HUGEPAGE, VM_NOHUGEPAGE, VM_WRITE, type Vma } from './vma.ts';

/** The PMD fault of {@link doHugePmdWpPage} was not handled at PMD level: the PMD was split. */
export const VM_FAULT_FALLBACK = 1;

/** Whether the 2 MiB range around `vpn` may get a THP: MADV_HUGEPAGE, inside the VMA, no PTE present. */
function thpFits(mm: MmStruct, vma: Vma, vpn: number): boolean {
  if ((vma.flags & (VM_HUGEPAGE | VM_NOHUGEPAGE)) !== VM_HUGEPAGE) return false;
  const n = 1 << HPAGE_PMD_ORDER;
  const base = vpn - (vpn % n);
  if (base * PAGE_SIZE < vma.start || (base + n) * PAGE_SIZE > vma.end) return false;
  for (let i = 0; i < n; i++) if (mm.pt.pfn(base + i) >= 0) return false;
  return true;
}

/**
 * Read fault where no page is mapped: the huge zero page by one PMD, if the MemMap has one and
 * {@link thpFits}. Returns 0 when mapped, -1 otherwise. @kernel mm/huge_memory.c do_huge_pmd_anonymous_page()
 */
export function doHugeZeroPage(mm: MmStruct, vma: Vma, vpn: number): number {
  if (mm.mem.hugeZeroPfn < 0 || !thpFits(mm, vma, vpn)) return -1;
  setHugePte(mm, vpn - (vpn % (1 << HPAGE_PMD_ORDER)), mm.mem.hugeZeroPfn, PTE_SPECIAL);
  return 0;
}

/**
 * Write fault where no page is mapped: a PMD-mapped THP if {@link thpFits} and a 2 MiB block is free.
 * Returns 0 when mapped, -1 when the caller should fall back to a small page.
 * @kernel mm/huge_memory.c do_huge_pmd_anonymous_page()
 */
export function doHugePmdAnonymousPage(mm: MmStruct, vma: Vma, vpn: number): number {
  if (!thpFits(mm, vma, vpn)) return -1;
  const mem = mm.mem;
  const head = allocPages(mem, HPAGE_PMD_ORDER, { zero: true });
  if (head < 0) return -1;
  mem.flags[head] |= PG_anon | PG_uptodate;
  setFolioExclusive(mem, head, true);
  mem.entireMapcount[head] = 1;
  setHugePte(mm, vpn - (vpn % (1 << HPAGE_PMD_ORDER)), head, PTE_WRITE | PTE_DIRTY);
  return 0;
}

/**
 * Write or unshare fault on a write-protected PMD-mapped THP: reuse it when AnonExclusive or when
 * the PMD's reference is the folio's only one (`folio_ref_count() == 1`); unshare of a reused THP leaves
 * the PMD read-only. Otherwise (the huge zero page included) split the PMD and return {@link VM_FAULT_FALLBACK}.
 * @kernel mm/huge_memory.c do_huge_pmd_wp_page()
 */
export function doHugePmdWpPage(mm: MmStruct, vma: Vma, vpn: number, unshare: boolean): number {
  const mem = mm.mem;
  const base = hugeBaseVpn(mm, vpn);
  const head = mem.head[mm.pt.pfn(base)];
  if ((mem.flags[head] & PG_anon) !== 0 && (folioExclusive(mem, head) || mem.refcount[head] === 1)) {
    setFolioExclusive(mem, head, true);
    if (!unshare && (vma.flags & VM_WRITE) !== 0) {
      setHugeBits(mm, base, 1 << mem.order[head], mm.pt.bits(base) | PTE_WRITE | PTE_DIRTY);
    }
    return 0;
  }
  splitHugePmd(mm, base);
  return VM_FAULT_FALLBACK;
}
