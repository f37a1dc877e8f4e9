/**
 * What a buffered job on the stack engine needs from biopath's page cache, decided before
 * anything runs: page-multiple sizes, and a cache big enough for everything a job can have
 * locked or in flight at once (iodepth IOs, a readahead window on each side of a read, the
 * background reclaim's headroom), so an allocation never finds it full of busy folios.
 */
import { PAGE_SIZE } from '@biopath/mm';
import { showSize } from '../options/kinds.ts';
import type { JobOptions } from '../options/table.ts';

/** The page size the cache works in (mm's PAGE_SIZE). */
export const PAGE = PAGE_SIZE;

/** Pages an IO of `bs` bytes can touch (one more when it is not page aligned). */
const pagesPerIo = (bs: number): number => Math.ceil(bs / PAGE) + 1;

/** Free pages below which the engine's background reclaim (its kswapd) runs. */
export function cacheLowWatermark(job: Pick<JobOptions, 'iodepth' | 'bs' | 'readahead'>): number {
  return Math.max(32, pagesPerIo(job.bs.max) * 2 + job.readahead / PAGE);
}

/** The smallest cache a job may have, in pages. */
export function minCachePages(job: Pick<JobOptions, 'iodepth' | 'bs' | 'readahead'>): number {
  return job.iodepth * pagesPerIo(job.bs.max) * 2 + (job.readahead / PAGE) * 2 + cacheLowWatermark(job) * 2;
}

/** Why biopath's page cache cannot run `job`, or ''. */
export function cacheJobProblem(job: JobOptions): string {
  if (job.cache_size % PAGE) return `--cache-size ${showSize(job.cache_size)} (${job.cache_size} bytes) is not a multiple of the 4 KiB page`;
  if (job.readahead % PAGE) return `--readahead ${showSize(job.readahead)} (${job.readahead} bytes) is not a multiple of the 4 KiB page (use 0 to turn readahead off)`;
  const min = minCachePages(job);
  if (job.cache_size / PAGE < min) {
    return `--cache-size ${showSize(job.cache_size)} is too small for this job: iodepth ${job.iodepth} × --bs ${showSize(job.bs.max)} in flight and a ${showSize(job.readahead)} readahead window need at least ${showSize(min * PAGE)}; give a larger --cache-size (or a smaller --iodepth / --readahead)`;
  }
  return '';
}
