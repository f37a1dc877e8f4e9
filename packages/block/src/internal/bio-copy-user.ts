/**
 * The bounce path of passthrough mapping: kernel pages instead of the user's. WRITE copies the
 * user data in at map time; READ copies out at unmap time through a deep copy of the iterator.
 * @kernel block/blk-map.c bio_copy_user_iov(), bio_uncopy_user(), struct bio_map_data
 */
import { type IovIter, copyFromIter, copyToIter, iovIterAdvance } from '@biopath/iov-iter';
import { PAGE_SIZE, allocPages, putPage } from '@biopath/mm';
import type { Bio } from '../bio-types.ts';
import type { Request } from '../blk-mq-driver.ts';
import { BIO_MAX_VECS, REQ_OP_DRV_OUT, REQ_OP_WRITE, reqOp } from '../blk-types.ts';
import { bioAlloc, bioPut } from '../bio-alloc.ts';
import { bioAddHwPage } from '../bio-add.ts';
import { EFAULT, EINTR, ENOMEM } from './errno.ts';


/** What a bounced bio remembers. @kernel block/blk-map.c struct bio_map_data */
export class BioMapData {
  readonly iter: IovIter;
  constructor(iter: IovIter) {
    this.iter = iter;
  }
}

/** Deep copy of an iterator and its segment array (the kernel's dup_iter). */
function dupIter(i: IovIter): IovIter {
  const c: IovIter = { ...i };
  if (i.__iov !== null) c.__iov = i.__iov.map((v) => ({ iov_base: v.iov_base, iov_len: v.iov_len }));
  if (i.kvec !== null) c.kvec = i.kvec.map((v) => ({ iov_base: v.iov_base, iov_len: v.iov_len }));
  if (i.bvec !== null) c.bvec = i.bvec.map((v) => ({ bv_page: v.bv_page, bv_len: v.bv_len, bv_offset: v.bv_offset }));
  return c;
}

function isWrite(rq: Request): boolean {
  const op = reqOp(rq.cmd_flags);
  return op === REQ_OP_WRITE || op === REQ_OP_DRV_OUT || (op & 1) === 1;
}

/**
 * Free every page of every bvec: bounce pages are allocated one at a time, but `bioAddHwPage`
 * merges adjacent ones into a multi-page bvec, so each bvec is walked page by page.
 * @kernel block/bio.c bio_free_pages()
 */
function freeBouncePages(bio: Bio): void {
  const mem = bio.bi_mem!;
  for (let k = 0; k < bio.bi_vcnt; k++) {
    const bv = bio.bi_io_vec[k];
    const last = bv.bv_page + ((bv.bv_offset + bv.bv_len - 1) >>> 12);
    for (let p = bv.bv_page + (bv.bv_offset >>> 12); p <= last; p++) putPage(mem, p);
  }
}

/** WRITE: copy the user data into the bounce pages now. */
function copyIn(bio: Bio, iter: IovIter, mapped: number): boolean {
  const mem = bio.bi_mem!;
  let off = 0;
  for (let k = 0; k < bio.bi_vcnt && off < mapped; k++) {
    const bv = bio.bi_io_vec[k];
    const dst = mem.bytes.subarray(bv.bv_page * PAGE_SIZE, bv.bv_page * PAGE_SIZE + bv.bv_len);
    if (copyFromIter(dst, bv.bv_len, iter) !== bv.bv_len) return false;
    off += bv.bv_len;
  }
  return true;
}

/**
 * Bounce up to one bio's worth of `iter` through fresh kernel pages; the bio is returned (caller
 * appends it), or a negative errno with nothing held. @kernel block/blk-map.c bio_copy_user_iov()
 */
export function bioCopyUserIov(rq: Request, iter: IovIter): Bio | number {
  const q = rq.q;
  const mem = q.mem;
  const len = iter.count;
  const nrPages = Math.min(Math.ceil(len / PAGE_SIZE), BIO_MAX_VECS);
  const bio = bioAlloc(null, nrPages, rq.cmd_flags);
  bio.bi_mem = mem;
  bio.bi_private = new BioMapData(dupIter(iter));
  let left = len;
  while (left > 0) {
    const pfn = allocPages(mem, 0);
    if (pfn < 0) break;
    const n = Math.min(PAGE_SIZE, left);
    const added = bioAddHwPage(q, bio, pfn, n, 0, q.limits.max_hw_sectors);
    if (added === 0) putPage(mem, pfn);
    left -= added;
    if (added < n) break;
  }
  const mapped = len - left;
  if (mapped === 0) {
    freeBouncePages(bio);
    bioPut(bio);
    return ENOMEM;
  }
  if (isWrite(rq) && !copyIn(bio, iter, mapped)) {
    freeBouncePages(bio);
    bioPut(bio);
    return EFAULT;
  }
  if (!isWrite(rq)) iovIterAdvance(iter, mapped);
  return bio;
}

/**
 * Copy a bounced READ back to the user (needs the caller's address space: `hasMm` false → -EINTR),
 * then free the kernel pages. @kernel block/blk-map.c bio_uncopy_user()
 */
export function bioUncopyUser(bio: Bio, read: boolean, hasMm: boolean): number {
  const bmd = bio.bi_private as BioMapData;
  const mem = bio.bi_mem!;
  let ret = 0;
  if (read) {
    if (!hasMm) ret = EINTR;
    else if (bio.bi_status === 0) {
      for (let k = 0; k < bio.bi_vcnt; k++) {
        const bv = bio.bi_io_vec[k];
        const src = mem.bytes.subarray(bv.bv_page * PAGE_SIZE + bv.bv_offset, bv.bv_page * PAGE_SIZE + bv.bv_offset + bv.bv_len);
        if (copyToIter(src, bv.bv_len, bmd.iter) !== bv.bv_len) ret = EFAULT;
      }
    }
  }
  freeBouncePages(bio);
  bio.bi_private = null;
  return ret;
}
