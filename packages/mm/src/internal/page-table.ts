/**
 * A process page table: virtual page number -> (pfn, PTE bits), two levels like a PMD of PTE tables,
 * each leaf a pair of typed arrays so lookups and updates allocate nothing.
 * @kernel include/linux/pgtable.h pte_t
 */

export const PTE_PRESENT = 1;
export const PTE_WRITE = 2;
export const PTE_DIRTY = 4;
/** Special mapping (the zero page): no struct-page reference or mapcount is held for it. */
export const PTE_SPECIAL = 8;
/** The VMA is PROT_NONE: the entry stays but no access (GUP-fast included) may use it. @kernel pte_protnone() */
export const PTE_PROTNONE = 16;

/**
 * Part of a PMD- or PUD-level leaf (PMD-mapped THP, hugetlb): every PTE of the folio carries it with
 * the same bits, and the mapping holds one folio reference and one `_entire_mapcount` for all of them.
 * @kernel include/linux/pgtable.h pmd_leaf()
 */
export const PTE_HUGE = 32;

/** Entries per leaf table. @kernel arch/x86/include/asm/pgtable_64_types.h PTRS_PER_PTE */
export const PTRS_PER_PTE = 512;

/** One leaf table: 512 PTEs. */
export class PteTable {
  readonly pfn = new Int32Array(PTRS_PER_PTE).fill(-1);
  readonly bits = new Uint8Array(PTRS_PER_PTE);
  present = 0;
}

export class PageTable {
  private readonly tables = new Map<number, PteTable>();

  /** The leaf holding `vpn`, or undefined. */
  leaf(vpn: number): PteTable | undefined {
    return this.tables.get(Math.floor(vpn / PTRS_PER_PTE));
  }

  /** pfn mapped at `vpn`, or -1. */
  pfn(vpn: number): number {
    const t = this.tables.get(Math.floor(vpn / PTRS_PER_PTE));
    return t === undefined ? -1 : t.pfn[vpn % PTRS_PER_PTE];
  }

  /** PTE bits at `vpn` (0 when absent). */
  bits(vpn: number): number {
    const t = this.tables.get(Math.floor(vpn / PTRS_PER_PTE));
    return t === undefined ? 0 : t.bits[vpn % PTRS_PER_PTE];
  }

  /** @kernel include/linux/pgtable.h set_pte_at() */
  set(vpn: number, pfn: number, bits: number): void {
    const idx = Math.floor(vpn / PTRS_PER_PTE);
    let t = this.tables.get(idx);
    if (t === undefined) {
      t = new PteTable();
      this.tables.set(idx, t);
    }
    const i = vpn % PTRS_PER_PTE;
    if (t.pfn[i] < 0) t.present++;
    t.pfn[i] = pfn;
    t.bits[i] = bits | PTE_PRESENT;
  }

  /** Replace the bits of a present PTE. */
  setBits(vpn: number, bits: number): void {
    const t = this.leaf(vpn);
    if (t !== undefined && t.pfn[vpn % PTRS_PER_PTE] >= 0) t.bits[vpn % PTRS_PER_PTE] = bits | PTE_PRESENT;
  }

  /** @kernel include/linux/pgtable.h pte_clear() */
  clear(vpn: number): void {
    const idx = Math.floor(vpn / PTRS_PER_PTE);
    const t = this.tables.get(idx);
    if (t === undefined) return;
    const i = vpn % PTRS_PER_PTE;
    if (t.pfn[i] < 0) return;
    t.pfn[i] = -1;
    t.bits[i] = 0;
    if (--t.present === 0) this.tables.delete(idx);
  }

  /** Call `fn` for every present PTE with `startVpn <= vpn < endVpn`, in address order. */
  walk(startVpn: number, endVpn: number, fn: (vpn: number, pfn: number, bits: number) => void): void {
    const first = Math.floor(startVpn / PTRS_PER_PTE);
    const last = Math.floor((endVpn - 1) / PTRS_PER_PTE);
    const keys = last - first + 1 > this.tables.size
      ? [...this.tables.keys()].filter((k) => k >= first && k <= last).sort((a, b) => a - b)
      : null;
    const visit = (idx: number): void => {
      const t = this.tables.get(idx);
      if (t === undefined) return;
      const base = idx * PTRS_PER_PTE;
      for (let i = Math.max(0, startVpn - base); i < PTRS_PER_PTE && base + i < endVpn; i++) {
        if (t.pfn[i] >= 0) fn(base + i, t.pfn[i], t.bits[i]);
      }
    };
    if (keys !== null) for (const k of keys) visit(k);
    else for (let k = first; k <= last; k++) visit(k);
  }
}
