/**
 * Segment arithmetic against queue limits, on physical addresses (pfn × 4096 + offset). Masks can be
 * 0xffffffff and addresses exceed 2^32, so this uses `%` on (mask + 1) instead of 32-bit `&`.
 * @kernel block/blk-merge.c get_max_segment_size(); block/blk.h bvec_gap_to_prev(), biovec_phys_mergeable()
 */
import type { QueueLimits } from '../queue-limits.ts';

/** `addr & mask` for a mask of the form 2^k − 1, any address below 2^53. */
export function maskLow(addr: number, mask: number): number {
  return mask < 0x80000000 ? (addr % 0x100000000) & mask : addr % (mask + 1);
}

/**
 * Bytes from `paddr` a single segment may take: bounded by `seg_boundary_mask` and `max_segment_size`.
 * @kernel block/blk-merge.c get_max_segment_size()
 */
export function getMaxSegmentSize(lim: QueueLimits, paddr: number, len: number): number {
  const toBoundary = lim.seg_boundary_mask - maskLow(paddr, lim.seg_boundary_mask);
  const m = Math.min(toBoundary, lim.max_segment_size - 1) + 1;
  return len < m ? len : m;
}

/**
 * Whether a bvec starting at `offset` after one ending at `prevEnd` (offset + len) leaves a gap the
 * device's virt boundary forbids. @kernel block/blk.h bvec_gap_to_prev()
 */
export function bvecGapToPrev(lim: QueueLimits, prevEnd: number, offset: number): boolean {
  const vbm = lim.virt_boundary_mask;
  if (vbm === 0) return false;
  return maskLow(offset, vbm) !== 0 || maskLow(prevEnd, vbm) !== 0;
}

/**
 * Two physical ranges can form one segment: contiguous and inside one `seg_boundary_mask` window.
 * @kernel block/blk.h biovec_phys_mergeable()
 */
export function biovecPhysMergeable(lim: QueueLimits, phys1: number, len1: number, phys2: number, len2: number): boolean {
  if (phys1 + len1 !== phys2) return false;
  const win = lim.seg_boundary_mask + 1;
  return Math.floor(phys1 / win) === Math.floor((phys2 + len2 - 1) / win);
}
