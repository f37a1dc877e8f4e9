/**
 * The driver interface of the request layer: what a driver implements (`BlkMqOps`) and what it
 * sees (`Request`, `BlkMqHwCtx`, `RequestQueue`, `BlkMqTagSet`). Drivers live in `@biopath/nvme`.
 * @kernel include/linux/blk-mq.h struct blk_mq_ops, struct request, struct blk_mq_hw_ctx, struct blk_mq_tag_set
 */
import type { MemMap } from '@biopath/mm';
import type { Bio } from './bio-types.ts';
import type { QueueLimits } from './queue-limits.ts';

/** Request states. @kernel include/linux/blk-mq.h enum mq_rq_state */
export const MQ_RQ_IDLE = 0;
export const MQ_RQ_IN_FLIGHT = 1;
export const MQ_RQ_COMPLETE = 2;

/** rq_flags. @kernel include/linux/blk-mq.h RQF_* */
export const RQF_STARTED = 1 << 0;
export const RQF_MIXED_MERGE = 1 << 1;
export const RQF_TIMED_OUT = 1 << 2;
/** The request's bios carry bounce (copied) pages from blkRqMapUserIov. */
export const RQF_COPY_USER = 1 << 3;

/** A passthrough request's completion handler. @kernel include/linux/blk-mq.h rq_end_io_fn */
export type RqEndIo = (rq: Request, status: number) => void;

/**
 * What a driver sees of one I/O. Fixed shape, one per tag, pooled for the life of the queue.
 * @kernel include/linux/blk-mq.h struct request
 */
export class Request {
  readonly q: RequestQueue;
  readonly mq_hctx: BlkMqHwCtx;
  /** Tag, unique among in-flight requests of the hardware queue. */
  readonly tag: number;
  internal_tag = -1;
  /** op | REQ_* flags: `reqOp(rq.cmd_flags)`. */
  cmd_flags = 0;
  rq_flags = 0;
  /** MQ_RQ_* */
  state = MQ_RQ_IDLE;
  /** First sector (512-byte units). */
  __sector = 0;
  /** Bytes. */
  __data_len = 0;
  nr_phys_segments = 0;
  ioprio = 0;
  write_hint = 0;
  bio: Bio | null = null;
  biotail: Bio | null = null;
  /** List link (plug, dispatch and completion lists); free for the driver between an OK `queueRq` and `blkMqEndRequest`. */
  rq_next: Request | null = null;
  /** Passthrough completion (blkExecuteRq/blkExecuteRqNowait); null for file-system requests. */
  end_io: RqEndIo | null = null;
  end_io_data: unknown = null;
  /** Timeout for this request, ms (defaults to the tag set's). */
  timeout_ms = 0;
  /** Absolute deadline, ms on the queue's clock (`performance.now()` timebase). */
  deadline = 0;
  start_time_ns = 0;
  /** Status given at completion (kept for passthrough callers and requeue decisions). */
  status = 0;
  /** Times this request was put back after BLK_STS_RESOURCE. */
  nr_requeues = 0;
  /** Per-request driver data (the kernel's PDU behind the request, `blk_mq_rq_to_pdu`); set in `initRequest`. */
  driver_data: unknown = null;

  constructor(q: RequestQueue, hctx: BlkMqHwCtx, tag: number) {
    this.q = q;
    this.mq_hctx = hctx;
    this.tag = tag;
  }
}

/**
 * The driver's hook table (fio-engine-shaped). Completion is always reported by calling
 * `blkMqEndRequest(rq, status)`, from `poll`/`wait` (or even from inside `queueRq`: block defers
 * that completion until the dispatch returns).
 * @kernel include/linux/blk-mq.h struct blk_mq_ops
 */
export interface BlkMqOps {
  /**
   * Queue one request. BLK_STS_OK = accepted (completion comes later); BLK_STS_RESOURCE /
   * BLK_STS_DEV_RESOURCE = busy (block keeps it and retries after a completion); anything else fails it.
   * `last` = no more requests in this batch: ring the doorbell.
   */
  queueRq(hctx: BlkMqHwCtx, rq: Request, last: boolean): number;
  /** Ring the doorbell for requests queued with last=false. */
  commitRqs?(hctx: BlkMqHwCtx): void;
  /** Reap completions without blocking; returns how many requests were ended. */
  poll(hctx: BlkMqHwCtx): number;
  /**
   * Block until at least `min` completions were processed or nothing is in flight; returns how many.
   * `timeoutMs` (optional, ADDED to the contract): give up after that long (returns what it has), so
   * request timeouts can fire while a caller waits.
   */
  wait(hctx: BlkMqHwCtx, min: number, timeoutMs?: number): number;
  /** Resolves when completions may be ready (embedders' async wait). */
  waitAsync?(hctx: BlkMqHwCtx): Promise<void>;
  /** A request passed its deadline: 'done' (driver ended or will end it) or 'reset-timer'. */
  timeout?(rq: Request): 'done' | 'reset-timer';
  initHctx?(hctx: BlkMqHwCtx, index: number): void;
  exitHctx?(hctx: BlkMqHwCtx): void;
  /** Called once per pooled request (ADDED): set `rq.driver_data`. @kernel blk_mq_ops.init_request */
  initRequest?(set: BlkMqTagSet, rq: Request, hctxIndex: number): void;
}

/** Tags of one hardware queue: a stack of free tags and the request behind each. @kernel block/blk-mq-tag.c */
export interface BlkMqTags {
  nr_tags: number;
  /** Free tags (stack of `nr_free`). */
  free: Int32Array;
  nr_free: number;
  /** The pooled request of each tag. @kernel struct blk_mq_tags static_rqs */
  static_rqs: Request[];
}

/** One hardware (submission) queue. @kernel include/linux/blk-mq.h struct blk_mq_hw_ctx */
export interface BlkMqHwCtx {
  queue_num: number;
  queue: RequestQueue;
  driver_data: unknown;
  tags: BlkMqTags;
  /** Requests the driver refused as busy, retried first (FIFO via `rq_next`). */
  dispatch: Request | null;
  dispatch_tail: Request | null;
  /** Requests accepted by the driver and not yet ended. */
  nr_active: number;
  /** Requests queued with last=false since the last doorbell. */
  nr_uncommitted: number;
  /** A completion freed a tag while work was waiting: run the queue after the driver returns. */
  run_pending: boolean;
  /** Counters (observable; never reset by block). */
  queued: number;
  completed: number;
  busy: number;
  requeued: number;
  timed_out: number;
}

/** Driver configuration shared by its queues. @kernel include/linux/blk-mq.h struct blk_mq_tag_set */
export interface BlkMqTagSet {
  ops: BlkMqOps;
  nr_hw_queues: number;
  queue_depth: number;
  /** Default request timeout, ms. */
  timeout_ms: number;
  flags: number;
  driver_data: unknown;
}

/** A request queue: limits, memory, hardware contexts. @kernel include/linux/blkdev.h struct request_queue */
export interface RequestQueue {
  limits: QueueLimits;
  /** The frames bios point at (what `pageToIova` maps for the driver). */
  mem: MemMap;
  tag_set: BlkMqTagSet;
  queue_hw_ctx: BlkMqHwCtx[];
  nr_hw_queues: number;
  /** QUEUE_FLAG_* */
  queue_flags: number;
  /** Bios waiting for a free tag (FIFO via `bi_next`). */
  backlog: Bio | null;
  backlog_tail: Bio | null;
  /** Completions reported while dispatching; ended when the dispatch returns. */
  done_list: Request | null;
  done_tail: Request | null;
  in_dispatch: number;
  /** Completions are being ended (nested ones queue behind). */
  completing: boolean;
  /** Index of the hardware queue this context submits to (the kernel maps by CPU). */
  cur_hctx: number;
  dying: boolean;
  /** Counters: bios submitted, split, merged (back/front). */
  nr_bios: number;
  nr_splits: number;
  nr_back_merges: number;
  nr_front_merges: number;
}

/** @kernel include/linux/blkdev.h blk_rq_pos() */
export function blkRqPos(rq: Request): number {
  return rq.__sector;
}

/** @kernel include/linux/blkdev.h blk_rq_bytes() */
export function blkRqBytes(rq: Request): number {
  return rq.__data_len;
}

/** @kernel include/linux/blkdev.h blk_rq_sectors() */
export function blkRqSectors(rq: Request): number {
  return rq.__data_len >>> 9;
}
