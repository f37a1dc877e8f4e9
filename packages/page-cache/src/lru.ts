/**
 * The inactive and active file LRU lists: intrusive doubly-linked lists of pfns in typed arrays,
 * so adding, rotating and removing never allocate. New folios start inactive; a second access
 * activates them; reclaim scans the inactive tail and refills it from the active tail.
 * @kernel mm/swap.c folio_add_lru(), folio_mark_accessed(); include/linux/mm_inline.h lruvec_add_folio()
 */
import { LRU_ACTIVE_FILE, LRU_INACTIVE_FILE, type PageCache } from './page-cache.ts';
import { PG_active, PG_lru, PG_referenced } from './page-flags.ts';

/** Link `pfn` at the head (most recent end) of list `lru`. */
function listAdd(pc: PageCache, pfn: number, lru: number): void {
  const l = pc.lists[lru]!;
  pc.lru_prev[pfn] = -1;
  pc.lru_next[pfn] = l.head;
  if (l.head >= 0) pc.lru_prev[l.head] = pfn;
  else l.tail = pfn;
  l.head = pfn;
  l.nr++;
}

/** Unlink `pfn` from list `lru`. */
function listDel(pc: PageCache, pfn: number, lru: number): void {
  const l = pc.lists[lru]!;
  const prev = pc.lru_prev[pfn];
  const next = pc.lru_next[pfn];
  if (prev >= 0) pc.lru_next[prev] = next;
  else l.head = next;
  if (next >= 0) pc.lru_prev[next] = prev;
  else l.tail = prev;
  pc.lru_next[pfn] = -1;
  pc.lru_prev[pfn] = -1;
  l.nr--;
}

/** The list a folio on the LRU is on. @kernel include/linux/mm_inline.h folio_lru_list() */
export function folioLruList(pc: PageCache, pfn: number): number {
  return (pc.flags[pfn] & PG_active) !== 0 ? LRU_ACTIVE_FILE : LRU_INACTIVE_FILE;
}

/** Put a new cache folio on the inactive list. @kernel mm/swap.c folio_add_lru() */
export function folioAddLru(pc: PageCache, pfn: number): void {
  if ((pc.flags[pfn] & PG_lru) !== 0) return;
  pc.flags[pfn] = (pc.flags[pfn] & ~PG_active) | PG_lru;
  listAdd(pc, pfn, LRU_INACTIVE_FILE);
}

/** Take a folio off whichever list holds it. @kernel include/linux/mm_inline.h lruvec_del_folio() */
export function folioDelLru(pc: PageCache, pfn: number): void {
  if ((pc.flags[pfn] & PG_lru) === 0) return;
  listDel(pc, pfn, folioLruList(pc, pfn));
  pc.flags[pfn] &= ~(PG_lru | PG_active);
}

/** Move a folio to the head of `lru` (activating or deactivating it). */
export function folioMoveLru(pc: PageCache, pfn: number, lru: number): void {
  if ((pc.flags[pfn] & PG_lru) === 0) return;
  listDel(pc, pfn, folioLruList(pc, pfn));
  if (lru === LRU_ACTIVE_FILE) pc.flags[pfn] |= PG_active;
  else pc.flags[pfn] &= ~PG_active;
  listAdd(pc, pfn, lru);
}

/**
 * Record an access: the first sets PG_referenced, the second (still inactive) activates the folio.
 * @kernel mm/swap.c folio_mark_accessed()
 */
export function folioMarkAccessed(pc: PageCache, pfn: number): void {
  const f = pc.flags[pfn];
  if ((f & PG_referenced) === 0) {
    pc.flags[pfn] = f | PG_referenced;
  } else if ((f & (PG_active | PG_lru)) === PG_lru) {
    pc.flags[pfn] = f & ~PG_referenced;
    folioMoveLru(pc, pfn, LRU_ACTIVE_FILE);
  }
}
