/**
 * The CacheIo over `@biopath/block`: each request becomes one bio of whole frames (kernel-backed
 * pages: no references taken, the cache keeps the folios alive), submitted with `submitBio`; a
 * completion pump waits on the queue while bios are in flight. FLUSH is a data-less REQ_OP_FLUSH
 * bio, a FUA write carries REQ_FUA.
 * @kernel block/fops.c blkdev_read_folio()/blkdev_writepages() via mpage/iomap bios; block/blk-flush.c
 */
import {
  BIO_MAX_VECS, BLK_FEAT_WRITE_CACHE, REQ_FUA, REQ_OP_FLUSH, REQ_OP_READ, REQ_OP_WRITE, SECTOR_SIZE, bdevNrBytes,
  bioAddPage, bioAlloc, bioPut, blkMqPoll, blkMqWaitAsync, blkStatusToErrno, submitBio, type Bio, type BlockDevice,
} from '@biopath/block';
import { PAGE_SIZE } from '@biopath/mm';
import { CACHE_IO_FLUSH, CACHE_IO_READ, type CacheIo, type CacheIoReq } from './cache-io.ts';
import { warnOnOnce } from './internal/native.ts';

/** A CacheIo over a block device, plus what it has in flight. */
export interface BioCacheIo extends CacheIo {
  readonly bdev: BlockDevice;
  inflight: number;
  pumping: boolean;
  /** The pump is inside the driver's async wait: submissions wait in `deferred` until it returns. */
  waiting: boolean;
  readonly deferred: Bio[];
}

function cacheBioEndio(bio: Bio): void {
  const req = bio.bi_private as CacheIoReq;
  const io = req.as!.io as BioCacheIo;
  const status = blkStatusToErrno(bio.bi_status);
  bioPut(bio);
  io.inflight--;
  req.end!(req, status);
}

/** Submit the bios held back while the pump was waiting. */
function submitDeferred(io: BioCacheIo): void {
  for (let i = 0; i < io.deferred.length; i++) submitBio(io.deferred[i]!);
  io.deferred.length = 0;
}

/** Poll rounds (one macrotask each) without a completion before the pump sleeps in the driver. */
const SPIN_ROUNDS = 16;

const yieldMacrotask = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Sleep in the driver until completions may be ready. While that wait is pending no bio is
 * submitted to its ring (the ring's native handle is borrowed for the wait): they are held in
 * `deferred` and go out as soon as it returns. */
async function sleepInDriver(io: BioCacheIo): Promise<void> {
  io.waiting = true;
  try {
    await blkMqWaitAsync(io.bdev.bd_queue);
  } finally {
    io.waiting = false;
  }
}

/**
 * Reap completions until nothing this IO submitted is in flight: poll for a few event-loop turns
 * (a stream of readahead keeps completions coming, and submissions stay possible), then sleep in
 * the driver. The hybrid of io_uring's polled and interrupt-driven completion.
 */
async function pump(io: BioCacheIo): Promise<void> {
  io.pumping = true;
  let idle = 0;
  try {
    while (io.inflight > 0) {
      submitDeferred(io);
      if (blkMqPoll(io.bdev.bd_queue) > 0) idle = 0;
      else idle++;
      if (io.inflight === 0) break;
      if (idle < SPIN_ROUNDS) await yieldMacrotask();
      else {
        await sleepInDriver(io);
        idle = 0;
      }
    }
  } finally {
    io.pumping = false;
    submitDeferred(io);
  }
}

function pumpFailed(e: unknown): void {
  warnOnOnce(true, `page-cache: the completion pump failed: ${(e as Error).message}`);
}

function opfOf(req: CacheIoReq): number {
  if (req.op === CACHE_IO_READ) return REQ_OP_READ;
  if (req.op === CACHE_IO_FLUSH) return REQ_OP_FLUSH;
  return REQ_OP_WRITE | (req.fua ? REQ_FUA : 0);
}

/**
 * Bytes of the folio at device byte `pos` inside the mapping that ends at device byte `end`:
 * PAGE_SIZE, or for a partial last page (a device or range whose size is not a page multiple) what
 * is left, rounded up to the logical block size.
 * @kernel fs/buffer.c block_read_full_folio(), __block_write_full_folio() (no IO past i_size)
 */
function folioIoBytes(io: BioCacheIo, end: number, pos: number): number {
  const left = end - pos;
  if (left >= PAGE_SIZE) return PAGE_SIZE;
  return Math.ceil(left / io.logicalBlockSize) * io.logicalBlockSize;
}

function submit(io: BioCacheIo, req: CacheIoReq): void {
  const bio = bioAlloc(io.bdev, req.nr, opfOf(req));
  bio.bi_iter.bi_sector = req.pos / SECTOR_SIZE;
  const mem = io.bdev.bd_queue.mem;
  const end = req.as === null ? io.sizeBytes : req.as.start + req.as.i_size;
  for (let i = 0; i < req.nr; i++) {
    const pfn = req.pfns[i]!;
    const len = folioIoBytes(io, end, req.pos + i * PAGE_SIZE);
    // The part of a folio past the end of the device reads as zeroes and is never written.
    if (len < PAGE_SIZE && req.op === CACHE_IO_READ) mem.bytes.fill(0, pfn * PAGE_SIZE + len, (pfn + 1) * PAGE_SIZE);
    if (len <= 0) continue;
    if (warnOnOnce(bioAddPage(bio, pfn, len, 0) !== len, 'page-cache: bioAddPage refused a folio')) break;
  }
  bio.bi_end_io = cacheBioEndio;
  bio.bi_private = req;
  io.inflight++;
  if (io.waiting) io.deferred.push(bio);
  else submitBio(bio);
  if (!io.pumping && io.inflight > 0) pump(io).catch(pumpFailed);
}

/** @internal The block-backed CacheIo of `bdev`. */
export function createBioCacheIo(bdev: BlockDevice): BioCacheIo {
  const lim = bdev.bd_queue.limits;
  const maxPages = Math.max(1, Math.min(BIO_MAX_VECS, Math.floor((lim.max_sectors * SECTOR_SIZE) / PAGE_SIZE)));
  const io: BioCacheIo = {
    bdev, inflight: 0, pumping: false, waiting: false, deferred: [], freeReqs: null,
    sizeBytes: bdevNrBytes(bdev),
    logicalBlockSize: lim.logical_block_size,
    maxPages,
    writeCache: (lim.features & BLK_FEAT_WRITE_CACHE) !== 0,
    submit: (req) => submit(io, req),
    unplug: () => { /* submitBio issues at once: no plug held */ },
    close: () => { /* the bdev and its queue belong to the caller */ },
  };
  return io;
}
