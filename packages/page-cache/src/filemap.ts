/**
 * Adding folios to and removing them from an address space, and the folio state transitions the
 * rest of the cache builds on (uptodate, dirty, writeback).
 * @kernel mm/filemap.c filemap_add_folio(), __filemap_remove_folio(); mm/page-writeback.c
 */
import { xaClearMark, xaErase, xaGetMark, xaLoad, xaSetMark, xaStore } from '@biopath/iov-iter';
import { PG_dirty, PG_locked, PG_uptodate, putPage } from '@biopath/mm';
import { PAGECACHE_TAG_DIRTY, PAGECACHE_TAG_TOWRITE, PAGECACHE_TAG_WRITEBACK, type AddressSpace } from './address-space.ts';
import { folioWake } from './folio-wait.ts';
import { warnOnOnce } from './internal/native.ts';
import { folioAddLru, folioDelLru } from './lru.ts';
import type { PageCache } from './page-cache.ts';
import { PG_error, PG_readahead, PG_writeback } from './page-flags.ts';

/**
 * Insert a new, locked, not-uptodate folio at `index` and put it on the LRU. The cache takes over
 * the allocation's reference. @kernel mm/filemap.c filemap_add_folio()
 */
export function filemapAddFolio(as: AddressSpace, pfn: number, index: number): void {
  const pc = as.pc;
  pc.mem.flags[pfn] = (pc.mem.flags[pfn] & ~(PG_uptodate | PG_dirty)) | PG_locked;
  pc.flags[pfn] = 0;
  pc.mapping[pfn] = as.id;
  pc.index[pfn] = index;
  xaStore(as.i_pages, index, pfn);
  as.nrpages++;
  pc.nr_file_pages++;
  pc.stats.nr_added++;
  folioAddLru(pc, pfn);
}

/**
 * Take a folio out of its mapping and drop the cache's reference (the frame is freed unless
 * someone else holds one). Caller checked it is clean and not under writeback.
 * @kernel mm/filemap.c filemap_remove_folio()
 */
export function filemapRemoveFolio(as: AddressSpace, pfn: number): void {
  const pc = as.pc;
  if (warnOnOnce(xaLoad(as.i_pages, pc.index[pfn]) !== pfn, 'page-cache: removing a folio its mapping does not hold')) return;
  xaErase(as.i_pages, pc.index[pfn]);
  folioDelLru(pc, pfn);
  if ((pc.mem.flags[pfn] & PG_dirty) !== 0) folioCancelDirty(as, pfn);
  as.nrpages--;
  pc.nr_file_pages--;
  as.gupExposed.delete(pfn);
  pc.mapping[pfn] = 0;
  pc.flags[pfn] = 0;
  pc.mem.flags[pfn] &= ~(PG_uptodate | PG_locked | PG_dirty);
  folioWake(pc, pfn);
  putPage(pc.mem, pfn);
}

/** The folio at `index`, or -1. @kernel mm/filemap.c filemap_get_entry() */
export function filemapGetFolio(as: AddressSpace, index: number): number {
  const pfn = xaLoad(as.i_pages, index);
  return pfn === null ? -1 : pfn;
}

/**
 * PG_uptodate, or else whether the folio's mapping says its data is valid all the same
 * (`a_ops.isUptodate`: an mmap-run frame the fault worker filled).
 * @kernel include/linux/page-flags.h folio_test_uptodate(); mm/filemap.c filemap_range_uptodate()
 */
export function folioTestUptodate(pc: PageCache, pfn: number): boolean {
  if ((pc.mem.flags[pfn] & PG_uptodate) !== 0) return true;
  const as = pc.spaces[pc.mapping[pfn]];
  return as !== null && as !== undefined && as.a_ops.isUptodate(as, pfn);
}

/** @kernel include/linux/page-flags.h folio_mark_uptodate() */
export function folioMarkUptodate(pc: PageCache, pfn: number): void {
  pc.mem.flags[pfn] |= PG_uptodate;
  pc.flags[pfn] &= ~PG_error;
}

/** @kernel include/linux/page-flags.h folio_test_dirty() */
export function folioTestDirty(pc: PageCache, pfn: number): boolean {
  return (pc.mem.flags[pfn] & PG_dirty) !== 0;
}

/** Mark a cache folio dirty, the way its mapping does it. @kernel mm/page-writeback.c folio_mark_dirty() */
export function folioMarkDirty(as: AddressSpace, pfn: number): void {
  as.a_ops.dirtyFolio(as, pfn);
}

/**
 * Mark a cache folio dirty and tag it, once. Also accounts a PG_dirty that someone else set
 * without telling the mapping (GUP's unpin-dirty path). Both tables' `dirtyFolio`.
 * @kernel mm/page-writeback.c filemap_dirty_folio()
 */
export function filemapDirtyFolio(as: AddressSpace, pfn: number): void {
  const pc = as.pc;
  pc.mem.flags[pfn] |= PG_dirty;
  const index = pc.index[pfn];
  if (xaGetMark(as.i_pages, index, PAGECACHE_TAG_DIRTY)) return;
  xaSetMark(as.i_pages, index, PAGECACHE_TAG_DIRTY);
  as.nr_dirty++;
  pc.nr_dirty++;
}

/** Forget a folio's dirtiness without writing it (it is being dropped). @kernel folio_cancel_dirty() */
function folioCancelDirty(as: AddressSpace, pfn: number): void {
  const pc = as.pc;
  pc.mem.flags[pfn] &= ~PG_dirty;
  const index = pc.index[pfn];
  if (!xaGetMark(as.i_pages, index, PAGECACHE_TAG_DIRTY)) return;
  xaClearMark(as.i_pages, index, PAGECACHE_TAG_DIRTY);
  as.nr_dirty--;
  pc.nr_dirty--;
}

/**
 * Clear PG_dirty before writing the folio, so a write that lands during the IO dirties it again.
 * Returns whether it was dirty. @kernel mm/page-writeback.c folio_clear_dirty_for_io()
 */
export function folioClearDirtyForIo(as: AddressSpace, pfn: number): boolean {
  const pc = as.pc;
  const was = (pc.mem.flags[pfn] & PG_dirty) !== 0;
  folioCancelDirty(as, pfn);
  return was;
}

/** @kernel mm/page-writeback.c __folio_start_writeback() */
export function folioStartWriteback(as: AddressSpace, pfn: number): void {
  const pc = as.pc;
  if (warnOnOnce((pc.flags[pfn] & PG_writeback) !== 0, 'page-cache: writeback started twice')) return;
  pc.flags[pfn] = (pc.flags[pfn] & ~PG_readahead) | PG_writeback;
  const index = pc.index[pfn];
  xaSetMark(as.i_pages, index, PAGECACHE_TAG_WRITEBACK);
  xaClearMark(as.i_pages, index, PAGECACHE_TAG_TOWRITE);
  pc.nr_writeback++;
}

/** @kernel mm/filemap.c folio_end_writeback() */
export function folioEndWriteback(as: AddressSpace, pfn: number, error: boolean): void {
  const pc = as.pc;
  if (warnOnOnce((pc.flags[pfn] & PG_writeback) === 0, 'page-cache: writeback ended twice')) return;
  pc.flags[pfn] &= ~PG_writeback;
  if (error) pc.flags[pfn] |= PG_error;
  xaClearMark(as.i_pages, pc.index[pfn], PAGECACHE_TAG_WRITEBACK);
  pc.nr_writeback--;
  folioWake(pc, pfn);
}
