/**
 * Adding pages to a bio: physical merging into the last bvec (with the same-page report the
 * extraction path needs), the hardware-limited variant for passthrough, and `bioFull`.
 * Pages are frame numbers of the bio's MemMap; `offset` ≥ PAGE_SIZE names a following frame
 * (it is normalised so every stored `bv_offset` < PAGE_SIZE, as current kernels do).
 * @kernel block/bio.c bio_add_page(), __bio_add_page(), bio_add_folio(), bio_add_hw_page(), bvec_try_merge_page()
 */
import { isP2pdmaPage, type MemMap, PAGE_SIZE } from '@biopath/mm';
import { BiopathError, warnOnOnce } from '@biopath/native';
import type { Bio, BioVec } from './bio-types.ts';
import { BIO_CLONED, SECTOR_SHIFT, UINT_MAX } from './blk-types.ts';
import { bioFlagged } from './bio-flags.ts';
import type { RequestQueue } from './blk-mq-driver.ts';
import { bvecGapToPrev } from './internal/seg-limits.ts';

/** Set by the last successful merge: the new range began in the page where the bvec ended. */
export const mergeState = { samePage: false };

/** The frames a bio's pages belong to (set on first add, else its queue's). */
export function bioMem(bio: Bio): MemMap | null {
  if (bio.bi_mem !== null) return bio.bi_mem;
  return bio.bi_bdev !== null ? bio.bi_bdev.bd_queue.mem : null;
}

/** Throw EINVAL (naming `fn`) for a page, length or offset that cannot describe memory of `mem`. */
function checkRange(fn: string, mem: MemMap | null, page: number, len: number, offset: number): void {
  if (!Number.isInteger(len) || len < 0 || len > UINT_MAX) throw new BiopathError('EINVAL', `${fn}(len): ${len} is not a length`);
  if (!Number.isInteger(offset) || offset < 0 || offset > UINT_MAX) {
    throw new BiopathError('EINVAL', `${fn}(offset): ${offset} is not an offset`);
  }
  const last = page + Math.floor((offset + Math.max(len, 1) - 1) / PAGE_SIZE);
  if (!Number.isInteger(page) || page < 0 || (mem !== null && last >= mem.nrPages)) {
    throw new BiopathError('EINVAL', `${fn}(page): ${page} (+${len} bytes at ${offset}) is not within the frames`);
  }
}

/**
 * `bioFull`: no free bvec slot, or adding `len` bytes would overflow `bi_size`.
 * @kernel include/linux/bio.h bio_full()
 */
export function bioFull(bio: Bio, len: number): boolean {
  return bio.bi_vcnt >= bio.bi_max_vecs || bio.bi_iter.bi_size > UINT_MAX - len;
}

/**
 * Merge `len` bytes at `page`/`off` into `bv` if they start at the byte after its end (and are in
 * consecutive frames of the same pgmap kind). Sets `mergeState.samePage`.
 * @kernel block/bio.c bvec_try_merge_page()
 */
export function bvecTryMergePage(mem: MemMap | null, bv: BioVec, page: number, len: number, off: number): boolean {
  const vecEnd = bv.bv_page * PAGE_SIZE + bv.bv_offset + bv.bv_len;
  if (vecEnd !== page * PAGE_SIZE + off) return false;
  if (mem !== null && isP2pdmaPage(mem, bv.bv_page) !== isP2pdmaPage(mem, page)) return false;
  mergeState.samePage = Math.floor((vecEnd - 1) / PAGE_SIZE) === page;
  bv.bv_len += len;
  return true;
}

/**
 * Append a bvec; the caller guarantees a free slot and a non-cloned bio.
 * Internal (the kernel's `__` prefix: the caller guarantees the precondition): not exported from
 * the package index.
 * @kernel block/bio.c __bio_add_page()
 */
export function __bioAddPage(bio: Bio, page: number, len: number, off: number): void {
  if (warnOnOnce(bioFlagged(bio, BIO_CLONED), '__bioAddPage: cloned bio')) return;
  if (warnOnOnce(bio.bi_vcnt >= bio.bi_max_vecs, '__bioAddPage: bio full')) return;
  const bv = bio.bi_io_vec[bio.bi_vcnt];
  bv.bv_page = page + (off >>> 12);
  bv.bv_offset = off & 4095;
  bv.bv_len = len;
  bio.bi_iter.bi_size += len;
  bio.bi_vcnt++;
}

/**
 * Add `len` bytes of `page` at `offset`, merging into the last bvec when physically contiguous.
 * Returns `len`, or 0 if the bio is cloned (WARN), would overflow `bi_size`, or has no free slot.
 * No queue-limit checks: limits are enforced by splitting at submission.
 * @kernel block/bio.c bio_add_page()
 */
export function bioAddPage(bio: Bio, page: number, len: number, offset: number): number {
  mergeState.samePage = false;
  const mem = bioMem(bio);
  checkRange('bioAddPage', mem, page, len, offset);
  if (warnOnOnce(bioFlagged(bio, BIO_CLONED), 'bioAddPage: cloned bio')) return 0;
  if (bio.bi_iter.bi_size > UINT_MAX - len) return 0;
  if (bio.bi_vcnt > 0 && bvecTryMergePage(mem, bio.bi_io_vec[bio.bi_vcnt - 1], page + (offset >>> 12), len, offset & 4095)) {
    bio.bi_iter.bi_size += len;
    return len;
  }
  if (bio.bi_vcnt >= bio.bi_max_vecs) return 0;
  __bioAddPage(bio, page, len, offset);
  return len;
}

/**
 * Add `len` bytes at byte `off` of the folio headed by `folio`. False when `len`/`off` exceed
 * UINT_MAX or the page could not be added.
 * @kernel block/bio.c bio_add_folio()
 */
export function bioAddFolio(bio: Bio, folio: number, len: number, off: number): boolean {
  if (len > UINT_MAX || off > UINT_MAX) return false;
  return bioAddPage(bio, folio + Math.floor(off / PAGE_SIZE), len, off % PAGE_SIZE) > 0;
}

/**
 * Merge for hardware-limited bios: also both ends inside one `seg_boundary_mask` window and the
 * merged length within `max_segment_size`. @kernel block/bio.c bvec_try_merge_hw_page()
 */
function bvecTryMergeHwPage(q: RequestQueue, bv: BioVec, page: number, len: number, off: number): boolean {
  const win = q.limits.seg_boundary_mask + 1;
  const addr1 = bv.bv_page * PAGE_SIZE + bv.bv_offset;
  const addr2 = page * PAGE_SIZE + off + len - 1;
  if (Math.floor(addr1 / win) !== Math.floor(addr2 / win)) return false;
  if (len > q.limits.max_segment_size - bv.bv_len) return false;
  return bvecTryMergePage(q.mem, bv, page, len, off);
}

/**
 * Add a page to a passthrough bio under the device's limits: `len` clamped to `maxSectors` and
 * `max_segment_size`, total ≤ `maxSectors`, a new segment only below `max_segments` and without a
 * virt-boundary gap. Returns bytes added (0 = refused); `mergeState.samePage` as for `bioAddPage`.
 * @kernel block/bio.c bio_add_hw_page()
 */
export function bioAddHwPage(q: RequestQueue, bio: Bio, page: number, len: number, offset: number, maxSectors: number): number {
  mergeState.samePage = false;
  checkRange('bioAddHwPage', q.mem, page, len, offset);
  if (warnOnOnce(bioFlagged(bio, BIO_CLONED), 'bioAddHwPage: cloned bio')) return 0;
  page += offset >>> 12;
  offset &= 4095;
  const maxSize = maxSectors * (1 << SECTOR_SHIFT);
  len = Math.min(len, maxSize, q.limits.max_segment_size);
  if (len > maxSize - bio.bi_iter.bi_size) return 0;
  if (bio.bi_vcnt > 0) {
    const bv = bio.bi_io_vec[bio.bi_vcnt - 1];
    if (bvecTryMergeHwPage(q, bv, page, len, offset)) {
      bio.bi_iter.bi_size += len;
      return len;
    }
    if (bio.bi_vcnt >= Math.min(bio.bi_max_vecs, q.limits.max_segments)) return 0;
    if (bvecGapToPrev(q.limits, bv.bv_offset + bv.bv_len, offset)) return 0;
  } else if (bio.bi_max_vecs === 0) {
    return 0;
  }
  __bioAddPage(bio, page, len, offset);
  if (bio.bi_mem === null) bio.bi_mem = q.mem;
  return len;
}
