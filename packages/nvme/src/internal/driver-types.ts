/**
 * The shape every biopath driver factory returns, and its counters.
 */
import type { BlkMqOps, BlkMqTagSet, QueueLimits, Request } from '@biopath/block';

/** How a driver reports a finished request; `blkMqEndRequest` unless a wrapper (faulty) intercepts. */
export type EndRequestFn = (rq: Request, status: number) => void;

/** Counters every driver keeps (plain numbers; never reset by the driver). */
export interface DriverStats {
  /** Requests accepted by queueRq. */
  queued: number;
  /** Requests ended. */
  completed: number;
  /** Requests ended with a non-OK status. */
  errors: number;
  /** queueRq answered busy (BLK_STS_RESOURCE / BLK_STS_DEV_RESOURCE; block keeps the request and retries it). */
  busy: number;
  /** Requests accepted with `last = true`: block's "ring the doorbell now". */
  lastQueued: number;
  /** `commitRqs` calls: block rang the doorbell for a batch whose final accepted request had `last = false`. */
  commits: number;
  /**
   * Requests a doorbell announced to the device (null): a `last` request or `commitRqs` announces
   * every request accepted since the previous doorbell, so `queued - announced` were accepted and
   * not yet announced. (The io_uring drivers count their doorbells in `submits` instead.)
   */
  announced: number;
  /** SQEs prepared. */
  sqes: number;
  /** SQEs that used registered (fixed) buffers. */
  fixedSqes: number;
  /** SQEs that carried an iovec array (READV/WRITEV, NVME_URING_CMD_IO_VEC). */
  vectoredSqes: number;
  /** io_uring_enter calls made to submit (one per batch). */
  submits: number;
  /** Requests that needed more than one command (nvme). */
  splits: number;
  /** Requests copied through a bounce buffer (nvme). */
  bounces: number;
  /** CQEs whose user_data named no request. */
  strays: number;
}

export function driverStatsAlloc(): DriverStats {
  return {
    queued: 0, completed: 0, errors: 0, busy: 0, lastQueued: 0, commits: 0, announced: 0, sqes: 0, fixedSqes: 0, vectoredSqes: 0,
    submits: 0, splits: 0, bounces: 0, strays: 0,
  };
}

/**
 * A driver: the blk-mq hook table plus what block needs to build a queue for it. Use as
 * `blkMqInitQueue(d.set, d.limits, mem)`; `close()` after the queue is destroyed.
 */
export interface BlkDriver {
  /** `'bdev'`, `'null'`, `'faulty'` or `'nvme'`. */
  readonly name: string;
  readonly ops: BlkMqOps;
  /** A tag set over `ops` with `queueDepth` tags and one hardware queue. */
  readonly set: BlkMqTagSet;
  /** What the device accepts (input to blkMqInitQueue, validated there). */
  readonly limits: Partial<QueueLimits>;
  readonly queueDepth: number;
  /** Capacity in bytes (what block's `bdevCreate(q, sizeBytes, name)` takes). */
  readonly sizeBytes: number;
  /** Capacity in 512-byte sectors. */
  readonly capacitySectors: number;
  readonly stats: DriverStats;
  /** Route completions through `fn` instead of `blkMqEndRequest` (faulty wraps drivers this way). */
  setEndRequest(fn: EndRequestFn): void;
  /** Requests accepted and not yet ended. */
  inFlight(): number;
  /** Release the device, ring and arena memory. EBUSY while requests are in flight. Idempotent. */
  close(): void;
}
