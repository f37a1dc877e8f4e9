/**
 * Merging a bio into a plugged request: back merge (the bio follows the request) and front merge
 * (it precedes it), under the same-op / size / segment / virt-boundary rules as the kernel.
 * @kernel block/blk-merge.c blk_rq_merge_ok(), blk_try_merge(), ll_back_merge_fn(), ll_front_merge_fn(), blk_attempt_plug_merge()
 */
import { PAGE_SIZE } from '@biopath/mm';
import type { Bio, BioVec } from './bio-types.ts';
import { BvecIter } from './bio-types.ts';
import type { Request, RequestQueue } from './blk-mq-driver.ts';
import { RQF_MIXED_MERGE, blkRqSectors } from './blk-mq-driver.ts';
import type { BlkPlug } from './blk-plug.ts';
import {
  REQ_ATOMIC, REQ_FAILFAST_MASK, REQ_NOMERGE, REQ_NOMERGE_FLAGS, REQ_OP_READ, REQ_OP_WRITE, reqOp,
} from './blk-types.ts';
import { createBioVec, mpBvecIterBvec, bvecIterAdvance } from './bvec.ts';
import { bioSectors } from './bio-split.ts';
import { biovecPhysMergeable, bvecGapToPrev, maskLow } from './internal/seg-limits.ts';

export const ELEVATOR_NO_MERGE = 0;
export const ELEVATOR_FRONT_MERGE = 1;
export const ELEVATOR_BACK_MERGE = 2;

const pb: BioVec = createBioVec();
const nb: BioVec = createBioVec();
const lastIter = new BvecIter();

/** @kernel include/linux/bio.h bio_get_first_bvec() */
function bioGetFirstBvec(bio: Bio, out: BioVec): void {
  mpBvecIterBvec(bio.bi_io_vec, bio.bi_iter, out);
}

/** @kernel include/linux/bio.h bio_get_last_bvec() */
function bioGetLastBvec(bio: Bio, out: BioVec): void {
  bioGetFirstBvec(bio, out);
  if (out.bv_len === bio.bi_iter.bi_size) return;
  lastIter.bi_size = bio.bi_iter.bi_size;
  lastIter.bi_idx = bio.bi_iter.bi_idx;
  lastIter.bi_bvec_done = bio.bi_iter.bi_bvec_done;
  bvecIterAdvance(bio.bi_io_vec, lastIter, lastIter.bi_size);
  const idx = lastIter.bi_bvec_done === 0 ? lastIter.bi_idx - 1 : lastIter.bi_idx;
  const v = bio.bi_io_vec[idx];
  out.bv_page = v.bv_page;
  out.bv_offset = v.bv_offset;
  out.bv_len = lastIter.bi_bvec_done !== 0 ? lastIter.bi_bvec_done : v.bv_len;
}

/**
 * Whether appending `next` after `prev` would leave a gap the virt boundary forbids.
 * @kernel block/blk.h bio_will_gap()
 */
function bioWillGap(q: RequestQueue, prevRq: Request | null, prev: Bio, next: Bio): boolean {
  const vbm = q.limits.virt_boundary_mask;
  if (vbm === 0 || prev.bi_iter.bi_size === 0) return false;
  bioGetFirstBvec(prevRq !== null ? prevRq.bio! : prev, pb);
  if (maskLow(pb.bv_offset, vbm) !== 0) return true;
  bioGetLastBvec(prev, pb);
  bioGetFirstBvec(next, nb);
  const p1 = pb.bv_page * PAGE_SIZE + pb.bv_offset;
  const p2 = nb.bv_page * PAGE_SIZE + nb.bv_offset;
  if (biovecPhysMergeable(q.limits, p1, pb.bv_len, p2, nb.bv_len)) return false;
  return bvecGapToPrev(q.limits, pb.bv_offset + pb.bv_len, nb.bv_offset);
}

/** @kernel include/linux/blkdev.h rq_mergeable() */
export function rqMergeable(rq: Request): boolean {
  const op = reqOp(rq.cmd_flags);
  if (op !== REQ_OP_READ && op !== REQ_OP_WRITE) return false;
  return (rq.cmd_flags & REQ_NOMERGE_FLAGS) === 0;
}

/** @kernel block/blk-merge.c blk_rq_merge_ok() */
export function blkRqMergeOk(rq: Request, bio: Bio): boolean {
  if (!rqMergeable(rq) || (bio.bi_opf & REQ_NOMERGE_FLAGS) !== 0) return false;
  if (reqOp(rq.cmd_flags) !== reqOp(bio.bi_opf)) return false;
  if (bio.bi_bdev === null || bio.bi_bdev.bd_queue !== rq.q) return false;
  if (rq.write_hint !== bio.bi_write_hint || rq.ioprio !== bio.bi_ioprio) return false;
  return ((rq.cmd_flags ^ bio.bi_opf) & REQ_ATOMIC) === 0;
}

/** @kernel block/blk-merge.c blk_try_merge() */
export function blkTryMerge(rq: Request, bio: Bio): number {
  if (rq.__sector + blkRqSectors(rq) === bio.bi_iter.bi_sector) return ELEVATOR_BACK_MERGE;
  if (rq.__sector - bioSectors(bio) === bio.bi_iter.bi_sector) return ELEVATOR_FRONT_MERGE;
  return ELEVATOR_NO_MERGE;
}

/** Size and segment checks shared by both merge directions; marks the request unmergeable on failure. */
function llMergeFits(rq: Request, bio: Bio, nrSegs: number): boolean {
  const lim = rq.q.limits;
  if (blkRqSectors(rq) + bioSectors(bio) > lim.max_sectors || rq.nr_phys_segments + nrSegs > lim.max_segments) {
    rq.cmd_flags |= REQ_NOMERGE;
    return false;
  }
  return true;
}

function mixedMerge(rq: Request, bio: Bio): void {
  if (((rq.cmd_flags ^ bio.bi_opf) & REQ_FAILFAST_MASK) !== 0) rq.rq_flags |= RQF_MIXED_MERGE;
}

/** @kernel block/blk-merge.c bio_attempt_back_merge() */
function bioAttemptBackMerge(rq: Request, bio: Bio, nrSegs: number): boolean {
  if (bioWillGap(rq.q, rq, rq.biotail!, bio) || !llMergeFits(rq, bio, nrSegs)) return false;
  mixedMerge(rq, bio);
  rq.nr_phys_segments += nrSegs;
  rq.biotail!.bi_next = bio;
  rq.biotail = bio;
  rq.__data_len += bio.bi_iter.bi_size;
  rq.q.nr_back_merges++;
  return true;
}

/** @kernel block/blk-merge.c bio_attempt_front_merge() */
function bioAttemptFrontMerge(rq: Request, bio: Bio, nrSegs: number): boolean {
  if (bioWillGap(rq.q, null, bio, rq.bio!) || !llMergeFits(rq, bio, nrSegs)) return false;
  mixedMerge(rq, bio);
  rq.nr_phys_segments += nrSegs;
  bio.bi_next = rq.bio;
  rq.bio = bio;
  rq.__sector = bio.bi_iter.bi_sector;
  rq.__data_len += bio.bi_iter.bi_size;
  rq.q.nr_front_merges++;
  return true;
}

/** Try to merge `bio` into `rq`. @kernel block/blk-merge.c blk_attempt_bio_merge() */
export function blkAttemptBioMerge(rq: Request, bio: Bio, nrSegs: number): boolean {
  if (!blkRqMergeOk(rq, bio)) return false;
  const how = blkTryMerge(rq, bio);
  if (how === ELEVATOR_BACK_MERGE) return bioAttemptBackMerge(rq, bio, nrSegs);
  if (how === ELEVATOR_FRONT_MERGE) return bioAttemptFrontMerge(rq, bio, nrSegs);
  return false;
}

/**
 * Merge into the most recent plugged request of the bio's queue (searching past other queues' requests
 * only when the plug spans several queues).
 * @kernel block/blk-merge.c blk_attempt_plug_merge()
 */
export function blkAttemptPlugMerge(plug: BlkPlug, q: RequestQueue, bio: Bio, nrSegs: number): boolean {
  let rq = plug.mq_tail;
  if (rq === null) return false;
  if (rq.q !== q) {
    if (!plug.multiple_queues) return false;
    let found: Request | null = null;
    for (let r = plug.mq_list; r !== null; r = r.rq_next) if (r.q === q) found = r;
    if (found === null) return false;
    rq = found;
  }
  return blkAttemptBioMerge(rq, bio, nrSegs);
}

