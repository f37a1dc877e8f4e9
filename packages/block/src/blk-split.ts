/**
 * Split decisions against queue limits: where a bio must be cut so one request fits the device.
 * @kernel block/blk-merge.c bio_split_rw_at(), bvec_split_segs(), get_max_io_size(), bio_split_to_limits()
 */
import { PAGE_SIZE } from '@biopath/mm';
import type { BioVec } from './bio-types.ts';
import type { Bio } from './bio-types.ts';
import { REQ_ATOMIC, REQ_NOWAIT, SECTOR_SHIFT } from './blk-types.ts';
import type { QueueLimits } from './queue-limits.ts';
import { createBioVec, mpBvecIterBvec } from './bvec.ts';
import { BvecIter } from './bio-types.ts';
import { bvecGapToPrev, getMaxSegmentSize, maskLow } from './internal/seg-limits.ts';
import { EAGAIN, EINVAL } from './internal/errno.ts';

/** Out-parameter of {@link bioSplitRwAt}: segments counted up to the split point (or in the whole bio). */
export interface SplitSegs {
  nsegs: number;
}

const it = new BvecIter();
const bv: BioVec = createBioVec();
const acc = { nsegs: 0, bytes: 0 };

/**
 * Count the segments `bv` needs from `acc.bytes`; true if it does not fit wholly.
 * @kernel block/blk-merge.c bvec_split_segs()
 */
function bvecSplitSegs(lim: QueueLimits, v: BioVec, maxSegs: number, maxBytes: number): boolean {
  const maxLen = maxBytes - acc.bytes;
  let len = v.bv_len < maxLen ? v.bv_len : maxLen;
  let total = 0;
  const phys = v.bv_page * PAGE_SIZE + v.bv_offset;
  while (len > 0 && acc.nsegs < maxSegs) {
    const seg = getMaxSegmentSize(lim, phys + total, len);
    acc.nsegs++;
    total += seg;
    len -= seg;
    if (maskLow(v.bv_offset + total, lim.virt_boundary_mask) !== 0) break;
  }
  acc.bytes += total;
  return len > 0 || v.bv_len > maxLen;
}

/** Where the split must land: bytes rounded down to the logical block size. */
function splitAt(bio: Bio, lim: QueueLimits, segs: SplitSegs): number {
  if ((bio.bi_opf & REQ_ATOMIC) !== 0) return EINVAL;
  if ((bio.bi_opf & REQ_NOWAIT) !== 0) return EAGAIN;
  segs.nsegs = acc.nsegs;
  const bytes = acc.bytes - (acc.bytes % lim.logical_block_size);
  return bytes >>> SECTOR_SHIFT;
}

/**
 * Find where `bio` must be split to fit `lim` and `maxBytes`. Returns 0 if it fits (with its segment
 * count in `segs`), the sectors of the first part otherwise, or -EAGAIN (REQ_NOWAIT) / -EINVAL
 * (REQ_ATOMIC) when the bio needs a split it forbids.
 * @kernel block/blk-merge.c bio_split_rw_at()
 */
export function bioSplitRwAt(bio: Bio, lim: QueueLimits, segs: SplitSegs, maxBytes: number): number {
  const vecs = bio.bi_io_vec;
  it.bi_size = bio.bi_iter.bi_size;
  it.bi_idx = bio.bi_iter.bi_idx;
  it.bi_bvec_done = bio.bi_iter.bi_bvec_done;
  acc.nsegs = 0;
  acc.bytes = 0;
  let prevEnd = -1;
  while (it.bi_size > 0) {
    mpBvecIterBvec(vecs, it, bv);
    if (prevEnd >= 0 && bvecGapToPrev(lim, prevEnd, bv.bv_offset)) return splitAt(bio, lim, segs);
    if (acc.nsegs < lim.max_segments && acc.bytes + bv.bv_len <= maxBytes &&
        bv.bv_offset + bv.bv_len <= lim.min_segment_size) {
      acc.nsegs++;
      acc.bytes += bv.bv_len;
    } else if (bvecSplitSegs(lim, bv, lim.max_segments, maxBytes)) {
      return splitAt(bio, lim, segs);
    }
    prevEnd = bv.bv_offset + bv.bv_len;
    const len = bv.bv_len;
    it.bi_size -= len;
    it.bi_bvec_done += len;
    if (it.bi_bvec_done === vecs[it.bi_idx].bv_len) {
      it.bi_idx++;
      it.bi_bvec_done = 0;
    }
  }
  segs.nsegs = acc.nsegs;
  return 0;
}

/**
 * Largest I/O starting at the bio's sector, in sectors: `max_sectors`, clipped to `chunk_sectors`,
 * its end aligned to the physical (else logical) block size.
 * @kernel block/blk-merge.c get_max_io_size()
 */
export function getMaxIoSizeSectors(bio: Bio, lim: QueueLimits): number {
  const pbs = lim.physical_block_size >>> SECTOR_SHIFT;
  const lbs = lim.logical_block_size >>> SECTOR_SHIFT;
  const sector = bio.bi_iter.bi_sector;
  let maxSectors = lim.max_sectors;
  if (lim.chunk_sectors) {
    const left = lim.chunk_sectors - (sector % lim.chunk_sectors);
    if (left < maxSectors) maxSectors = left;
  }
  let start = sector % pbs;
  let end = start + maxSectors;
  end -= end % pbs;
  if (end > start) return end - start;
  start = sector % lbs;
  end = start + maxSectors;
  end -= end % lbs;
  if (end > start) return end - start;
  return maxSectors - (maxSectors % lbs);
}
