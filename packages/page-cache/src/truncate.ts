/**
 * Dropping cached folios: for coherence after direct IO (`invalidateRange`), to shed clean cache
 * (`invalidateMappingPages`, drop_caches), and when a mapping goes away (`truncateInodePages`).
 * A folio that is pinned, mapped into an emulated process or otherwise referenced, or whose mapping's
 * `a_ops.releaseFolio` refuses (a frame of a live mmap), cannot be freed; `invalidateRange` then
 * forgets its contents instead (not uptodate, `a_ops.invalidateFolio`: the next access reads the
 * device again), unless it is pinned, which it reports as busy.
 * @kernel mm/truncate.c invalidate_inode_pages2_range(), invalidate_mapping_pages(), truncate_inode_pages_range()
 */
import { xaFind, xaLoad } from '@biopath/iov-iter';
import { folioMaybeDmaPinned, PAGE_SIZE, PG_uptodate } from '@biopath/mm';
import { checkLive, type AddressSpace } from './address-space.ts';
import { filemapRemoveFolio, folioTestDirty } from './filemap.ts';
import { folioLock, folioTestLocked, folioTestWriteback, folioTrylock, folioUnlock, folioWaitWriteback } from './folio-wait.ts';
import { filemapWriteAndWaitRange } from './writeback.ts';

/** What an invalidation did. */
export interface InvalidateResult {
  /** Folios removed from the cache. */
  nr_invalidated: number;
  /** Folios kept in place but made not-uptodate (mapped or referenced). */
  nr_forgotten: number;
  /** Folios left as they were: pinned (a DMA owns their contents). Non-zero means -EBUSY. */
  nr_busy: number;
}

/** Forget the contents of a folio that must stay in place (and whatever else holds them). */
function forgetFolio(as: AddressSpace, pfn: number): void {
  as.pc.mem.flags[pfn] &= ~PG_uptodate;
  as.a_ops.invalidateFolio(as, pfn);
}

/** Drop (or forget) one locked, clean, idle folio; counts into `r`; unlocks it. */
function invalidateFolio(as: AddressSpace, pfn: number, r: InvalidateResult): void {
  const pc = as.pc;
  if (folioMaybeDmaPinned(pc.mem, pfn)) {
    r.nr_busy++;
  } else if (pc.mem.refcount[pfn] !== 1 || !as.a_ops.releaseFolio(as, pfn)) {
    forgetFolio(as, pfn);
    r.nr_forgotten++;
  } else {
    folioUnlock(pc, pfn);
    filemapRemoveFolio(as, pfn);
    r.nr_invalidated++;
    return;
  }
  folioUnlock(pc, pfn);
}

/** Lock the folio at `index`; null if it left the mapping or changed while we waited. */
async function lockFolioAt(as: AddressSpace, index: number): Promise<number | null> {
  const pfn = xaLoad(as.i_pages, index);
  if (pfn === null) return null;
  if (!folioTrylock(as.pc, pfn)) await folioLock(as.pc, pfn);
  if (as.pc.mapping[pfn] === as.id && as.pc.index[pfn] === index) return pfn;
  folioUnlock(as.pc, pfn);
  return null;
}

/**
 * Lock the folio at `index` once no writeback runs on it (waiting for writeback unlocked, then
 * locking again); null if no folio is there any more.
 * @kernel mm/truncate.c the folio_lock() + folio_wait_writeback() step of invalidate_inode_pages2_range()
 */
async function lockFolioAfterWriteback(as: AddressSpace, index: number): Promise<number | null> {
  for (;;) {
    const pfn = await lockFolioAt(as, index);
    if (pfn === null || !folioTestWriteback(as.pc, pfn)) return pfn;
    folioUnlock(as.pc, pfn);
    await folioWaitWriteback(as.pc, pfn);
  }
}

/**
 * Make the cache forget bytes [start, end] (inclusive) after they changed on the device behind it
 * (a direct write): dirty folios are written back first, then every folio is removed, or, when
 * something else holds it, marked not uptodate. Pinned folios are left alone and counted as busy.
 * @kernel mm/truncate.c invalidate_inode_pages2_range()
 */
export async function invalidateRange(as: AddressSpace, start: number, end: number): Promise<InvalidateResult> {
  checkLive('invalidateRange', as);
  const r: InvalidateResult = { nr_invalidated: 0, nr_forgotten: 0, nr_busy: 0 };
  const last = Math.floor(Math.min(end, as.i_size - 1) / PAGE_SIZE);
  const first = Math.floor(Math.max(0, start) / PAGE_SIZE);
  if (first > last) return r;
  await filemapWriteAndWaitRange(as, start, end);
  const pc = as.pc;
  for (let index = xaFind(as.i_pages, first, last); index >= 0; index = xaFind(as.i_pages, index + 1, last)) {
    const pfn = await lockFolioAfterWriteback(as, index);
    if (pfn === null) continue;
    if (folioTestDirty(pc, pfn)) {
      r.nr_busy++;
      folioUnlock(pc, pfn);
      continue;
    }
    invalidateFolio(as, pfn, r);
  }
  return r;
}

/**
 * Drop every clean, unlocked, unreferenced folio of the mapping at once (what `echo 1 >
 * /proc/sys/vm/drop_caches` does to it). Returns how many were dropped.
 * @kernel mm/truncate.c invalidate_mapping_pages()
 */
export function invalidateMappingPages(as: AddressSpace): number {
  checkLive('invalidateMappingPages', as);
  const pc = as.pc;
  let n = 0;
  for (let index = xaFind(as.i_pages, 0); index >= 0; index = xaFind(as.i_pages, index + 1)) {
    const pfn = xaLoad(as.i_pages, index)!;
    if (folioTestLocked(pc, pfn) || folioTestWriteback(pc, pfn) || folioTestDirty(pc, pfn)) continue;
    if (pc.mem.refcount[pfn] !== 1 || !as.a_ops.releaseFolio(as, pfn)) continue;
    filemapRemoveFolio(as, pfn);
    n++;
  }
  return n;
}

/**
 * Remove every folio from the mapping, dirty ones included (their data is lost), after waiting
 * for IO on them. A folio someone still holds (a pin) stays alive until they let go, outside the cache.
 * @kernel mm/truncate.c truncate_inode_pages_range()
 */
export async function truncateInodePages(as: AddressSpace): Promise<void> {
  const pc = as.pc;
  for (let index = xaFind(as.i_pages, 0); index >= 0; index = xaFind(as.i_pages, index + 1)) {
    const pfn = await lockFolioAfterWriteback(as, index);
    if (pfn === null) continue;
    folioUnlock(pc, pfn);
    filemapRemoveFolio(as, pfn);
  }
}
