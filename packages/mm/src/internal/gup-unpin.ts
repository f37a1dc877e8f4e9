/**
 * Releasing pins: unpin_user_page(s), the dirty-lock variants, unpin_user_folio, and the v8-era
 * put-or-unpin helpers.
 * @kernel mm/gup.c unpin_user_pages(), unpin_user_page(), unpin_folio(), folio_put_unpin()
 */
import { warnOnOnce } from './arena.ts';
import { FOLL_GET, FOLL_PIN } from './foll-flags.ts';
import { gupPutFolio } from './gup-grab.ts';
import type { MemMap } from './mem-map.ts';
import { PG_dirty, PG_locked, PG_zero } from './page-flags.ts';
import { putPage } from './page-ref.ts';

/** @kernel mm/gup.c unpin_user_page() — drop one pin from the folio holding `pfn`. */
export function unpinUserPage(mem: MemMap, pfn: number): void {
  gupPutFolio(mem, mem.head[pfn], 1, FOLL_PIN);
}

/** @kernel mm/gup.c unpin_folio() / unpin_user_folio() — drop `npages` pins from one folio at once. */
export function unpinUserFolio(mem: MemMap, pfn: number, npages: number): void {
  gupPutFolio(mem, mem.head[pfn], npages, FOLL_PIN);
}

/** Lock, dirty and unlock a folio unless it is already dirty. @kernel mm/page-writeback.c folio_mark_dirty_lock() */
function folioMarkDirtyLock(mem: MemMap, head: number): void {
  const f = mem.flags[head];
  if ((f & (PG_dirty | PG_zero)) !== 0) return;
  mem.flags[head] = f | PG_locked;
  mem.flags[head] |= PG_dirty;
  mem.flags[head] &= ~PG_locked;
}

/**
 * Unpin `n` entries of `pages` from `pagesOffset`; entries < 0 (NULL) are skipped; consecutive
 * entries of one folio are released in one step. With `makeDirty`, each folio is marked dirty
 * (under its lock) first unless it already is.
 * @kernel mm/gup.c unpin_user_pages_dirty_lock()
 */
export function unpinUserPagesDirtyLock(
  mem: MemMap, pages: Int32Array, n: number, makeDirty: boolean, pagesOffset = 0,
): void {
  if (warnOnOnce(n < 0 || n > pages.length - pagesOffset, 'mm: unpin_user_pages with a bad count (an errno?)')) return;
  const end = pagesOffset + n;
  let i = pagesOffset;
  while (i < end) {
    const pfn = pages[i];
    if (pfn < 0) { i++; continue; }
    const head = mem.head[pfn];
    let j = i + 1;
    while (j < end && pages[j] >= 0 && mem.head[pages[j]] === head) j++;
    if (makeDirty) folioMarkDirtyLock(mem, head);
    gupPutFolio(mem, head, j - i, FOLL_PIN);
    i = j;
  }
}

/** @kernel mm/gup.c unpin_user_pages() */
export function unpinUserPages(mem: MemMap, pages: Int32Array, n: number, pagesOffset = 0): void {
  unpinUserPagesDirtyLock(mem, pages, n, false, pagesOffset);
}

/**
 * Unpin the physically consecutive range `pfn .. pfn+npages-1`, folio by folio, dirtying first if asked.
 * @kernel mm/gup.c unpin_user_page_range_dirty_lock()
 */
export function unpinUserPageRangeDirtyLock(mem: MemMap, pfn: number, npages: number, makeDirty: boolean): void {
  let i = 0;
  while (i < npages) {
    const p = pfn + i;
    const head = mem.head[p];
    const inFolio = head + (1 << mem.order[head]) - p;
    const nr = Math.min(inFolio, npages - i);
    if (makeDirty) folioMarkDirtyLock(mem, head);
    gupPutFolio(mem, head, nr, FOLL_PIN);
    i += nr;
  }
}

/**
 * v8 only (removed in v9): FOLL_PIN → unpin, FOLL_GET → put, neither → nothing.
 * `flags` use the 6.2 numbering; convert v8-numbered flags with `follFromV8`.
 * @kernel mm/gup.c folio_put_unpin()
 */
export function folioPutUnpin(mem: MemMap, pfn: number, flags: number): void {
  if (flags & FOLL_PIN) unpinUserPage(mem, pfn);
  else if (flags & FOLL_GET) putPage(mem, pfn);
}

/** v8 only: the page form of {@link folioPutUnpin}. @kernel mm/gup.c page_put_unpin() */
export function pagePutUnpin(mem: MemMap, pfn: number, flags: number): void {
  folioPutUnpin(mem, pfn, flags);
}
