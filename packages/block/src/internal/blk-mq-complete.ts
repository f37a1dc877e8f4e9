/**
 * Request completion: end the bios, run a passthrough end_io, give the tag back, and restart
 * work that waited for a tag. Completions reported while block is dispatching or already completing
 * are queued on `q.done_list` and ended iteratively (no recursion when an end_io submits more I/O).
 * @kernel block/blk-mq.c blk_update_request(), __blk_mq_end_request(), blk_mq_free_request()
 */
import type { Request, RequestQueue } from '../blk-mq-driver.ts';
import { MQ_RQ_IDLE } from '../blk-mq-driver.ts';
import { bioEndio } from '../bio-endio.ts';
import { blkMqPutTag } from './blk-mq-tag.ts';
import { blkMqRqCtxInit } from './blk-mq-rq.ts';
import { blkMqRunPending } from './blk-mq-dispatch.ts';

/** End every bio of `rq` with its status. @kernel block/blk-mq.c blk_update_request() */
function blkUpdateRequest(rq: Request, status: number): void {
  let bio = rq.bio;
  rq.bio = null;
  rq.biotail = null;
  while (bio !== null) {
    const next = bio.bi_next;
    bio.bi_next = null;
    if (status !== 0) bio.bi_status = status;
    else bio.bi_iter.bi_size = 0;
    bioEndio(bio);
    bio = next;
  }
}

/** Reset a request and put its tag back. */
function blkMqPutRequest(rq: Request): void {
  const hctx = rq.mq_hctx;
  rq.state = MQ_RQ_IDLE;
  blkMqRqCtxInit(rq, 0);
  rq.nr_requeues = 0;
  hctx.nr_active--;
  hctx.completed++;
  blkMqPutTag(hctx, rq);
  if (hctx.dispatch !== null || rq.q.backlog !== null) hctx.run_pending = true;
}

/** Complete one request now. */
function endOne(rq: Request): void {
  const endIo = rq.end_io;
  const bio = rq.bio;
  if (endIo !== null) {
    // passthrough: the submitter owns the bios (blkRqUnmapUser); only detach them from the request
    rq.bio = null;
    rq.biotail = null;
    for (let b = bio; b !== null; b = b.bi_next) if (rq.status !== 0) b.bi_status = rq.status;
    endIo(rq, rq.status);
  } else {
    blkUpdateRequest(rq, rq.status);
  }
  blkMqPutRequest(rq);
}

/** End queued completions until none are left; then restart waiting work. */
export function blkMqDrainDone(q: RequestQueue): void {
  if (q.in_dispatch > 0 || q.completing) return;
  q.completing = true;
  try {
    for (;;) {
      const rq = q.done_list;
      if (rq === null) break;
      q.done_list = rq.rq_next;
      if (q.done_list === null) q.done_tail = null;
      rq.rq_next = null;
      endOne(rq);
      if (q.done_list === null) blkMqRunPending(q);
    }
  } finally {
    q.completing = false;
  }
}

/** Queue `rq` as done and end it unless a dispatch or completion is already on the stack. */
export function blkMqQueueDone(rq: Request): void {
  const q = rq.q;
  rq.rq_next = null;
  if (q.done_tail === null) q.done_list = rq;
  else q.done_tail.rq_next = rq;
  q.done_tail = rq;
  blkMqDrainDone(q);
}
