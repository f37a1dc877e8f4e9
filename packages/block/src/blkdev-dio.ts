/**
 * Direct I/O on a block device: entry checks, then the simple single-bio path (sync: wait in place;
 * async: one bio, -EIOCBQUEUED) or the multi-bio path under a plug.
 * @kernel block/fops.c blkdev_direct_IO(), __blkdev_direct_IO_simple(), __blkdev_direct_IO_async()
 */
import { type IovIter, READ, iovIterIsAligned, iovIterRw, userBackedIter } from '@biopath/iov-iter';
import { BiopathError } from '@biopath/native';
import { RELEASE_MODES, type Bio, type BlockDevice } from './bio-types.ts';
import { BIO_MAX_VECS, REQ_ATOMIC, REQ_NOWAIT, REQ_OP_READ, SECTOR_SHIFT } from './blk-types.ts';
import { bioAlloc, bioPut } from './bio-alloc.ts';
import { bioIovIterGetPages, iterPagesCarry } from './bio-iov-iter.ts';
import { bioReleasePages, releaseModeMatches } from './bio-release.ts';
import { bioCheckPagesDirty, bioSetPagesDirty } from './bio-dirty.ts';
import { blkStatusToErrno } from './blk-status.ts';
import { submitBio } from './blk-mq-submit.ts';
import { submitBioWait } from './blk-mq-poll.ts';
import { EIOCBQUEUED, IOCB_ATOMIC, IOCB_NOWAIT, type Kiocb, isSyncKiocb } from './kiocb.ts';
import { blkdevDirectIOMulti } from './internal/blkdev-dio-multi.ts';
import { bioIovVecsToAlloc, dioBioWriteOp } from './internal/blkdev-dio-ops.ts';
import { DIO_SHOULD_DIRTY, dioAlloc, dioFree, type BlkdevDio } from './internal/blkdev-dio-pool.ts';
import { EINVAL } from './internal/errno.ts';

/** @kernel block/fops.c blkdev_dio_unaligned() (takes the iocb: a double argument would be boxed per call) */
function blkdevDioUnaligned(bdev: BlockDevice, iocb: Kiocb, iter: IovIter): boolean {
  const lim = bdev.bd_queue.limits;
  return iocb.ki_pos % lim.logical_block_size !== 0 ||
    !iovIterIsAligned(iter, lim.dma_alignment, lim.logical_block_size - 1);
}

/** Sync single bio: build, submit and wait, release (dirtying user pages of a read). */
function blkdevDirectIOSimple(iocb: Kiocb, iter: IovIter, bdev: BlockDevice, nrPages: number): number {
  const isRead = iovIterRw(iter) === READ;
  const bio = bioAlloc(bdev, nrPages, isRead ? REQ_OP_READ : dioBioWriteOp(iocb));
  const shouldDirty = isRead && userBackedIter(iter);
  bio.bi_iter.bi_sector = Math.floor(iocb.ki_pos / (1 << SECTOR_SHIFT));
  bio.bi_ioprio = iocb.ki_ioprio;
  bio.bi_release = iocb.ki_release;
  if ((iocb.ki_flags & IOCB_ATOMIC) !== 0) bio.bi_opf |= REQ_ATOMIC;
  let ret = bioIovIterGetPages(bio, iter);
  if (ret === 0) {
    ret = bio.bi_iter.bi_size;
    if ((iocb.ki_flags & IOCB_NOWAIT) !== 0) bio.bi_opf |= REQ_NOWAIT;
    submitBioWait(bio);
    bioReleasePages(bio, shouldDirty);
    if (bio.bi_status !== 0) ret = blkStatusToErrno(bio.bi_status);
  }
  bioPut(bio);
  return ret;
}

/** The async single bio's completion. @kernel block/fops.c blkdev_bio_end_io_async() */
function blkdevBioEndIoAsync(bio: Bio): void {
  const dio = bio.bi_private as BlkdevDio;
  const iocb = dio.iocb!;
  let ret: number;
  if (bio.bi_status === 0) {
    ret = dio.size;
    iocb.ki_pos += ret;
  } else {
    ret = blkStatusToErrno(bio.bi_status);
  }
  const shouldDirty = (dio.flags & DIO_SHOULD_DIRTY) !== 0;
  dioFree(dio);
  bio.bi_private = null;
  iocb.ki_complete!(iocb, ret);
  if (shouldDirty) {
    bioCheckPagesDirty(bio);
  } else {
    bioReleasePages(bio, false);
    bioPut(bio);
  }
}

/** Async single bio. @kernel block/fops.c __blkdev_direct_IO_async() */
function blkdevDirectIOAsync(iocb: Kiocb, iter: IovIter, bdev: BlockDevice, nrPages: number): number {
  const isRead = iovIterRw(iter) === READ;
  const bio = bioAlloc(bdev, nrPages, isRead ? REQ_OP_READ : dioBioWriteOp(iocb));
  bio.bi_iter.bi_sector = Math.floor(iocb.ki_pos / (1 << SECTOR_SHIFT));
  bio.bi_ioprio = iocb.ki_ioprio;
  bio.bi_release = iocb.ki_release;
  const ret = bioIovIterGetPages(bio, iter);
  if (ret !== 0) {
    bioPut(bio);
    return ret;
  }
  const dio = dioAlloc();
  dio.iocb = iocb;
  dio.size = bio.bi_iter.bi_size;
  if (isRead && userBackedIter(iter)) {
    dio.flags |= DIO_SHOULD_DIRTY;
    bioSetPagesDirty(bio);
  }
  if ((iocb.ki_flags & IOCB_NOWAIT) !== 0) bio.bi_opf |= REQ_NOWAIT;
  bio.bi_private = dio;
  bio.bi_end_io = blkdevBioEndIoAsync;
  submitBio(bio);
  return EIOCBQUEUED;
}

/** Refuse an iocb whose release mode cannot release what `iter` will yield (nothing taken yet). */
function checkReleaseMode(iocb: Kiocb, iter: IovIter): void {
  if (iter.mem === null) return;
  if (!releaseModeMatches(iocb.ki_release, iterPagesCarry(iter, iter.mem.profile))) {
    throw new BiopathError('EINVAL', `blkdevDirectIO(iocb.ki_release): '${RELEASE_MODES[iocb.ki_release]}' cannot release the pages this iterator yields`);
  }
}

/**
 * Direct I/O of `iter` at `iocb.ki_pos`. Returns bytes done (sync), -EIOCBQUEUED (async: `ki_complete`
 * gets the result and `ki_pos` advances), 0 for an empty iterator, -EINVAL when the position is not a
 * multiple of the logical block size or a segment's address/length violates `dma_alignment` /
 * the logical block size, -EAGAIN for IOCB_NOWAIT needing several bios, or the device's error.
 * @kernel block/fops.c blkdev_direct_IO()
 */
export function blkdevDirectIO(iocb: Kiocb, iter: IovIter): number {
  const bdev = iocb.ki_bdev;
  if (bdev === null) throw new BiopathError('EINVAL', 'blkdevDirectIO(iocb): no ki_bdev');
  if (iter.count === 0) return 0;
  if (blkdevDioUnaligned(bdev, iocb, iter)) return EINVAL;
  checkReleaseMode(iocb, iter);
  const nrPages = bioIovVecsToAlloc(iter, BIO_MAX_VECS + 1);
  if (nrPages <= BIO_MAX_VECS) {
    if (isSyncKiocb(iocb)) return blkdevDirectIOSimple(iocb, iter, bdev, nrPages);
    return blkdevDirectIOAsync(iocb, iter, bdev, nrPages);
  }
  if ((iocb.ki_flags & IOCB_ATOMIC) !== 0) return EINVAL;
  return blkdevDirectIOMulti(iocb, iter, bdev, Math.min(nrPages, BIO_MAX_VECS));
}
