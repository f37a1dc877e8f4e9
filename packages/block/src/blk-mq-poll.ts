/**
 * Driving completions: polling, blocking waits (which flush the plug first, as schedule() does),
 * request timeouts, and the synchronous `submitBioWait`.
 * @kernel block/blk-mq.c blk_mq_poll(), blk_mq_timeout_work(); block/bio.c submit_bio_wait()
 */
import { BiopathError } from '@biopath/native';
import type { Bio } from './bio-types.ts';
import type { BlkMqHwCtx, RequestQueue } from './blk-mq-driver.ts';
import { MQ_RQ_IN_FLIGHT, RQF_TIMED_OUT } from './blk-mq-driver.ts';
import { blkStatusToErrno } from './blk-status.ts';
import { REQ_SYNC } from './blk-types.ts';
import { blkFlushPlug } from './blk-plug.ts';
import { submitBio } from './blk-mq-submit.ts';
import { blkMqRunHwQueue, blkMqRunPending } from './internal/blk-mq-dispatch.ts';
import { blkMqDrainDone } from './internal/blk-mq-complete.ts';

/**
 * Reap completions on every hardware queue without blocking; returns how many requests ended.
 * @kernel block/blk-mq.c blk_mq_poll()
 */
export function blkMqPoll(q: RequestQueue): number {
  const hctxs = q.queue_hw_ctx;
  const ops = q.tag_set.ops;
  let n = 0;
  for (let i = 0; i < hctxs.length; i++) {
    const hctx = hctxs[i];
    if (hctx.nr_active > 0) n += ops.poll(hctx);
    else if (hctx.dispatch !== null) blkMqRunHwQueue(hctx);
  }
  blkMqDrainDone(q);
  blkMqRunPending(q);
  return n;
}

/**
 * Check every started request against its deadline: the driver's `timeout` handler says whether it
 * ended the request ('done') or wants more time ('reset-timer'); without a handler the timer is
 * re-armed (as upstream). Returns how many requests had expired.
 * @kernel block/blk-mq.c blk_mq_timeout_work(), blk_mq_rq_timed_out()
 */
export function blkMqTimeoutWork(q: RequestQueue, now: number = performance.now()): number {
  const ops = q.tag_set.ops;
  let expired = 0;
  for (const hctx of q.queue_hw_ctx) {
    for (const rq of hctx.tags.static_rqs) {
      if (rq.state !== MQ_RQ_IN_FLIGHT || rq.deadline > now) continue;
      expired++;
      hctx.timed_out++;
      rq.rq_flags |= RQF_TIMED_OUT;
      const verdict = ops.timeout !== undefined ? ops.timeout(rq) : 'reset-timer';
      if (verdict === 'reset-timer' && rq.state === MQ_RQ_IN_FLIGHT) {
        rq.deadline = now + (rq.timeout_ms || q.tag_set.timeout_ms);
      }
    }
  }
  blkMqDrainDone(q);
  blkMqRunPending(q);
  return expired;
}

function firstActive(q: RequestQueue): BlkMqHwCtx | null {
  for (const hctx of q.queue_hw_ctx) if (hctx.nr_active > 0) return hctx;
  return null;
}

/**
 * Make progress once: flush the plug, then block in the driver of the first busy hardware queue
 * until a completion or one timeout period (the driver reaps what is already there first, so no
 * separate poll — on io_uring that would be one more system call per batch), poll the others, and
 * run timeouts if nothing completed. Returns requests ended, or -1 when nothing is in flight or
 * waiting (a caller waiting for a bio then would wait forever).
 */
export function blkMqWaitOnce(q: RequestQueue): number {
  blkFlushPlug();
  const hctx = firstActive(q);
  if (hctx === null) {
    blkMqPoll(q);
    let pending = q.backlog !== null;
    for (const h of q.queue_hw_ctx) if (h.dispatch !== null || h.nr_active > 0) pending = true;
    return pending ? 0 : -1;
  }
  const ops = q.tag_set.ops;
  let m = ops.wait(hctx, 1, q.tag_set.timeout_ms);
  const hctxs = q.queue_hw_ctx;
  for (let i = 0; i < hctxs.length; i++) if (hctxs[i] !== hctx && hctxs[i].nr_active > 0) m += ops.poll(hctxs[i]);
  blkMqDrainDone(q);
  blkMqRunPending(q);
  if (m === 0) blkMqTimeoutWork(q);
  return m;
}

/** Wait until nothing is in flight on `q` (plug flushed first). */
export function blkMqDrain(q: RequestQueue): void {
  while (blkMqWaitOnce(q) >= 0) { /* progress */ }
}

/** Resolve when the driver says completions may be ready, then poll. For embedders. */
export async function blkMqWaitAsync(q: RequestQueue): Promise<number> {
  blkFlushPlug();
  const hctx = firstActive(q);
  if (hctx === null) return blkMqPoll(q);
  const ops = q.tag_set.ops;
  if (ops.waitAsync !== undefined) await ops.waitAsync(hctx);
  else await new Promise<void>((resolve) => setImmediate(resolve));
  return blkMqPoll(q);
}

const WAIT_PENDING = { wait: 'pending' };
const WAIT_DONE = { wait: 'done' };

function submitBioWaitEndio(bio: Bio): void {
  bio.bi_private = WAIT_DONE;
}

/**
 * Submit and wait for completion; returns 0 or a negative errno. The caller keeps the bio (it is not
 * freed here) and releases its pages.
 * @kernel block/bio.c submit_bio_wait()
 */
export function submitBioWait(bio: Bio): number {
  const bdev = bio.bi_bdev;
  if (bdev === null) throw new BiopathError('EINVAL', 'submitBioWait(bio): bio has no bi_bdev');
  bio.bi_private = WAIT_PENDING;
  bio.bi_end_io = submitBioWaitEndio;
  bio.bi_opf |= REQ_SYNC;
  submitBio(bio);
  const q = bdev.bd_queue;
  while (bio.bi_private !== WAIT_DONE) {
    if (blkMqWaitOnce(q) < 0 && bio.bi_private !== WAIT_DONE) {
      throw new BiopathError('EIO', 'submitBioWait(bio): nothing in flight but the bio never completed');
    }
  }
  bio.bi_end_io = null;
  bio.bi_private = null;
  return blkStatusToErrno(bio.bi_status);
}
