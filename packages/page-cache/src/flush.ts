/**
 * Flushing the device's volatile write cache (an empty REQ_PREFLUSH write).
 * @kernel block/blk-flush.c blkdev_issue_flush()
 */
import type { AddressSpace } from './address-space.ts';
import { CACHE_IO_FLUSH, cacheIoReqAlloc, cacheIoReqFree, type CacheIoReq } from './cache-io.ts';

function endFlush(req: CacheIoReq, status: number): void {
  const resolve = req.private_ as (s: number) => void;
  cacheIoReqFree(req.as!.io, req);
  resolve(status);
}

/** Flush the device's write cache; resolves to 0 or a negative errno (0 at once without a cache). */
export function blkdevIssueFlush(as: AddressSpace): Promise<number> {
  if (!as.io.writeCache) return Promise.resolve(0);
  return new Promise<number>((resolve) => {
    const req = cacheIoReqAlloc(as, CACHE_IO_FLUSH, 0, endFlush);
    req.nr = 0;
    req.private_ = resolve;
    as.stats.nr_flushes++;
    as.io.submit(req);
    as.io.unplug();
  });
}
