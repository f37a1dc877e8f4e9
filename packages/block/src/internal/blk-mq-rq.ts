/**
 * The one request reset (at allocation, from a bio, and when the tag goes back) and filling a
 * pooled request from a bio.
 * @kernel block/blk-mq.c blk_mq_rq_ctx_init(), blk_mq_bio_to_request()
 */
import type { Bio } from '../bio-types.ts';
import type { Request } from '../blk-mq-driver.ts';
import { REQ_FAILFAST_MASK, REQ_RAHEAD } from '../blk-types.ts';

/** Every per-IO field of `rq` to its initial value, with `opf` as cmd_flags. @kernel block/blk-mq.c blk_mq_rq_ctx_init() */
export function blkMqRqCtxInit(rq: Request, opf: number): void {
  rq.cmd_flags = opf;
  rq.rq_flags = 0;
  rq.__sector = 0;
  rq.__data_len = 0;
  rq.nr_phys_segments = 0;
  rq.ioprio = 0;
  rq.write_hint = 0;
  rq.bio = null;
  rq.biotail = null;
  rq.end_io = null;
  rq.end_io_data = null;
  rq.timeout_ms = 0;
  rq.status = 0;
  rq.rq_next = null;
}

/** @kernel block/blk-mq.c blk_mq_bio_to_request() */
export function blkMqBioToRequest(rq: Request, bio: Bio, nrSegs: number): void {
  let flags = bio.bi_opf;
  if ((flags & REQ_RAHEAD) !== 0) flags |= REQ_FAILFAST_MASK;
  blkMqRqCtxInit(rq, flags);
  rq.__sector = bio.bi_iter.bi_sector;
  rq.__data_len = bio.bi_iter.bi_size;
  rq.nr_phys_segments = nrSegs;
  rq.ioprio = bio.bi_ioprio;
  rq.write_hint = bio.bi_write_hint;
  bio.bi_next = null;
  rq.bio = bio;
  rq.biotail = bio;
}
