/**
 * The io_uring view of a mapped request: entries of an `SgTable` whose DMA addresses follow one
 * another are joined into one range. The block layer splits segments at the queue's
 * `max_segment_size` (a device DMA limit); an io_uring READ/WRITE or one iovec has no such limit,
 * so the bdev driver submits each contiguous run as one range, whatever the segment size.
 * @kernel lib/scatterlist.c sg_alloc_append_table_from_pages() (physically adjacent pages become one entry)
 */
import type { SgTable } from '@biopath/block';

/** Linux's MAX_RW_COUNT (INT_MAX & PAGE_MASK): the most one read/write or iovec array moves. */
export const MAX_RW_COUNT = 0x7ffff000;

/**
 * Join entries of `sg` whose DMA ranges are adjacent (`iova[i-1] + len[i-1] === iova[i]`) while
 * the joined length stays within MAX_RW_COUNT, in place. Entry `i` keeps the first piece's
 * `pfn`/`offset`; `nents` shrinks. Returns the new entry count. No allocation.
 */
export function sgCoalesce(sg: SgTable): number {
  const n = sg.nents;
  if (n <= 1) return n;
  let out = 0;
  for (let i = 1; i < n; i++) {
    const len = sg.len[i]!;
    const lastLen = sg.len[out]!;
    if (sg.iova[out]! + lastLen === sg.iova[i]! && lastLen + len <= MAX_RW_COUNT) {
      sg.len[out] = lastLen + len;
      continue;
    }
    out++;
    if (out !== i) {
      sg.iova[out] = sg.iova[i]!;
      sg.len[out] = len;
      sg.pfn[out] = sg.pfn[i]!;
      sg.offset[out] = sg.offset[i]!;
    }
  }
  sg.nents = out + 1;
  return sg.nents;
}
