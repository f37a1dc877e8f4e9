/**
 * The page cache's IO boundary: whole folios in, whole folios out, one request per run of
 * consecutive file pages. The real implementation builds bios for `@biopath/block`
 * ({@link createBioCacheIo}); tests may use a RAM-backed one. Requests are pooled. What to read
 * or write is decided above it, by the mapping's address space operations (`a_ops`).
 */
import { PAGE_SIZE } from '@biopath/mm';
import type { AddressSpace } from './address-space.ts';

export const CACHE_IO_READ = 0;
export const CACHE_IO_WRITE = 1;
export const CACHE_IO_FLUSH = 2;

/** Completion of one request: `status` is 0 or a negative errno. Module-level functions only. */
export type CacheIoEnd = (req: CacheIoReq, status: number) => void;

/** One request: `nr` folios (`pfns`) at device byte `pos`, or a flush. Fixed shape, pooled. */
export class CacheIoReq {
  op = CACHE_IO_READ;
  /** Write durability: force unit access for this write. */
  fua = false;
  /** Device byte offset of the first folio. */
  pos = 0;
  nr = 0;
  readonly pfns: Int32Array;
  /** First file page index (for the completion handler). */
  index = 0;
  end: CacheIoEnd | null = null;
  as: AddressSpace | null = null;
  /** Completion context (a waiter, a batch). */
  private_: unknown = null;
  next: CacheIoReq | null = null;

  constructor(maxPages: number) {
    this.pfns = new Int32Array(maxPages);
  }
}

/** What the cache needs from a device. `submit` must call `req.end` exactly once, later. */
export interface CacheIo {
  /** Device (or range) capacity in bytes. */
  readonly sizeBytes: number;
  readonly logicalBlockSize: number;
  /** Most folios one request may carry. */
  readonly maxPages: number;
  /** Whether the device has a volatile write cache that a flush must empty. */
  readonly writeCache: boolean;
  submit(req: CacheIoReq): void;
  /** Start what `submit` queued (end of a plug). */
  unplug(): void;
  /** Release what the IO side holds (not the device itself). Idempotent. */
  close(): void;
  /** Request pool. */
  freeReqs: CacheIoReq | null;
}

/**
 * Take a request from the pool of `as.io`, set up as `op` on `as` from file page `index` (device
 * byte `as.start + index * PAGE_SIZE`) with completion `end`, no folios yet.
 * @kernel block/bio.c bio_alloc() + the bi_iter.bi_sector / bi_end_io a caller sets
 */
export function cacheIoReqAlloc(as: AddressSpace, op: number, index: number, end: CacheIoEnd): CacheIoReq {
  const io = as.io;
  let r = io.freeReqs;
  if (r === null) r = new CacheIoReq(io.maxPages);
  else {
    io.freeReqs = r.next;
    r.next = null;
  }
  r.op = op;
  r.as = as;
  r.index = index;
  r.pos = as.start + index * PAGE_SIZE;
  r.end = end;
  return r;
}

/** Give a request back to the pool. */
export function cacheIoReqFree(io: CacheIo, r: CacheIoReq): void {
  r.end = null;
  r.as = null;
  r.private_ = null;
  r.nr = 0;
  r.fua = false;
  r.next = io.freeReqs;
  io.freeReqs = r;
}
