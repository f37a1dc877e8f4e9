/**
 * Mapping a user iterator onto a passthrough request: directly (pinning user pages, or borrowing a
 * BVEC array) when the memory fits the device's limits, else through bounce pages. Never split:
 * a layout the device cannot take in one request falls back to copying.
 * @kernel block/blk-map.c blk_rq_map_user_iov(), bio_map_user_iov(), blk_rq_map_user_bvec(), blk_rq_append_bio(), blk_rq_unmap_user()
 */
import { PAGE_SIZE } from '@biopath/mm';
import {
  type IovIter, ITER_ALLOW_P2PDMA, iovIterAlignment, iovIterExtractPages, iovIterExtractWillPin, iovIterGapAlignment,
  iovIterNpages, iovIterRevert, iovIterIsBvec, userBackedIter, iovIterGetPages2, type ExtractResult, type PagesRef,
} from '@biopath/iov-iter';
import type { Bio } from './bio-types.ts';
import { type Request, RQF_COPY_USER } from './blk-mq-driver.ts';
import { BIO_BOUNCED, BIO_MAX_VECS, BIO_PAGE_PINNED, SECTOR_SHIFT } from './blk-types.ts';
import { bioAlloc, bioPut } from './bio-alloc.ts';
import { bioAddHwPage, mergeState } from './bio-add.ts';
import { bioFlagged, bioSetFlag } from './bio-flags.ts';
import { bioReleasePage, bioReleasePages } from './bio-release.ts';
import { bioIovIterGetPages } from './bio-iov-iter.ts';
import { bioSplitRwAt, type SplitSegs } from './blk-split.ts';
import { BLK_FEAT_PCI_P2PDMA } from './queue-limits.ts';
import { bioCopyUserIov, bioUncopyUser } from './internal/bio-copy-user.ts';
import { EFAULT, EINVAL, EREMOTEIO } from './internal/errno.ts';

const segs: SplitSegs = { nsegs: 0 };
const pagesRef: PagesRef = { pages: null };
const res: ExtractResult = { bytes: 0, offset0: 0 };

/**
 * Append a bio to a passthrough request if the device takes it without a split (-EREMOTEIO
 * otherwise) and the request stays within `max_hw_sectors` / `max_segments` (-EINVAL).
 * @kernel block/blk-map.c blk_rq_append_bio()
 */
export function blkRqAppendBio(rq: Request, bio: Bio): number {
  const lim = rq.q.limits;
  const ret = bioSplitRwAt(bio, lim, segs, lim.max_hw_sectors * (1 << SECTOR_SHIFT));
  if (ret !== 0) return ret > 0 ? EREMOTEIO : ret;
  bio.bi_next = null;
  if (rq.bio !== null) {
    if ((rq.__data_len + bio.bi_iter.bi_size) / (1 << SECTOR_SHIFT) > lim.max_hw_sectors ||
        rq.nr_phys_segments + segs.nsegs > lim.max_segments) return EINVAL;
    rq.biotail!.bi_next = bio;
    rq.biotail = bio;
    rq.__data_len += bio.bi_iter.bi_size;
    rq.nr_phys_segments += segs.nsegs;
    return 0;
  }
  rq.nr_phys_segments = segs.nsegs;
  rq.bio = bio;
  rq.biotail = bio;
  rq.__data_len = bio.bi_iter.bi_size;
  return 0;
}

/** Map a BVEC iterator's array directly. @kernel block/blk-map.c blk_rq_map_user_bvec() */
function blkRqMapUserBvec(rq: Request, iter: IovIter): number {
  const lim = rq.q.limits;
  if (iter.count === 0 || iter.count > lim.max_hw_sectors * (1 << SECTOR_SHIFT)) return EINVAL;
  const bio = bioAlloc(null, 0, rq.cmd_flags);
  const ret = bioIovIterGetPages(bio, { ...iter });
  const appended = ret === 0 ? blkRqAppendBio(rq, bio) : ret;
  if (appended !== 0) bioPut(bio);
  return appended;
}

/** Add one extraction's pages under the hardware limits; returns bytes not added. */
function addHwPages(rq: Request, bio: Bio, n: number, bytes: number, offs: number): number {
  const q = rq.q;
  let j = 0;
  if (offs % (q.limits.dma_alignment + 1) === 0) {
    for (; j < n; j++) {
      const page = bio.bi_pages[j];
      const len = Math.min(PAGE_SIZE - offs, bytes);
      const added = bioAddHwPage(q, bio, page, len, offs, q.limits.max_hw_sectors);
      if (mergeState.samePage) bioReleasePage(bio, page);
      if (added === 0) break;
      bytes -= added;
      offs = 0;
      if (added < len) { j++; break; }
    }
  }
  for (; j < n; j++) bioReleasePage(bio, bio.bi_pages[j]);
  return bytes;
}

/** Pin (or list) user pages straight into a bio. @kernel block/blk-map.c bio_map_user_iov() */
function bioMapUserIov(rq: Request, iter: IovIter): number {
  if (iter.count === 0) return EINVAL;
  const nrVecs = iovIterNpages(iter, BIO_MAX_VECS);
  const bio = bioAlloc(null, nrVecs, rq.cmd_flags);
  const legacy = iter.mem!.profile === 'legacy';
  bio.bi_mem = iter.mem;
  if (!legacy && iovIterExtractWillPin(iter)) bioSetFlag(bio, BIO_PAGE_PINNED);
  const flags = (rq.q.limits.features & BLK_FEAT_PCI_P2PDMA) !== 0 ? ITER_ALLOW_P2PDMA : 0;
  let ret = 0;
  while (iter.count > 0) {
    pagesRef.pages = bio.bi_pages;
    const room = bio.bi_max_vecs - bio.bi_vcnt;
    if (legacy) iovIterGetPages2(iter, bio.bi_pages, Infinity, room, res);
    else iovIterExtractPages(iter, pagesRef, Infinity, room, flags, res);
    if (res.bytes <= 0) {
      ret = res.bytes !== 0 ? res.bytes : EFAULT;
      break;
    }
    const left = addHwPages(rq, bio, Math.ceil((res.offset0 + res.bytes) / PAGE_SIZE), res.bytes, res.offset0);
    if (left !== 0) {
      iovIterRevert(iter, left);
      break;
    }
  }
  if (ret === 0) ret = bio.bi_vcnt === 0 ? EINVAL : blkRqAppendBio(rq, bio);
  if (ret !== 0) {
    bioReleasePages(bio, false);
    bioPut(bio);
  }
  return ret;
}

/** Copy-or-map decision up front. */
function wantsCopy(rq: Request, iter: IovIter): boolean {
  const lim = rq.q.limits;
  if (iovIterAlignment(iter) % (Math.max(lim.dma_pad_mask, lim.dma_alignment) + 1) !== 0) return true;
  if (iovIterIsBvec(iter)) return false;
  if (!userBackedIter(iter)) return true;
  return lim.virt_boundary_mask !== 0 && (iovIterGapAlignment(iter) & lim.virt_boundary_mask) !== 0;
}

/** One copy-path bio appended to the request. */
function copyOne(rq: Request, i: IovIter): number {
  const b = bioCopyUserIov(rq, i);
  if (typeof b === 'number') return b;
  bioSetFlag(b, BIO_BOUNCED);
  rq.rq_flags |= RQF_COPY_USER;
  const r = blkRqAppendBio(rq, b);
  if (r !== 0) {
    bioUncopyUser(b, false, true);
    bioPut(b);
  }
  return r;
}

/**
 * Attach `iter`'s memory to passthrough request `rq`: bounce when misaligned for `dma_alignment`,
 * kernel-backed (not BVEC), or gapped for the virt boundary; borrow a BVEC array that fits (else
 * bounce); otherwise pin user pages. `iter` itself is not advanced. Returns 0 or a negative errno
 * with nothing left attached or pinned.
 * @kernel block/blk-map.c blk_rq_map_user_iov()
 */
export function blkRqMapUserIov(rq: Request, iter: IovIter): number {
  let copy = wantsCopy(rq, iter);
  if (!copy && iovIterIsBvec(iter)) {
    const r = blkRqMapUserBvec(rq, iter);
    if (r !== EREMOTEIO) return r;
    copy = true;
  }
  const i: IovIter = { ...iter };
  let ret = 0;
  do {
    ret = copy ? copyOne(rq, i) : bioMapUserIov(rq, i);
    if (ret !== 0) break;
  } while (i.count > 0);
  if (ret !== 0) {
    if (rq.bio !== null) blkRqUnmapUser(rq.bio);
    rq.bio = null;
    rq.biotail = null;
    rq.__data_len = 0;
    rq.nr_phys_segments = 0;
  }
  return ret;
}

/**
 * Undo `blkRqMapUserIov` for the bio chain starting at `bio` (saved from `rq.bio` before execution):
 * bounced READs are copied out (-EINTR without an address space: `hasMm` false) and their pages
 * freed; mapped bios release their pages (dirtying them for a READ). Returns 0 or the first error.
 * @kernel block/blk-map.c blk_rq_unmap_user()
 */
export function blkRqUnmapUser(bio: Bio | null, hasMm = true): number {
  let ret = 0;
  while (bio !== null) {
    const next: Bio | null = bio.bi_next;
    bio.bi_next = null;
    const read = (bio.bi_opf & 1) === 0;
    if (bioFlagged(bio, BIO_BOUNCED)) {
      const r = bioUncopyUser(bio, read, hasMm);
      if (ret === 0) ret = r;
    } else {
      bioReleasePages(bio, read);
    }
    bioPut(bio);
    bio = next;
  }
  return ret;
}
