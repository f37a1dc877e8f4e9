/**
 * Requests allocated directly (passthrough), executed synchronously or with a completion handler.
 * @kernel block/blk-mq.c blk_mq_alloc_request(), blk_mq_free_request(), blk_execute_rq(), blk_execute_rq_nowait()
 */
import { BiopathError, warnOnOnce } from '@biopath/native';
import type { Request, RequestQueue, RqEndIo } from './blk-mq-driver.ts';
import { MQ_RQ_IDLE } from './blk-mq-driver.ts';
import { blkMqGetTag, blkMqPutTag } from './internal/blk-mq-tag.ts';
import { blkMqIssue } from './internal/blk-mq-dispatch.ts';
import { blkMqRqCtxInit } from './internal/blk-mq-rq.ts';
import { blkMqWaitOnce } from './blk-mq-poll.ts';

/** Fail with EAGAIN instead of waiting for a tag. @kernel include/linux/blk-mq.h BLK_MQ_REQ_NOWAIT */
export const BLK_MQ_REQ_NOWAIT = 1;

/**
 * A request for `opf` with no bios. Waits for a free tag (driving completions) unless
 * BLK_MQ_REQ_NOWAIT, which throws EAGAIN. Free it with `blkMqFreeRequest` if it is never executed.
 * @kernel block/blk-mq.c blk_mq_alloc_request()
 */
export function blkMqAllocRequest(q: RequestQueue, opf: number, flags = 0): Request {
  if (q.dying) throw new BiopathError('ENODEV', 'blkMqAllocRequest(q): queue is being destroyed');
  const hctx = q.queue_hw_ctx[q.cur_hctx];
  for (;;) {
    const rq = blkMqGetTag(hctx);
    if (rq !== null) {
      blkMqRqCtxInit(rq, opf);
      return rq;
    }
    if ((flags & BLK_MQ_REQ_NOWAIT) !== 0) throw new BiopathError('EAGAIN', 'blkMqAllocRequest: no free tag');
    if (blkMqWaitOnce(q) < 0) throw new BiopathError('EBUSY', 'blkMqAllocRequest: every tag is held by unexecuted requests');
  }
}

/** Give back a request that was allocated but never executed. @kernel block/blk-mq.c blk_mq_free_request() */
export function blkMqFreeRequest(rq: Request): void {
  if (warnOnOnce(rq.state !== MQ_RQ_IDLE, 'blkMqFreeRequest: request was started')) return;
  rq.bio = null;
  rq.biotail = null;
  blkMqPutTag(rq.mq_hctx, rq);
}

/**
 * Issue a passthrough request; `done(rq, status)` runs at completion, after which the request is
 * freed (read what you need inside `done`). @kernel block/blk-mq.c blk_execute_rq_nowait()
 */
export function blkExecuteRqNowait(rq: Request, done: RqEndIo): void {
  rq.end_io = done;
  blkMqIssue(rq.mq_hctx, rq);
}

/** Per-call wait state (passthrough is not a hot path; the request is recycled before the waiter looks). */
class ExecWaiter {
  done = false;
  status = 0;
}

function executeRqEndIo(rq: Request, status: number): void {
  const w = rq.end_io_data as ExecWaiter;
  w.done = true;
  w.status = status;
}

/**
 * Issue a passthrough request and wait; returns its BLK_STS_* status.
 * @kernel block/blk-mq.c blk_execute_rq()
 */
export function blkExecuteRq(rq: Request): number {
  const q = rq.q;
  const w = new ExecWaiter();
  rq.end_io_data = w;
  blkExecuteRqNowait(rq, executeRqEndIo);
  while (!w.done) {
    if (blkMqWaitOnce(q) < 0 && !w.done) {
      throw new BiopathError('EIO', 'blkExecuteRq: nothing in flight but the request never completed');
    }
  }
  return w.status;
}
