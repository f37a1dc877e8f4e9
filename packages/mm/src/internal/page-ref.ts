/**
 * Plain references: get_page / put_page and the folio put that frees at zero.
 * @kernel include/linux/mm.h put_page()
 */
import { warnOnOnce } from './arena.ts';
import { GUP_PIN_COUNTING_BIAS } from './constants.ts';
import { folioHasPincount, type MemMap } from './mem-map.ts';
import { freeHugetlbFolio } from './hugetlb-pool.ts';
import { freeFolio } from './page-alloc.ts';
import { PG_hugetlb, PG_reserved } from './page-flags.ts';

/**
 * Drop `refs` references from the folio headed by `head`; free it when the count reaches zero.
 * Reserved frames (the zero page) are never freed; hugetlb folios go back to their pool; a count going negative WARNs and is left as is.
 * @kernel include/linux/mm.h folio_put_refs()
 */
export function folioPutRefs(mem: MemMap, head: number, refs: number): void {
  const rc = mem.refcount[head] - refs;
  mem.refcount[head] = rc;
  if (rc > 0) return;
  if (warnOnOnce(rc < 0, 'mm: folio refcount underflow (mismatched put/unpin)')) return;
  if (warnOnOnce(mem.flags[head] & PG_reserved, 'mm: freeing a reserved frame (zero page refcount hit 0)')) {
    mem.refcount[head] = 1;
    return;
  }
  if (mem.flags[head] & PG_hugetlb) freeHugetlbFolio(mem, head);
  else freeFolio(mem, head);
}

/** @kernel include/linux/mm.h get_page() — one more reference on the folio holding `pfn`. */
export function getPage(mem: MemMap, pfn: number): void {
  const head = mem.head[pfn];
  if (warnOnOnce(mem.refcount[head] <= 0, 'mm: get_page on a free frame')) return;
  mem.refcount[head]++;
}

/** References the page tables hold on a folio: one per PTE-mapped page, one per PMD/PUD mapping. */
function mappedRefs(mem: MemMap, head: number): number {
  let n = mem.entireMapcount[head];
  const end = head + (1 << mem.order[head]);
  for (let p = head; p < end; p++) n += mem.mapcount[p];
  return n;
}

/**
 * Drop one reference; frees at zero. Dropping a reference that pin accounting says belongs to a pin
 * (the refcount would fall below pins + mappings: "put_page on a pinned page") WARNs; the put still
 * happens, the page stays maybe-pinned and the leak gate reports it.
 * @kernel include/linux/mm.h put_page()
 */
export function putPage(mem: MemMap, pfn: number): void {
  const head = mem.head[pfn];
  const pins = mem.dbgPins[head];
  if (pins > 0) {
    const pinRefs = folioHasPincount(mem, head) ? pins : pins * GUP_PIN_COUNTING_BIAS;
    warnOnOnce(mem.refcount[head] - 1 < pinRefs + mappedRefs(mem, head), 'mm: put_page on a pinned page (use unpin_user_page)');
  }
  folioPutRefs(mem, head, 1);
}
