/**
 * @biopath/block — bios (`Bio`, `BioVec`, `BvecIter`), page adding and extraction with
 * BIO_PAGE_PINNED, pluggable release modes, completion/chaining/splitting, queue limits, the blk-mq
 * request layer (tags, plugging, merging, dispatch to a driver, requeue, timeouts), direct I/O and
 * passthrough mapping. Drivers implement `BlkMqOps` (see `blk-mq-driver.ts`); they live in @biopath/nvme.
 */

// status, ops and flags
export {
  BLK_STS_OK, BLK_STS_NOTSUPP, BLK_STS_TIMEOUT, BLK_STS_NOSPC, BLK_STS_TRANSPORT, BLK_STS_TARGET,
  BLK_STS_RESV_CONFLICT, BLK_STS_MEDIUM, BLK_STS_PROTECTION, BLK_STS_RESOURCE, BLK_STS_IOERR, BLK_STS_DM_REQUEUE,
  BLK_STS_AGAIN, BLK_STS_DEV_RESOURCE, BLK_STS_ZONE_OPEN_RESOURCE, BLK_STS_ZONE_ACTIVE_RESOURCE, BLK_STS_OFFLINE,
  BLK_STS_DURATION_LIMIT, BLK_STS_INVAL, blkStatusToErrno, errnoToBlkStatus, blkStatusName,
} from './blk-status.ts';
export {
  SECTOR_SHIFT, SECTOR_SIZE, BIO_MAX_VECS, BIO_INLINE_VECS, BLK_MAX_SEGMENTS, BLK_MAX_SEGMENT_SIZE,
  BLK_SAFE_MAX_SECTORS, BLK_SEG_BOUNDARY_MASK, BLK_DEF_MAX_SECTORS_CAP, BLK_MAX_REQUEST_COUNT, BLK_PLUG_FLUSH_SIZE,
  REQ_OP_BITS, REQ_OP_MASK, REQ_OP_READ, REQ_OP_WRITE, REQ_OP_FLUSH, REQ_OP_DISCARD, REQ_OP_SECURE_ERASE,
  REQ_OP_ZONE_APPEND, REQ_OP_WRITE_ZEROES, REQ_OP_DRV_IN, REQ_OP_DRV_OUT,
  REQ_FAILFAST_DEV, REQ_FAILFAST_TRANSPORT, REQ_FAILFAST_DRIVER, REQ_SYNC, REQ_META, REQ_PRIO, REQ_NOMERGE, REQ_IDLE,
  REQ_INTEGRITY, REQ_FUA, REQ_PREFLUSH, REQ_RAHEAD, REQ_BACKGROUND, REQ_NOWAIT, REQ_POLLED, REQ_ALLOC_CACHE, REQ_SWAP,
  REQ_DRV, REQ_FS_PRIVATE, REQ_ATOMIC, REQ_NOUNMAP, REQ_FAILFAST_MASK, REQ_NOMERGE_FLAGS, reqOp, opIsWrite,
  BIO_PAGE_PINNED, BIO_NO_PAGE_REF, BIO_PAGE_REFFED, BIO_CLONED, BIO_BOUNCED, BIO_QUIET, BIO_CHAIN, BIO_REFFED,
  BIO_TRACE_COMPLETION, BIO_REMAPPED, BIO_FLAG_LAST,
} from './blk-types.ts';

// queue limits
export type { QueueLimits } from './queue-limits.ts';
export {
  BLK_FEAT_PCI_P2PDMA, BLK_FEAT_WRITE_CACHE, BLK_FEAT_FUA, blkValidateLimits, queueLimitsFromDeviceInfo,
} from './queue-limits.ts';

// bio structures
export type { BioVec, BioEndIo, BlockDevice, ReleaseModeName } from './bio-types.ts';
export {
  Bio, BioSet, BvecIter, RELEASE_AUTO, RELEASE_UNPIN, RELEASE_UNPIN_BATCHED, RELEASE_PUT, RELEASE_NONE, RELEASE_DEFERRED, RELEASE_MODES,
} from './bio-types.ts';
export {
  bvecIterAdvance, mpBvecIterLen, mpBvecIterOffset, mpBvecIterBvec, bvecIterBvec, bvecPhys, createBioVec,
} from './bvec.ts';
export { bioFlagged, bioSetFlag, bioClearFlag } from './bio-flags.ts';
export { biosetInit, fsBioSet, smallBioSet, bioInit, bioAlloc, bioPut, bioGet } from './bio-alloc.ts';
export { bioEndio, bioChain, bioChainEndio, bioIncRemaining, bioIoError, bioErrno } from './bio-endio.ts';
export { bioSectors, bioEndSector, bioAllocClone, bioAdvance, bioSplit } from './bio-split.ts';
export type { SplitSegs } from './blk-split.ts';
export { bioSplitRwAt, getMaxIoSizeSectors } from './blk-split.ts';

// the driver interface and blk-mq
export type {
  BlkMqOps, BlkMqHwCtx, BlkMqTags, BlkMqTagSet, RequestQueue, RqEndIo,
} from './blk-mq-driver.ts';
export {
  Request, MQ_RQ_IDLE, MQ_RQ_IN_FLIGHT, MQ_RQ_COMPLETE, RQF_STARTED, RQF_MIXED_MERGE, RQF_TIMED_OUT, RQF_COPY_USER,
  blkRqPos, blkRqBytes, blkRqSectors,
} from './blk-mq-driver.ts';
export { SgTable, blkRqMapSg } from './sg.ts';
export {
  BLK_DEFAULT_TIMEOUT_MS, BLK_MQ_MAX_DEPTH, blkMqAllocTagSet, blkMqInitQueue, blkMqDestroyQueue, blkMqInFlight,
  blkMqEndRequest, blkMqCompleteRequest,
} from './blk-mq.ts';
export {
  BlkPlug, blkStartPlug, blkFinishPlug, blkFlushPlug, blkCurrentPlug, blkPlugMaxRqCount,
} from './blk-plug.ts';
export {
  ELEVATOR_NO_MERGE, ELEVATOR_FRONT_MERGE, ELEVATOR_BACK_MERGE, rqMergeable, blkRqMergeOk, blkTryMerge,
} from './blk-merge.ts';
export { submitBio, blkMqSubmitBio } from './blk-mq-submit.ts';
export {
  blkMqPoll, blkMqTimeoutWork, blkMqWaitOnce, blkMqDrain, blkMqWaitAsync, submitBioWait,
} from './blk-mq-poll.ts';

// adding pages, extraction, release
export { bioMem, bioFull, bioAddPage, bioAddFolio, bioAddHwPage } from './bio-add.ts';
export { bioIovCounters, bioIovIterGetPages, iterPagesCarry } from './bio-iov-iter.ts';
export {
  PAGES_NONE, PAGES_PINNED, PAGES_REFFED, releaseModeFromName, releaseModeMatches, bioPagesCarry,
  bioSetReleaseMode, bioReleasePage, bioReleasePages,
} from './bio-release.ts';
export { DEFERRED_BATCH, blkFlushDeferredRelease, deferredReleaseStats } from './internal/deferred-release.ts';
export { bioSetPagesDirty, bioCheckPagesDirty, bioFlushDirtyWork, bioDirtyDeferred } from './bio-dirty.ts';

// block devices and direct I/O
export { bdevCreate, bdevLogicalBlockSize, bdevDmaAlignment, bdevNrSectors, bdevNrBytes } from './bdev.ts';
export type { KiComplete } from './kiocb.ts';
export {
  Kiocb, isSyncKiocb, EIOCBQUEUED, IOCB_HIPRI, IOCB_DSYNC, IOCB_SYNC, IOCB_NOWAIT, IOCB_APPEND, IOCB_ATOMIC,
  IOCB_EVENTFD, IOCB_DIRECT, IOCB_WRITE, IOCB_ALLOC_CACHE,
} from './kiocb.ts';
export { blkdevDirectIO } from './blkdev-dio.ts';
export { bioIovVecsToAlloc, dioBioWriteOp } from './internal/blkdev-dio-ops.ts';
export { blkdevReadIter, blkdevWriteIter } from './blkdev-rw.ts';

// passthrough
export {
  BLK_MQ_REQ_NOWAIT, blkMqAllocRequest, blkMqFreeRequest, blkExecuteRq, blkExecuteRqNowait,
} from './blk-mq-rq-alloc.ts';
export { blkRqMapUserIov, blkRqUnmapUser, blkRqAppendBio } from './blk-map.ts';
