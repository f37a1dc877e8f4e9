/**
 * Allocating a folio for the cache, with direct reclaim when the cache is at capacity: the
 * allocation side of the cache, kept apart from `filemap.ts` (which reclaim itself calls to remove
 * folios) so the two do not import each other.
 * @kernel mm/filemap.c filemap_alloc_folio(); mm/page_alloc.c __alloc_pages_direct_reclaim()
 */
import { allocPages } from '@biopath/mm';
import { errno } from './internal/native.ts';
import type { PageCache } from './page-cache.ts';
import { shrinkPageCache } from './vmscan.ts';

/** Largest reclaim batch when the cache is at capacity. @kernel SWAP_CLUSTER_MAX */
export const SWAP_CLUSTER_MAX = 32;

/**
 * A fresh order-0 folio for the cache (refcount 1: the cache's reference once added), making room
 * by reclaim when the cache is at capacity. Returns the pfn or -ENOMEM.
 * @kernel mm/filemap.c filemap_alloc_folio()
 */
export function filemapAllocFolio(pc: PageCache): number {
  if (pc.nr_file_pages >= pc.capacity) shrinkPageCache(pc, Math.max(1, Math.min(SWAP_CLUSTER_MAX, pc.capacity >> 4)));
  if (pc.nr_file_pages >= pc.capacity) {
    pc.stats.nr_alloc_fail++;
    return -errno.ENOMEM;
  }
  const pfn = allocPages(pc.mem, 0);
  if (pfn < 0) pc.stats.nr_alloc_fail++;
  return pfn;
}
