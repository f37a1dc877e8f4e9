/**
 * Plugging: requests built by one submitter are held and handed to drivers in one batch.
 * The kernel keeps the plug on `current`; here there is one submitting context, so one current plug.
 * @kernel block/blk-core.c blk_start_plug(), blk_finish_plug(); block/blk-mq.c blk_add_rq_to_plug(), blk_mq_flush_plug_list()
 */
import type { Request, RequestQueue } from './blk-mq-driver.ts';
import { BLK_MAX_REQUEST_COUNT, BLK_PLUG_FLUSH_SIZE } from './blk-types.ts';
import { blkMqDispatchChain } from './internal/blk-mq-dispatch.ts';

/** A plug. Reuse one object per submitter (no allocation per batch). @kernel include/linux/blkdev.h struct blk_plug */
export class BlkPlug {
  /** Plugged requests in submission order (linked by `rq_next`). */
  mq_list: Request | null = null;
  mq_tail: Request | null = null;
  rq_count = 0;
  /** Requests for more than one queue were plugged (raises the flush threshold to 64). */
  multiple_queues = false;
  /** Plug flushes (observable). */
  nr_flushes = 0;
}

let currentPlug: BlkPlug | null = null;

/** The plug of the submitting context, or null. @kernel include/linux/sched.h current->plug */
export function blkCurrentPlug(): BlkPlug | null {
  return currentPlug;
}

/** Start plugging, unless a plug is already active (nesting keeps the outer one). @kernel block/blk-core.c blk_start_plug() */
export function blkStartPlug(plug: BlkPlug): void {
  if (currentPlug !== null) return;
  plug.mq_list = null;
  plug.mq_tail = null;
  plug.rq_count = 0;
  plug.multiple_queues = false;
  currentPlug = plug;
}

/**
 * Hand every plugged request to its driver, queue by queue, keeping submission order.
 * @kernel block/blk-mq.c blk_mq_flush_plug_list()
 */
export function blkMqFlushPlugList(plug: BlkPlug): void {
  while (plug.mq_list !== null) {
    const first: Request = plug.mq_list;
    const hctx = first.mq_hctx;
    // take the longest run of requests for the same hardware queue
    let last = first;
    while (last.rq_next !== null && last.rq_next.mq_hctx === hctx) last = last.rq_next;
    plug.mq_list = last.rq_next;
    if (plug.mq_list === null) plug.mq_tail = null;
    last.rq_next = null;
    blkMqDispatchChain(hctx, first);
  }
  plug.rq_count = 0;
  plug.nr_flushes++;
}

/** Flush the current plug if it holds anything (what the kernel does on schedule()). @kernel block/blk-core.c blk_flush_plug() */
export function blkFlushPlug(plug: BlkPlug | null = currentPlug): void {
  if (plug !== null && plug.mq_list !== null) blkMqFlushPlugList(plug);
}

/** Stop plugging and flush. @kernel block/blk-core.c blk_finish_plug() */
export function blkFinishPlug(plug: BlkPlug): void {
  if (plug !== currentPlug) return;
  blkFlushPlug(plug);
  currentPlug = null;
}

/** Flush threshold for a plug. @kernel block/blk-mq.c blk_plug_max_rq_count() */
export function blkPlugMaxRqCount(plug: BlkPlug): number {
  return plug.multiple_queues ? BLK_MAX_REQUEST_COUNT * 2 : BLK_MAX_REQUEST_COUNT;
}

/**
 * Add `rq` to the plug, first flushing if the plug is full or its last request is ≥ 128 KiB.
 * @kernel block/blk-mq.c blk_add_rq_to_plug()
 */
export function blkAddRqToPlug(plug: BlkPlug, rq: Request, q: RequestQueue): void {
  let last = plug.mq_tail;
  if (plug.rq_count > 0 && last !== null &&
      (plug.rq_count >= blkPlugMaxRqCount(plug) || last.__data_len >= BLK_PLUG_FLUSH_SIZE)) {
    blkMqFlushPlugList(plug);
    last = null;
  }
  if (!plug.multiple_queues && last !== null && last.q !== q) plug.multiple_queues = true;
  rq.rq_next = null;
  if (plug.mq_tail === null) plug.mq_list = rq;
  else plug.mq_tail.rq_next = rq;
  plug.mq_tail = rq;
  plug.rq_count++;
}
