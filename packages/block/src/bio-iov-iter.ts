/**
 * Filling a bio from an iterator: borrow a BVEC iterator's array, or extract pages (pinning
 * user-backed memory, just listing kernel memory; `legacy`: FOLL_GET references via
 * iov_iter_get_pages2), trim to the logical block size, merge physically contiguous pages and drop
 * the duplicate pin of a page shared by two merged ranges.
 * Profile `current` is folio-aware (6.12: a run of pages of one large folio is one range) and aligns
 * the finished bio with `len_align_mask` (6.18) instead of trimming each extraction.
 * @kernel block/bio.c bio_iov_iter_get_pages(), __bio_iov_iter_get_pages(), bio_iov_bvec_set(), bio_iov_add_page()
 */
import {
  type BioVec, type ExtractResult, type IovIter, type PagesRef, ITER_ALLOW_P2PDMA, ITER_BVEC, ITER_DISCARD,
  iovIterAdvance, iovIterExtractPages, iovIterGetPages2, iovIterRevert, userBackedIter,
} from '@biopath/iov-iter';
import { type MemMap, type Profile, PAGE_SIZE } from '@biopath/mm';
import { BiopathError, warnOnOnce } from '@biopath/native';
import { RELEASE_MODES, type Bio } from './bio-types.ts';
import { BIO_CLONED, BIO_NO_PAGE_REF, BIO_PAGE_PINNED, UINT_MAX } from './blk-types.ts';
import { bioFlagged, bioSetFlag } from './bio-flags.ts';
import { __bioAddPage, bioFull, bvecTryMergePage, mergeState } from './bio-add.ts';
import { PAGES_NONE, PAGES_PINNED, PAGES_REFFED, bioPagesCarry, bioReleasePage, releaseModeMatches } from './bio-release.ts';
import { BLK_FEAT_PCI_P2PDMA } from './queue-limits.ts';
import { EFAULT, EIO } from './internal/errno.ts';


const pagesRef: PagesRef = { pages: null };
const res: ExtractResult = { bytes: 0, offset0: 0 };

/** What pages extracted from `iter` will carry under `profile`. */
export function iterPagesCarry(iter: IovIter, profile: Profile): number {
  if (iter.iter_type === ITER_BVEC) return PAGES_NONE;
  if (profile === 'legacy') return PAGES_REFFED;
  return userBackedIter(iter) ? PAGES_PINNED : PAGES_NONE;
}

/**
 * The bio borrows the iterator's bvec array: BIO_CLONED, no pages taken, iterator not advanced here.
 * @kernel block/bio.c bio_iov_bvec_set()
 */
function bioIovBvecSet(bio: Bio, iter: IovIter): void {
  bio.bi_io_vec = iter.bvec as BioVec[];
  bio.bi_iter.bi_idx = iter.seg;
  bio.bi_vcnt = iter.seg + iter.nr_segs;
  bio.bi_max_vecs = bio.bi_vcnt;
  bio.bi_iter.bi_bvec_done = iter.iov_offset;
  bio.bi_iter.bi_size = Math.min(iter.count, UINT_MAX);
  bio.bi_mem = iter.mem;
  bioSetFlag(bio, BIO_CLONED);
}

/**
 * Model counters of the extraction loop (plain numbers, never reset here): `adds` counts calls of
 * bio_iov_add_page()/bio_iov_add_folio() — one per page in the per-page profiles, one per folio
 * range in `current` — each of which tries bvec_try_merge_page() on a non-empty bio.
 */
export const bioIovCounters = { adds: 0 };

/**
 * Add one extracted range (a page, or under `current` a run of pages of one folio); on a same-page
 * merge drop the duplicate pin/ref of the range's first page.
 * @kernel block/bio.c bio_iov_add_page(), bio_iov_add_folio()
 */
function bioIovAddPage(bio: Bio, page: number, len: number, offset: number): number {
  bioIovCounters.adds++;
  if (warnOnOnce(bio.bi_iter.bi_size > UINT_MAX - len, 'bioIovAddPage: bi_size overflow')) return EIO;
  if (bio.bi_vcnt > 0 && bvecTryMergePage(bio.bi_mem, bio.bi_io_vec[bio.bi_vcnt - 1], page, len, offset)) {
    bio.bi_iter.bi_size += len;
    if (mergeState.samePage) bioReleasePage(bio, page);
    return 0;
  }
  __bioAddPage(bio, page, len, offset);
  return 0;
}

/** Pages covered by the range found by the last `contigFolioLen`. */
let contigPages = 0;

/**
 * Bytes from `pages[i]` (at `offset`) that stay in its folio and in consecutive frames, at most
 * `left`; sets `contigPages`. A COWed page in the middle of a large folio ends the run.
 * @kernel block/bio.c get_contig_folio_len()
 */
function contigFolioLen(mem: MemMap, pages: Int32Array, i: number, left: number, offset: number): number {
  const page = pages[i]!;
  const head = mem.head[page]!;
  const folioEnd = head + (1 << mem.order[head]!);
  const len = Math.min((folioEnd - page) * PAGE_SIZE - offset, left);
  const np = Math.ceil((offset + len) / PAGE_SIZE);
  let contig = Math.min(PAGE_SIZE - offset, len);
  let j = 1;
  for (; j < np && pages[i + j] === page + j; j++) contig += Math.min(PAGE_SIZE, len - contig);
  contigPages = j;
  return contig;
}

/** Add `size` bytes of `pages` (from `offset`) one page at a time; returns pages consumed. */
function addPerPage(bio: Bio, pages: Int32Array, size: number, offset: number): number {
  let i = 0;
  for (let left = size; left > 0; i++) {
    const len = Math.min(PAGE_SIZE - offset, left);
    bioIovAddPage(bio, pages[i], len, offset);
    left -= len;
    offset = 0;
  }
  return i;
}

/** Add `size` bytes of `pages` (from `offset`) one folio range at a time (6.12); returns pages consumed. */
function addPerFolio(bio: Bio, mem: MemMap, pages: Int32Array, size: number, offset: number): number {
  let i = 0;
  for (let left = size; left > 0;) {
    const len = contigFolioLen(mem, pages, i, left, offset);
    bioIovAddPage(bio, pages[i], len, offset);
    left -= len;
    i += contigPages;
    offset = 0;
  }
  return i;
}

/**
 * One extraction into the free bvec slots. Per-page profiles trim each extraction to the logical
 * block size; `current` adds folio ranges and leaves the alignment to `bioIovIterAlignDown`.
 * @kernel block/bio.c __bio_iov_iter_get_pages()
 */
function __bioIovIterGetPages(bio: Bio, iter: IovIter, legacy: boolean, folioAware: boolean): number {
  const nrPages = bio.bi_max_vecs - bio.bi_vcnt;
  const pages = bio.bi_pages;
  const bdev = bio.bi_bdev;
  const flags = bdev !== null && (bdev.bd_queue.limits.features & BLK_FEAT_PCI_P2PDMA) !== 0 ? ITER_ALLOW_P2PDMA : 0;
  pagesRef.pages = pages;
  // the extraction clamps to iter.count anyway; passing the smaller bound keeps it a small integer
  // (a computed double argument costs a heap box per call)
  const room = UINT_MAX - bio.bi_iter.bi_size;
  const maxsize = iter.count < room ? iter.count : room;
  if (legacy) iovIterGetPages2(iter, pages, maxsize, nrPages, res);
  else iovIterExtractPages(iter, pagesRef, maxsize, nrPages, flags, res);
  let size = res.bytes;
  if (size <= 0) return size !== 0 ? size : EFAULT;
  const offset = res.offset0;
  const n = Math.ceil((offset + size) / PAGE_SIZE);
  if (bdev !== null && !folioAware) {
    const trim = size % bdev.bd_queue.limits.logical_block_size;
    iovIterRevert(iter, trim);
    size -= trim;
  }
  let i = 0;
  let ret = 0;
  if (size === 0) ret = EFAULT;
  else i = folioAware ? addPerFolio(bio, bio.bi_mem!, pages, size, offset) : addPerPage(bio, pages, size, offset);
  while (i < n) bioReleasePage(bio, pages[i++]);
  return ret;
}

/**
 * Trim the bio to a multiple of `lenAlignMask + 1` bytes: revert the iterator by the excess, shorten
 * or drop trailing bvecs and release every page no longer covered. Returns 0, or -EFAULT (nothing
 * left; the bio then holds no pages).
 * @kernel block/bio.c bio_iov_iter_align_down()
 */
function bioIovIterAlignDown(bio: Bio, iter: IovIter, lenAlignMask: number): number {
  let nbytes = bio.bi_iter.bi_size % (lenAlignMask + 1);
  if (nbytes === 0) return 0;
  iovIterRevert(iter, nbytes);
  bio.bi_iter.bi_size -= nbytes;
  while (nbytes > 0) {
    const bv = bio.bi_io_vec[bio.bi_vcnt - 1];
    const start = bv.bv_page * PAGE_SIZE + bv.bv_offset;
    const keep = nbytes < bv.bv_len ? bv.bv_len - nbytes : 0;
    const firstGone = keep === 0 ? bv.bv_page : Math.ceil((start + keep) / PAGE_SIZE);
    const lastPage = Math.floor((start + bv.bv_len - 1) / PAGE_SIZE);
    for (let p = firstGone; p <= lastPage; p++) bioReleasePage(bio, p);
    nbytes -= bv.bv_len - keep;
    if (keep > 0) bv.bv_len = keep;
    else bio.bi_vcnt--;
  }
  return bio.bi_vcnt > 0 ? 0 : EFAULT;
}

/** Refuse, before anything is taken, a bio whose release mode or earlier pages don't match `iter`. */
function checkCleanupMode(bio: Bio, carry: number): void {
  if (!releaseModeMatches(bio.bi_release, carry)) {
    throw new BiopathError('EINVAL', `bioIovIterGetPages(bio): release mode '${RELEASE_MODES[bio.bi_release]}' cannot release pages this iterator yields`);
  }
  if (bio.bi_vcnt > 0 && bioPagesCarry(bio) !== carry) {
    throw new BiopathError('EINVAL', 'bioIovIterGetPages(bio): the bio already holds pages taken a different way (cleanup mode is set once)');
  }
}

/**
 * Add as much of `iter` to `bio` as fits; the iterator advances past what was added. Returns 0 if
 * anything was added (partial is success) or a negative errno with nothing held: -EFAULT (nothing
 * left after trimming to the logical block size, unmappable memory, DISCARD), -EIO (cloned bio).
 * BVEC iterators are borrowed, not extracted. Sets BIO_PAGE_PINNED when the pages are pinned
 * (`legacy`: FOLL_GET, released by put unless BIO_NO_PAGE_REF). Throws EINVAL up front if the
 * bio's release mode cannot release what this iterator yields.
 *
 * Profile `current` is folio-aware (6.12): consecutive pages of one folio are added as one range
 * (one add, one merge attempt), each page keeping its own pin; and the bio as a whole is aligned
 * down to `lenAlignMask + 1` bytes at the end (default: the logical block size − 1, 0 without a
 * bdev) instead of trimming each extraction. Other profiles add page by page and ignore
 * `lenAlignMask`. A `lenAlignMask` that is not 2^k − 1 → EINVAL.
 * @kernel block/bio.c bio_iov_iter_get_pages()
 */
export function bioIovIterGetPages(bio: Bio, iter: IovIter, lenAlignMask?: number): number {
  if (warnOnOnce(bioFlagged(bio, BIO_CLONED), 'bioIovIterGetPages: cloned bio')) return EIO;
  if (iter.iter_type === ITER_DISCARD || iter.mem === null) return EFAULT;
  const profile = iter.mem.profile;
  if (bio.bi_mem !== null && bio.bi_mem !== iter.mem) {
    throw new BiopathError('EINVAL', 'bioIovIterGetPages(iter): iterator memory is not the bio\'s MemMap');
  }
  if (lenAlignMask !== undefined && !(Number.isInteger(lenAlignMask) && lenAlignMask >= 0 && lenAlignMask < UINT_MAX && (lenAlignMask & (lenAlignMask + 1)) === 0)) {
    throw new BiopathError('EINVAL', `bioIovIterGetPages(lenAlignMask): ${lenAlignMask} is not 2^k - 1`);
  }
  if (iter.iter_type === ITER_BVEC) {
    if (bio.bi_vcnt !== 0) throw new BiopathError('EINVAL', 'bioIovIterGetPages(bio): a BVEC iterator needs an empty bio');
    checkCleanupMode(bio, PAGES_NONE);
    bioIovBvecSet(bio, iter);
    if (profile === 'legacy') bioSetFlag(bio, BIO_NO_PAGE_REF);
    iovIterAdvance(iter, bio.bi_iter.bi_size);
    return 0;
  }
  const carry = iterPagesCarry(iter, profile);
  checkCleanupMode(bio, carry);
  bio.bi_mem = iter.mem;
  if (carry === PAGES_PINNED) bioSetFlag(bio, BIO_PAGE_PINNED);
  const legacy = profile === 'legacy';
  const folioAware = profile === 'current';
  let ret = 0;
  do {
    ret = __bioIovIterGetPages(bio, iter, legacy, folioAware);
  } while (ret === 0 && iter.count > 0 && !bioFull(bio, 0));
  if (bio.bi_vcnt === 0) return ret;
  if (!folioAware) return 0;
  const bdev = bio.bi_bdev;
  const mask = lenAlignMask ?? (bdev !== null ? bdev.bd_queue.limits.logical_block_size - 1 : 0);
  return bioIovIterAlignDown(bio, iter, mask);
}
