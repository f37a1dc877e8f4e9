/**
 * On-demand readahead: a synchronous window when a read misses, an asynchronous one when it
 * reaches the PG_readahead marker of the previous window. Windows grow (x4, then x2, up to
 * `ra_pages`) while access stays sequential and collapse to "read just what was asked" for a
 * small random read.
 * @kernel mm/readahead.c page_cache_sync_ra(), page_cache_async_ra(), ondemand_readahead()
 */
import { xaLoad } from '@biopath/iov-iter';
import { PAGE_SIZE } from '@biopath/mm';
import { endIndex, type AddressSpace, type FileRaState } from './address-space.ts';
import { filemapAddFolio } from './filemap.ts';
import { filemapAllocFolio } from './folio-alloc.ts';
import type { PageCache } from './page-cache.ts';
import { PG_readahead, PG_writeback } from './page-flags.ts';
import { readPagesAdd, readPagesSubmit } from './read-pages.ts';

function roundupPowOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** First window: x4 for small requests, x2 for medium, else the max. @kernel get_init_ra_size() */
export function getInitRaSize(size: number, max: number): number {
  const n = roundupPowOfTwo(size);
  if (n <= max / 32) return n * 4;
  if (n <= max / 4) return n * 2;
  return max;
}

/** Next window: x4 while small, x2 up to half the max, then the max. @kernel get_next_ra_size() */
export function getNextRaSize(ra: FileRaState, max: number): number {
  const cur = ra.size;
  if (cur < max / 16) return 4 * cur;
  if (cur <= max / 2) return 2 * cur;
  return max;
}

/** Cached pages contiguously before `index` (at most `max`). @kernel count_history_pages() */
function countHistoryPages(as: AddressSpace, index: number, max: number): number {
  let n = 0;
  while (n < max && index - 1 - n >= 0 && xaLoad(as.i_pages, index - 1 - n) !== null) n++;
  return n;
}

/** First index in (index, index + max] not cached, or index + max + 1. @kernel page_cache_next_miss() */
function pageCacheNextMiss(as: AddressSpace, index: number, max: number): number {
  let i = index;
  while (i <= index + max - 1 && xaLoad(as.i_pages, i) !== null) i++;
  return i;
}

/**
 * Allocate and read `nrToRead` pages from `index` that are not cached yet, marking the page
 * `lookahead` from the end with PG_readahead. Stops early when the cache cannot grow.
 * @kernel mm/readahead.c page_cache_ra_unbounded()
 */
export function pageCacheRaUnbounded(as: AddressSpace, index: number, nrToRead: number, lookahead: number): number {
  const pc = as.pc;
  let added = 0;
  for (let i = 0; i < nrToRead; i++) {
    if (xaLoad(as.i_pages, index + i) !== null) {
      readPagesSubmit(as);
      continue;
    }
    const pfn = filemapAllocFolio(pc);
    if (pfn < 0) break;
    filemapAddFolio(as, pfn, index + i);
    if (i === nrToRead - lookahead) pc.flags[pfn] |= PG_readahead;
    readPagesAdd(as, pfn, index + i);
    added++;
  }
  readPagesSubmit(as);
  as.io.unplug();
  return added;
}

/** Clamp to the end of the mapping, then read. @kernel mm/readahead.c do_page_cache_ra() */
function doPageCacheRa(as: AddressSpace, index: number, nrToRead: number, lookahead: number): number {
  const end = endIndex(as);
  if (index >= end) return 0;
  return pageCacheRaUnbounded(as, index, Math.min(nrToRead, end - index), lookahead);
}

/** Start a readahead window per `ra` at `ra.start`, merging the next one if it would be hit now. */
function raSubmit(as: AddressSpace, ra: FileRaState, index: number, max: number): void {
  if (index === ra.start && ra.size === ra.async_size) {
    const add = getNextRaSize(ra, max);
    if (ra.size + add <= max) {
      ra.async_size = add;
      ra.size += add;
    } else {
      ra.size = max;
      ra.async_size = max >> 1;
    }
  }
  doPageCacheRa(as, ra.start, ra.size, ra.async_size);
}

function initialReadahead(as: AddressSpace, ra: FileRaState, index: number, reqSize: number, max: number): void {
  ra.start = index;
  ra.size = getInitRaSize(reqSize, max);
  ra.async_size = ra.size > reqSize ? ra.size - reqSize : ra.size;
  raSubmit(as, ra, index, max);
}

/** Sequential hit on a marked folio without matching state (interleaved streams). */
function markerReadahead(as: AddressSpace, ra: FileRaState, index: number, reqSize: number, max: number): void {
  let start = pageCacheNextMiss(as, index + 1, max);
  if (start - index - 1 > max) return;
  if (start - index - 1 === max) start--;
  ra.start = start;
  ra.size = start - index + reqSize;
  ra.size = getNextRaSize(ra, max);
  ra.async_size = ra.size;
  raSubmit(as, ra, index, max);
}

/** The readahead decision. @kernel mm/readahead.c ondemand_readahead() */
function ondemandReadahead(as: AddressSpace, ra: FileRaState, hitMarker: boolean, index: number, reqSize: number): void {
  const max = Math.max(ra.ra_pages, Math.min(reqSize, as.io.maxPages));
  if (index === 0) return initialReadahead(as, ra, index, reqSize, max);
  if (index === ra.start + ra.size - ra.async_size || index === ra.start + ra.size) {
    ra.start += ra.size;
    ra.size = getNextRaSize(ra, max);
    ra.async_size = ra.size;
    return raSubmit(as, ra, index, max);
  }
  if (hitMarker) return markerReadahead(as, ra, index, reqSize, max);
  if (reqSize > max) return initialReadahead(as, ra, index, reqSize, max);
  const prevIndex = ra.prev_pos < 0 ? -2 : Math.floor(ra.prev_pos / PAGE_SIZE);
  if (index - prevIndex <= 1 && index - prevIndex >= 0) return initialReadahead(as, ra, index, reqSize, max);
  const history = countHistoryPages(as, index, max);
  if (history > reqSize) {
    ra.start = index;
    ra.size = Math.min((history >= index ? 2 * history : history) + reqSize, max);
    ra.async_size = 1;
    return raSubmit(as, ra, index, max);
  }
  doPageCacheRa(as, index, reqSize, 0);
}

/**
 * A read missed at `index` wanting `reqCount` pages: read them, and more if access looks sequential.
 * With readahead off (`ra_pages` 0) reads exactly one page. @kernel mm/readahead.c page_cache_sync_ra()
 */
export function pageCacheSyncRa(as: AddressSpace, ra: FileRaState, index: number, reqCount: number): void {
  as.stats.nr_ra_sync++;
  if (ra.ra_pages === 0) {
    doPageCacheRa(as, index, 1, 0);
    return;
  }
  ondemandReadahead(as, ra, false, index, reqCount);
}

/**
 * A read reached folio `pfn` carrying PG_readahead: start the next window while this one is consumed.
 * @kernel mm/readahead.c page_cache_async_ra()
 */
export function pageCacheAsyncRa(as: AddressSpace, ra: FileRaState, pfn: number, index: number, reqCount: number): void {
  const pc: PageCache = as.pc;
  if (ra.ra_pages === 0 || (pc.flags[pfn] & PG_writeback) !== 0) return;
  pc.flags[pfn] &= ~PG_readahead;
  as.stats.nr_ra_async++;
  ondemandReadahead(as, ra, true, index, reqCount);
}
