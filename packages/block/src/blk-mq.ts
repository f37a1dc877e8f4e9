/**
 * Tag sets, request queues and request completion.
 * @kernel block/blk-mq.c blk_mq_alloc_tag_set(), blk_mq_init_queue(), blk_mq_end_request(), blk_mq_free_request()
 */
import type { MemMap } from '@biopath/mm';
import { BiopathError, warnOnOnce } from '@biopath/native';
import type { BlkMqHwCtx, BlkMqOps, BlkMqTagSet, RequestQueue } from './blk-mq-driver.ts';
import { MQ_RQ_COMPLETE, MQ_RQ_IN_FLIGHT, Request } from './blk-mq-driver.ts';
import { blkValidateLimits, type QueueLimits } from './queue-limits.ts';
import { createTags } from './internal/blk-mq-tag.ts';
import { blkMqQueueDone } from './internal/blk-mq-complete.ts';

/** Default request timeout (the kernel's 30 s). */
export const BLK_DEFAULT_TIMEOUT_MS = 30_000;
/** Largest queue depth accepted. @kernel include/linux/blk-mq.h BLK_MQ_MAX_DEPTH */
export const BLK_MQ_MAX_DEPTH = 10240;

/**
 * Validate and complete a tag set. @kernel block/blk-mq.c blk_mq_alloc_tag_set()
 */
export function blkMqAllocTagSet(set: Partial<BlkMqTagSet> & { ops: BlkMqOps; queue_depth: number }): BlkMqTagSet {
  const ops = set.ops;
  if (ops === null || typeof ops !== 'object' || typeof ops.queueRq !== 'function' || typeof ops.poll !== 'function' ||
      typeof ops.wait !== 'function') {
    throw new BiopathError('EINVAL', 'blkMqAllocTagSet(ops): queueRq, poll and wait are required');
  }
  const depth = set.queue_depth;
  if (!Number.isInteger(depth) || depth < 1 || depth > BLK_MQ_MAX_DEPTH) {
    throw new BiopathError('EINVAL', `blkMqAllocTagSet(queue_depth): ${depth} is not in 1..${BLK_MQ_MAX_DEPTH}`);
  }
  const nr = set.nr_hw_queues ?? 1;
  if (!Number.isInteger(nr) || nr < 1 || nr > 256) {
    throw new BiopathError('EINVAL', `blkMqAllocTagSet(nr_hw_queues): ${nr} is not in 1..256`);
  }
  const timeout = set.timeout_ms ?? BLK_DEFAULT_TIMEOUT_MS;
  if (!(timeout > 0)) throw new BiopathError('EINVAL', `blkMqAllocTagSet(timeout_ms): ${timeout} is not positive`);
  return { ops, nr_hw_queues: nr, queue_depth: depth, timeout_ms: timeout, flags: set.flags ?? 0, driver_data: set.driver_data ?? null };
}

function createHctx(q: RequestQueue, index: number, depth: number): BlkMqHwCtx {
  return {
    queue_num: index, queue: q, driver_data: null, tags: createTags(depth), dispatch: null, dispatch_tail: null,
    nr_active: 0, nr_uncommitted: 0, run_pending: false, queued: 0, completed: 0, busy: 0, requeued: 0, timed_out: 0,
  };
}

/**
 * A request queue for `set`, with validated `limits` and the frames its bios name. Creates every
 * hardware context and its pooled requests, then calls `initHctx`/`initRequest`.
 * @kernel block/blk-mq.c blk_mq_init_queue()
 */
export function blkMqInitQueue(set: BlkMqTagSet, limits: Partial<QueueLimits>, mem: MemMap): RequestQueue {
  if (mem === null || typeof mem !== 'object' || !(mem.bytes instanceof Uint8Array)) {
    throw new BiopathError('EINVAL', 'blkMqInitQueue(mem): not a MemMap');
  }
  const q: RequestQueue = {
    limits: blkValidateLimits(limits), mem, tag_set: set, queue_hw_ctx: [], nr_hw_queues: set.nr_hw_queues,
    queue_flags: 0, backlog: null, backlog_tail: null, done_list: null, done_tail: null, in_dispatch: 0, completing: false, cur_hctx: 0,
    dying: false, nr_bios: 0, nr_splits: 0, nr_back_merges: 0, nr_front_merges: 0,
  };
  for (let i = 0; i < set.nr_hw_queues; i++) {
    const hctx = createHctx(q, i, set.queue_depth);
    for (let t = 0; t < set.queue_depth; t++) hctx.tags.static_rqs.push(new Request(q, hctx, t));
    q.queue_hw_ctx.push(hctx);
  }
  for (const hctx of q.queue_hw_ctx) {
    set.ops.initHctx?.(hctx, hctx.queue_num);
    if (set.ops.initRequest) for (const rq of hctx.tags.static_rqs) set.ops.initRequest(set, rq, hctx.queue_num);
  }
  return q;
}

/** Requests accepted by the driver and not yet ended, over all hardware queues. */
export function blkMqInFlight(q: RequestQueue): number {
  let n = 0;
  for (const hctx of q.queue_hw_ctx) n += hctx.tags.nr_tags - hctx.tags.nr_free;
  return n;
}

/**
 * Tear down a queue. Refuses (EBUSY) while requests are in flight; calls `exitHctx`.
 * @kernel block/blk-mq.c blk_mq_destroy_queue()
 */
export function blkMqDestroyQueue(q: RequestQueue): void {
  if (q.dying) return;
  const busy = blkMqInFlight(q);
  if (busy !== 0) throw new BiopathError('EBUSY', `blkMqDestroyQueue(q): ${busy} requests still in flight`);
  q.dying = true;
  for (const hctx of q.queue_hw_ctx) q.tag_set.ops.exitHctx?.(hctx);
}

/**
 * The driver finished `rq` with `status`: complete its bios (errors propagate to every bio), run a
 * passthrough `end_io`, free the tag. Called from inside a dispatch it is deferred until the
 * dispatch returns (the kernel's completion softirq).
 * @kernel block/blk-mq.c blk_mq_end_request()
 */
export function blkMqEndRequest(rq: Request, status: number): void {
  if (warnOnOnce(rq.state !== MQ_RQ_IN_FLIGHT, 'blkMqEndRequest: request not in flight')) return;
  rq.state = MQ_RQ_COMPLETE;
  rq.status = status;
  blkMqQueueDone(rq);
}

/** Alias kept for drivers written against the kernel's split API. @kernel block/blk-mq.c blk_mq_complete_request() */
export function blkMqCompleteRequest(rq: Request, status: number): void {
  blkMqEndRequest(rq, status);
}
