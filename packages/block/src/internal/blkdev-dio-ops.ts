/**
 * Leaf helpers shared by the single-bio and multi-bio direct-IO paths (kept apart so
 * `blkdev-dio.ts` and `internal/blkdev-dio-multi.ts` do not import each other).
 * @kernel block/fops.c dio_bio_write_op(); include/linux/bio.h bio_iov_vecs_to_alloc()
 */
import { type IovIter, ITER_BVEC, iovIterNpages } from '@biopath/iov-iter';
import { REQ_FUA, REQ_IDLE, REQ_OP_WRITE, REQ_SYNC } from '../blk-types.ts';
import { IOCB_DSYNC, type Kiocb } from '../kiocb.ts';

/** The op and flags of a direct-IO write bio: FUA for O_DSYNC. @kernel block/fops.c dio_bio_write_op() */
export function dioBioWriteOp(iocb: Kiocb): number {
  let opf = REQ_OP_WRITE | REQ_SYNC | REQ_IDLE;
  if ((iocb.ki_flags & IOCB_DSYNC) !== 0) opf |= REQ_FUA;
  return opf;
}

/** bvecs to allocate for the next bio of `iter`: 0 for a BVEC (it is used in place). @kernel include/linux/bio.h bio_iov_vecs_to_alloc() */
export function bioIovVecsToAlloc(iter: IovIter, maxSegs: number): number {
  return iter.iter_type === ITER_BVEC ? 0 : iovIterNpages(iter, maxSegs);
}
