/**
 * Submitting bios: end-of-device and read-only checks, split to the queue limits, plug merge,
 * request allocation, then plug or direct issue.
 * @kernel block/blk-core.c submit_bio(), submit_bio_noacct(), bio_check_eod(); block/blk-mq.c blk_mq_submit_bio()
 */
import { BiopathError } from '@biopath/native';
import type { Bio } from './bio-types.ts';
import type { RequestQueue } from './blk-mq-driver.ts';
import { BLK_STS_AGAIN, BLK_STS_IOERR, errnoToBlkStatus } from './blk-status.ts';
import { REQ_NOMERGE, REQ_NOWAIT, REQ_OP_READ, REQ_OP_WRITE, SECTOR_SIZE, opIsWrite, reqOp } from './blk-types.ts';
import { bioChain, bioIoError } from './bio-endio.ts';
import { bioSectors, bioSplit } from './bio-split.ts';
import { bioSplitRwAt, getMaxIoSizeSectors, type SplitSegs } from './blk-split.ts';
import { blkAttemptPlugMerge } from './blk-merge.ts';
import { blkAddRqToPlug, blkCurrentPlug, blkFlushPlug } from './blk-plug.ts';
import { blkMqGetTag } from './internal/blk-mq-tag.ts';
import { blkMqBioToRequest } from './internal/blk-mq-rq.ts';
import { blkMqIssue } from './internal/blk-mq-dispatch.ts';
import { blkMqBacklogAdd, blkMqDrainBacklog } from './internal/blk-mq-backlog.ts';

const segs: SplitSegs = { nsegs: 0 };

/** Whether the bio can skip the split walk: one bvec inside one minimal segment. @kernel block/blk.h bio_may_need_split() */
function bioMayNeedSplit(bio: Bio, q: RequestQueue): boolean {
  if (bio.bi_vcnt !== 1) return true;
  const bv = bio.bi_io_vec[bio.bi_iter.bi_idx];
  if (bio.bi_iter.bi_size > bv.bv_len) return true;
  return bv.bv_len + bv.bv_offset > q.limits.min_segment_size;
}

/** Allocate (or wait for) a request for one already-split bio and plug or issue it. */
function blkMqSubmitOne(q: RequestQueue, bio: Bio, nrSegs: number): void {
  const plug = blkCurrentPlug();
  if (plug !== null && blkAttemptPlugMerge(plug, q, bio, nrSegs)) return;
  const hctx = q.queue_hw_ctx[q.cur_hctx];
  let rq = q.backlog === null ? blkMqGetTag(hctx) : null;
  if (rq === null && plug !== null && plug.mq_list !== null) {
    blkFlushPlug(plug);
    if (q.backlog === null) rq = blkMqGetTag(hctx);
  }
  if (rq === null) {
    if ((bio.bi_opf & REQ_NOWAIT) !== 0) {
      bioIoError(bio, BLK_STS_AGAIN);
      return;
    }
    bio.bi_nr_segs = nrSegs;
    blkMqBacklogAdd(q, bio);
    blkMqDrainBacklog(q);
    return;
  }
  blkMqBioToRequest(rq, bio, nrSegs);
  if (plug !== null) blkAddRqToPlug(plug, rq, q);
  else blkMqIssue(hctx, rq);
}

/**
 * The request-layer entry for a bio: split to limits (each split chained to the remainder and
 * marked REQ_NOMERGE), then merge or allocate a request for each piece.
 * @kernel block/blk-mq.c blk_mq_submit_bio(); block/blk-merge.c __bio_split_to_limits()
 */
export function blkMqSubmitBio(q: RequestQueue, bio: Bio): void {
  const op = reqOp(bio.bi_opf);
  const rw = op === REQ_OP_READ || op === REQ_OP_WRITE;
  for (;;) {
    let sectors = 0;
    segs.nsegs = bio.bi_iter.bi_size !== 0 ? 1 : 0;
    if (rw && bio.bi_iter.bi_size !== 0 && bioMayNeedSplit(bio, q)) {
      sectors = bioSplitRwAt(bio, q.limits, segs, getMaxIoSizeSectors(bio, q.limits) * SECTOR_SIZE);
      if (sectors < 0) return bioIoError(bio, errnoToBlkStatus(sectors));
    }
    if (sectors === 0) return blkMqSubmitOne(q, bio, segs.nsegs);
    const nsegs = segs.nsegs;
    const split = bioSplit(bio, sectors);
    if (typeof split === 'number') return bioIoError(bio, errnoToBlkStatus(split));
    split.bi_opf |= REQ_NOMERGE;
    bioChain(split, bio);
    q.nr_splits++;
    blkMqSubmitOne(q, split, nsegs);
  }
}

/** Whether the bio reaches past the device end. @kernel block/blk-core.c bio_check_eod() */
function bioBeyondEnd(bio: Bio, capacity: number): boolean {
  const nr = bioSectors(bio);
  return nr !== 0 && (bio.bi_iter.bi_sector > capacity || capacity - bio.bi_iter.bi_sector < nr);
}

/**
 * Submit a bio for I/O. Completion is reported through `bi_end_io` (possibly before this returns).
 * A bio past the device end, a write to a read-only device, or a dying queue completes with
 * BLK_STS_IOERR.
 * @kernel block/blk-core.c submit_bio(), submit_bio_noacct()
 */
export function submitBio(bio: Bio): void {
  const bdev = bio.bi_bdev;
  if (bdev === null) throw new BiopathError('EINVAL', 'submitBio(bio): bio has no bi_bdev');
  const q = bdev.bd_queue;
  q.nr_bios++;
  if (q.dying || (bdev.bd_read_only && opIsWrite(reqOp(bio.bi_opf))) || bioBeyondEnd(bio, bdev.bd_nr_sectors)) {
    bioIoError(bio, BLK_STS_IOERR);
    return;
  }
  blkMqSubmitBio(q, bio);
}

