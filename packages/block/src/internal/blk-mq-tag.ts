/**
 * Tags: one stack of free tag numbers per hardware queue, and the request pooled behind each tag.
 * @kernel block/blk-mq-tag.c blk_mq_get_tag(), blk_mq_put_tag()
 */
import type { BlkMqHwCtx, BlkMqTags, Request } from '../blk-mq-driver.ts';

export function createTags(depth: number): BlkMqTags {
  const free = new Int32Array(depth);
  for (let i = 0; i < depth; i++) free[i] = depth - 1 - i;
  return { nr_tags: depth, free, nr_free: depth, static_rqs: [] };
}

/** Pop a free tag's request, or null when all are in use. @kernel block/blk-mq-tag.c blk_mq_get_tag() */
export function blkMqGetTag(hctx: BlkMqHwCtx): Request | null {
  const tags = hctx.tags;
  if (tags.nr_free === 0) return null;
  const tag = tags.free[--tags.nr_free];
  return tags.static_rqs[tag];
}

/** Give a request's tag back. @kernel block/blk-mq-tag.c blk_mq_put_tag() */
export function blkMqPutTag(hctx: BlkMqHwCtx, rq: Request): void {
  const tags = hctx.tags;
  tags.free[tags.nr_free++] = rq.tag;
}
