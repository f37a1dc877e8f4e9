/**
 * Bios waiting for a free tag. The kernel sleeps in blk_mq_get_tag(); here the bio waits on the
 * queue's backlog and is admitted when a completion gives a tag back (no blocking on the submit path).
 */
import type { Bio } from '../bio-types.ts';
import type { RequestQueue } from '../blk-mq-driver.ts';
import { blkMqGetTag } from './blk-mq-tag.ts';
import { blkMqBioToRequest } from './blk-mq-rq.ts';
import { blkMqIssue } from './blk-mq-dispatch.ts';

/** Park `bio` (already split, `bi_nr_segs` counted) until a tag is free. */
export function blkMqBacklogAdd(q: RequestQueue, bio: Bio): void {
  bio.bi_next = null;
  if (q.backlog_tail === null) q.backlog = bio;
  else q.backlog_tail.bi_next = bio;
  q.backlog_tail = bio;
}

/** Admit parked bios while tags are free, in arrival order. */
export function blkMqDrainBacklog(q: RequestQueue): void {
  const hctx = q.queue_hw_ctx[q.cur_hctx];
  while (q.backlog !== null) {
    const rq = blkMqGetTag(hctx);
    if (rq === null) return;
    const bio = q.backlog;
    q.backlog = bio.bi_next;
    if (q.backlog === null) q.backlog_tail = null;
    bio.bi_next = null;
    blkMqBioToRequest(rq, bio, bio.bi_nr_segs);
    blkMqIssue(hctx, rq);
  }
}
