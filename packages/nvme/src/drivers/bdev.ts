/**
 * `bdev`: block requests as io_uring READ/WRITE, READV/WRITEV or READ_FIXED/WRITE_FIXED on an
 * O_DIRECT fd of any block device or image file (see bdev-queue.ts for the mapping).
 * @kernel drivers/block/loop.c (a request as a file IO)
 */
import { BLK_FEAT_FUA, BLK_FEAT_WRITE_CACHE, blkMqAllocTagSet, queueLimitsFromDeviceInfo } from '@biopath/block';
import type { QueueLimits } from '@biopath/block';
import { BiopathError, closeFd, deviceInfo, openDevice } from '@biopath/native';
import { PAGE_SIZE } from '@biopath/mm';
import type { BlkDriver } from '../internal/driver-types.ts';
import { IOVEC_BYTES } from '../internal/tag-area.ts';
import { BdevPdu, BdevQueue } from './bdev-queue.ts';
import type { BdevDriverOptions } from './bdev-queue.ts';

export type { BdevDriverOptions } from './bdev-queue.ts';

function bdevLimits(fd: number): { limits: Partial<QueueLimits>; lbs: number; size: number; iovCap: number } {
  const info = deviceInfo(fd);
  const limits = queueLimitsFromDeviceInfo(info);
  const iovCap = Math.min(Math.max(limits.max_segments ?? 128, 1), 1024);
  limits.max_segments = iovCap;
  limits.features = BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA;
  limits.max_write_zeroes_sectors = (iovCap * PAGE_SIZE) / 512;
  return { limits, lbs: info.logicalBlockSize || 512, size: info.size, iovCap };
}

/**
 * Open `opts.path` O_DIRECT and return a driver for it. Errors: open(2)'s (ENOENT, EACCES, EINVAL
 * when O_DIRECT is refused), io_uring_setup's, ENOMEM/EPERM registering fixed buffers.
 */
export function createBdevDriver(opts: BdevDriverOptions): BlkDriver {
  const depth = opts.queueDepth ?? 64;
  if (!Number.isInteger(depth) || depth < 1 || depth > 4096) {
    throw new BiopathError('EINVAL', `createBdevDriver(queueDepth): ${depth} is not an integer in 1..4096`);
  }
  const fd = openDevice(opts.path, { write: !opts.readOnly, direct: true });
  let q: BdevQueue;
  let lim: ReturnType<typeof bdevLimits>;
  try {
    lim = bdevLimits(fd);
    q = new BdevQueue(fd, opts.mem, depth, lim.iovCap, lim.lbs, lim.size, opts);
  } catch (e) {
    closeFd(fd);
    throw e;
  }
  try {
    if (opts.fixedBuffers) q.registerFixed();
  } catch (e) {
    closeQueue(q);
    throw e;
  }
  return bdevDriver(q, depth, lim.limits, Math.floor(lim.size / 512));
}

function closeQueue(q: BdevQueue): void {
  q.closeRing();
  q.area.free();
  closeFd(q.fd);
}

function bdevDriver(q: BdevQueue, depth: number, limits: Partial<QueueLimits>, capacitySectors: number): BlkDriver {
  const ops = q.mqOps((rq) => {
    rq.driver_data = new BdevPdu(rq.tag * q.iovCap * IOVEC_BYTES);
  });
  let closed = false;
  return {
    name: 'bdev', ops, set: blkMqAllocTagSet({ ops, queue_depth: depth }), limits, queueDepth: depth, capacitySectors,
    sizeBytes: capacitySectors * 512,
    stats: q.stats,
    setEndRequest: (fn) => { q.endRequest = fn; },
    inFlight: () => q.rqsInFlight,
    close: () => {
      if (closed) return;
      if (q.rqsInFlight > 0) throw new BiopathError('EBUSY', `bdev close(): ${q.rqsInFlight} requests in flight`);
      closed = true;
      closeQueue(q);
    },
  };
}
