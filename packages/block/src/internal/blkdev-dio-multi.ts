/**
 * Direct I/O needing several bios: build and submit them under a plug; a shared dio counts the
 * outstanding bios; each bio releases its own pages; the last completion reports the total size or
 * the first error.
 * @kernel block/fops.c __blkdev_direct_IO(), blkdev_bio_end_io()
 */
import { type IovIter, READ, iovIterRw, userBackedIter } from '@biopath/iov-iter';
import type { Bio, BlockDevice } from '../bio-types.ts';
import { BIO_MAX_VECS, REQ_NOWAIT, REQ_OP_READ, SECTOR_SHIFT } from '../blk-types.ts';
import { BLK_STS_IOERR, blkStatusToErrno } from '../blk-status.ts';
import { bioAlloc, bioPut } from '../bio-alloc.ts';
import { bioEndio } from '../bio-endio.ts';
import { bioIovIterGetPages } from '../bio-iov-iter.ts';
import { bioReleasePages } from '../bio-release.ts';
import { bioCheckPagesDirty, bioSetPagesDirty } from '../bio-dirty.ts';
import { BlkPlug, blkFinishPlug, blkStartPlug } from '../blk-plug.ts';
import { submitBio } from '../blk-mq-submit.ts';
import { blkMqWaitOnce } from '../blk-mq-poll.ts';
import { bioIovVecsToAlloc, dioBioWriteOp } from './blkdev-dio-ops.ts';
import { EIOCBQUEUED, IOCB_NOWAIT, type Kiocb, isSyncKiocb } from '../kiocb.ts';
import { DIO_IS_SYNC, DIO_SHOULD_DIRTY, dioAlloc, dioFree, type BlkdevDio } from './blkdev-dio-pool.ts';
import { EAGAIN } from './errno.ts';

/** submitBios: IOCB_NOWAIT found data left for a second bio (nothing submitted). */
const NOWAIT_RETRY = 1;
const plug = new BlkPlug();

/** The last bio of the dio completed: report to the iocb or wake the waiter. */
function dioComplete(dio: BlkdevDio): void {
  if ((dio.flags & DIO_IS_SYNC) !== 0) {
    dio.waiting = false;
    return;
  }
  const iocb = dio.iocb!;
  let ret: number;
  if (dio.status === 0) {
    ret = dio.size;
    iocb.ki_pos += ret;
  } else {
    ret = blkStatusToErrno(dio.status);
  }
  dioFree(dio);
  iocb.ki_complete!(iocb, ret);
}

/** @kernel block/fops.c blkdev_bio_end_io() */
function blkdevBioEndIo(bio: Bio): void {
  const dio = bio.bi_private as BlkdevDio;
  const shouldDirty = (dio.flags & DIO_SHOULD_DIRTY) !== 0;
  if (bio.bi_status !== 0 && dio.status === 0) dio.status = bio.bi_status;
  bio.bi_private = null;
  if (--dio.ref === 0) dioComplete(dio);
  if (shouldDirty) {
    bioCheckPagesDirty(bio);
  } else {
    bioReleasePages(bio, false);
    bioPut(bio);
  }
}

/** Build one bio; returns false (after failing it) when nothing could be added. */
function fillBio(bio: Bio, iocb: Kiocb, iter: IovIter, dio: BlkdevDio, pos: number): number {
  bio.bi_iter.bi_sector = Math.floor(pos / (1 << SECTOR_SHIFT));
  bio.bi_ioprio = iocb.ki_ioprio;
  bio.bi_release = iocb.ki_release;
  bio.bi_private = dio;
  bio.bi_end_io = blkdevBioEndIo;
  return bioIovIterGetPages(bio, iter);
}

/** The shared dio of one multi-bio I/O. */
function dioStart(iocb: Kiocb, iter: IovIter, isRead: boolean): BlkdevDio {
  const dio = dioAlloc();
  const sync = isSyncKiocb(iocb);
  dio.flags = sync ? DIO_IS_SYNC : 0;
  dio.iocb = sync ? null : iocb;
  dio.waiting = sync;
  dio.ref = 1;
  if (isRead && userBackedIter(iter)) dio.flags |= DIO_SHOULD_DIRTY;
  return dio;
}

/**
 * Build and submit bios until the iterator is empty or a bio cannot be filled (that bio is failed
 * with BLK_STS_IOERR). Returns 0, the extraction error, or NOWAIT_RETRY (IOCB_NOWAIT with data
 * left: nothing was submitted, the first bio's pages are released).
 */
function submitBios(iocb: Kiocb, iter: IovIter, bdev: BlockDevice, dio: BlkdevDio, opf: number, nrPages: number): number {
  let pos = iocb.ki_pos;
  let bio = bioAlloc(bdev, nrPages, opf);
  for (;;) {
    const ret = fillBio(bio, iocb, iter, dio, pos);
    if (ret !== 0) {
      bio.bi_status = BLK_STS_IOERR;
      bioEndio(bio);
      return ret;
    }
    if ((iocb.ki_flags & IOCB_NOWAIT) !== 0) {
      if (iter.count > 0) {
        bio.bi_private = null;
        bioReleasePages(bio, false);
        bioPut(bio);
        return NOWAIT_RETRY;
      }
      bio.bi_opf |= REQ_NOWAIT;
    }
    if ((dio.flags & DIO_SHOULD_DIRTY) !== 0) bioSetPagesDirty(bio);
    dio.size += bio.bi_iter.bi_size;
    pos += bio.bi_iter.bi_size;
    const next = bioIovVecsToAlloc(iter, BIO_MAX_VECS);
    if (next === 0) {
      submitBio(bio);
      return 0;
    }
    dio.ref++;
    submitBio(bio);
    bio = bioAlloc(bdev, next, opf);
  }
}

/** @kernel block/fops.c __blkdev_direct_IO() */
export function blkdevDirectIOMulti(iocb: Kiocb, iter: IovIter, bdev: BlockDevice, nrPages: number): number {
  const isRead = iovIterRw(iter) === READ;
  const dio = dioStart(iocb, iter, isRead);
  blkStartPlug(plug);
  let ret = submitBios(iocb, iter, bdev, dio, isRead ? REQ_OP_READ : dioBioWriteOp(iocb), nrPages);
  blkFinishPlug(plug);
  if (ret === NOWAIT_RETRY) {
    dioFree(dio);
    return EAGAIN;
  }
  if ((dio.flags & DIO_IS_SYNC) === 0) return EIOCBQUEUED;
  const q = bdev.bd_queue;
  while (dio.waiting) if (blkMqWaitOnce(q) < 0 && dio.waiting) break;
  if (ret === 0) ret = blkStatusToErrno(dio.status);
  if (ret === 0) ret = dio.size;
  dioFree(dio);
  return ret;
}
