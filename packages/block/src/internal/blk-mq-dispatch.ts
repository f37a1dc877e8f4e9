/**
 * Handing requests to the driver: one chain per call, `last` on the final one, the doorbell
 * (`commitRqs`) when a batch ended early, busy requests kept on `hctx.dispatch` and retried after a
 * completion frees room.
 * @kernel block/blk-mq.c blk_mq_dispatch_rq_list(), blk_mq_run_hw_queue(), blk_mq_start_request()
 */
import type { BlkMqHwCtx, Request, RequestQueue } from '../blk-mq-driver.ts';
import { MQ_RQ_COMPLETE, MQ_RQ_IDLE, MQ_RQ_IN_FLIGHT, RQF_STARTED } from '../blk-mq-driver.ts';
import { BLK_STS_DEV_RESOURCE, BLK_STS_OK, BLK_STS_RESOURCE } from '../blk-status.ts';
import { blkMqDrainDone, blkMqQueueDone } from './blk-mq-complete.ts';
import { blkMqDrainBacklog } from './blk-mq-backlog.ts';

/** Mark `rq` started and arm its deadline. @kernel block/blk-mq.c blk_mq_start_request() */
function blkMqStartRequest(rq: Request, now: number): void {
  rq.state = MQ_RQ_IN_FLIGHT;
  rq.rq_flags |= RQF_STARTED;
  const t = rq.timeout_ms || rq.q.tag_set.timeout_ms;
  rq.deadline = now + t;
  rq.mq_hctx.nr_active++;
}

/** Put the chain `rq`… in front of the hardware queue's dispatch list. */
function prependDispatch(hctx: BlkMqHwCtx, rq: Request): void {
  let tail = rq;
  while (tail.rq_next !== null) tail = tail.rq_next;
  tail.rq_next = hctx.dispatch;
  if (hctx.dispatch === null) hctx.dispatch_tail = tail;
  hctx.dispatch = rq;
}

/**
 * Queue the chain starting at `first` (linked by `rq_next`) to the driver, in order.
 * @kernel block/blk-mq.c blk_mq_dispatch_rq_list()
 */
export function blkMqDispatchChain(hctx: BlkMqHwCtx, first: Request): void {
  const q = hctx.queue;
  const ops = q.tag_set.ops;
  const now = performance.now();
  let needCommit = false;
  let rq: Request | null = first;
  q.in_dispatch++;
  try {
    while (rq !== null) {
      const next: Request | null = rq.rq_next;
      rq.rq_next = null;
      blkMqStartRequest(rq, now);
      const sts = ops.queueRq(hctx, rq, next === null);
      if (sts === BLK_STS_OK) {
        hctx.queued++;
        needCommit = next !== null;
      } else if (sts === BLK_STS_RESOURCE || sts === BLK_STS_DEV_RESOURCE) {
        rq.state = MQ_RQ_IDLE;
        rq.rq_flags &= ~RQF_STARTED;
        hctx.nr_active--;
        hctx.busy++;
        rq.nr_requeues++;
        rq.rq_next = next;
        prependDispatch(hctx, rq);
        break;
      } else {
        rq.status = sts;
        rq.state = MQ_RQ_COMPLETE;
        blkMqQueueDone(rq);
      }
      rq = next;
    }
    if (needCommit && ops.commitRqs !== undefined) ops.commitRqs(hctx);
  } finally {
    q.in_dispatch--;
  }
  blkMqDrainDone(q);
}

/**
 * Retry the requests the driver refused as busy. @kernel block/blk-mq.c blk_mq_run_hw_queue()
 */
export function blkMqRunHwQueue(hctx: BlkMqHwCtx): void {
  const chain = hctx.dispatch;
  if (chain === null) return;
  hctx.dispatch = null;
  hctx.dispatch_tail = null;
  hctx.requeued++;
  blkMqDispatchChain(hctx, chain);
}

/** Issue one request: straight to the driver, or behind requests already waiting. */
export function blkMqIssue(hctx: BlkMqHwCtx, rq: Request): void {
  if (hctx.dispatch === null) {
    rq.rq_next = null;
    blkMqDispatchChain(hctx, rq);
    return;
  }
  rq.rq_next = null;
  hctx.dispatch_tail!.rq_next = rq;
  hctx.dispatch_tail = rq;
  blkMqRunHwQueue(hctx);
}

/** After completions freed tags: rerun busy hardware queues, then admit bios waiting for a tag. */
export function blkMqRunPending(q: RequestQueue): void {
  const hctxs = q.queue_hw_ctx;
  for (let i = 0; i < hctxs.length; i++) {
    const hctx = hctxs[i];
    if (!hctx.run_pending) continue;
    hctx.run_pending = false;
    if (hctx.dispatch !== null) blkMqRunHwQueue(hctx);
  }
  if (q.backlog !== null) blkMqDrainBacklog(q);
}
