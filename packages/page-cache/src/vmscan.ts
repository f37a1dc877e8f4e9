/**
 * Reclaim: free clean, unpinned, unreferenced cache folios from the cold end of the inactive list,
 * refilling it from the active list. Never frees a folio `folioMaybeDmaPinned` reports, one that is
 * dirty or under writeback, locked, one its mapping's `a_ops.releaseFolio` refuses (a frame of a
 * live mmap run), or held by anyone but the cache; it counts every skip by reason.
 * @kernel mm/vmscan.c shrink_lruvec(), shrink_inactive_list(), shrink_folio_list(), shrink_active_list()
 */
import { folioMaybeDmaPinned, PG_dirty, PG_locked } from '@biopath/mm';
import { filemapRemoveFolio } from './filemap.ts';
import { folioMoveLru } from './lru.ts';
import type { AddressSpace } from './address-space.ts';
import { LRU_ACTIVE_FILE, LRU_INACTIVE_FILE, type PageCache } from './page-cache.ts';
import { PG_referenced, PG_writeback } from './page-flags.ts';

/** What one reclaim pass did. @kernel struct reclaim_stat */
export interface ReclaimStats {
  nr_scanned: number;
  nr_reclaimed: number;
  /** Kept: `folioMaybeDmaPinned` (a DMA may be writing or reading it). */
  nr_skipped_pinned: number;
  /** Kept: dirty data not yet written back. */
  nr_skipped_dirty: number;
  nr_skipped_writeback: number;
  nr_skipped_locked: number;
  /** Kept: its mapping's `a_ops.releaseFolio` refused (a frame of a live mmap run). */
  nr_skipped_mapped: number;
  /** Kept: references beyond the cache's own (a GUP reference, an emulated mapping). */
  nr_skipped_busy: number;
  /** Active folios moved to the inactive list to refill it. */
  nr_deactivated: number;
}

export function emptyReclaimStats(): ReclaimStats {
  return {
    nr_scanned: 0, nr_reclaimed: 0, nr_skipped_pinned: 0, nr_skipped_dirty: 0, nr_skipped_writeback: 0,
    nr_skipped_locked: 0, nr_skipped_mapped: 0, nr_skipped_busy: 0, nr_deactivated: 0,
  };
}

/** Keep the inactive list at least as long as the active one. @kernel shrink_active_list() */
function shrinkActiveList(pc: PageCache, nrToScan: number, st: ReclaimStats): void {
  const active = pc.lists[LRU_ACTIVE_FILE];
  for (let n = 0; n < nrToScan && active.tail >= 0; n++) {
    const pfn = active.tail;
    pc.flags[pfn] &= ~PG_referenced;
    folioMoveLru(pc, pfn, LRU_INACTIVE_FILE);
    st.nr_deactivated++;
  }
}

/**
 * Why a folio cannot be freed, as the counter to bump, or null if it can.
 * Order matters for reporting: a pinned folio is reported as pinned whatever else holds it.
 */
function keepReason(pc: PageCache, as: AddressSpace, pfn: number): keyof ReclaimStats | null {
  const mf = pc.mem.flags[pfn];
  const f = pc.flags[pfn];
  if (folioMaybeDmaPinned(pc.mem, pfn)) return 'nr_skipped_pinned';
  if ((mf & PG_locked) !== 0) return 'nr_skipped_locked';
  if ((f & PG_writeback) !== 0) return 'nr_skipped_writeback';
  if ((mf & PG_dirty) !== 0) return 'nr_skipped_dirty';
  if (!as.a_ops.releaseFolio(as, pfn)) return 'nr_skipped_mapped';
  if (pc.mem.refcount[pfn] !== 1) return 'nr_skipped_busy';
  return null;
}

/**
 * One folio from the inactive tail: free it, or rotate it back with a reason. PG_referenced alone
 * does not keep an unmapped cache folio (only a second access activates it, in folioMarkAccessed).
 * @kernel mm/vmscan.c shrink_folio_list(), folio_check_references() (FOLIOREF_RECLAIM_CLEAN)
 */
function shrinkFolio(pc: PageCache, pfn: number, st: ReclaimStats): void {
  st.nr_scanned++;
  pc.stats.pgscan++;
  pc.flags[pfn] &= ~PG_referenced;
  const as = pc.spaces[pc.mapping[pfn]]!;
  const reason = keepReason(pc, as, pfn);
  if (reason !== null) {
    st[reason]++;
    folioMoveLru(pc, pfn, LRU_INACTIVE_FILE);
    return;
  }
  filemapRemoveFolio(as, pfn);
  st.nr_reclaimed++;
  pc.stats.pgsteal++;
}

/**
 * Try to free `nrToReclaim` folios, scanning at most as many folios as the lists hold (kept ones
 * are rotated to the head of the inactive list). Returns what it did.
 * @kernel mm/vmscan.c shrink_lruvec()
 */
export function shrinkPageCache(pc: PageCache, nrToReclaim: number, st: ReclaimStats = emptyReclaimStats()): ReclaimStats {
  const inactive = pc.lists[LRU_INACTIVE_FILE];
  const active = pc.lists[LRU_ACTIVE_FILE];
  let budget = inactive.nr + active.nr;
  while (st.nr_reclaimed < nrToReclaim && budget > 0) {
    if (inactive.nr < active.nr || inactive.tail < 0) shrinkActiveList(pc, Math.max(1, active.nr - inactive.nr), st);
    if (inactive.tail < 0) break;
    shrinkFolio(pc, inactive.tail, st);
    budget--;
  }
  return st;
}
