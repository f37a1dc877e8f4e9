/**
 * Operation codes, request flags, bio flags and the block layer's constants.
 * @kernel include/linux/blk_types.h; include/linux/blkdev.h; include/linux/bio.h
 */

export const SECTOR_SHIFT = 9;
export const SECTOR_SIZE = 512;
/** @kernel include/linux/bio.h BIO_MAX_VECS */
export const BIO_MAX_VECS = 256;
/** @kernel include/linux/bio.h BIO_INLINE_VECS */
export const BIO_INLINE_VECS = 4;
/** @kernel include/linux/blkdev.h BLK_MAX_SEGMENTS */
export const BLK_MAX_SEGMENTS = 128;
/** @kernel include/linux/blkdev.h BLK_MAX_SEGMENT_SIZE */
export const BLK_MAX_SEGMENT_SIZE = 65536;
/** @kernel include/linux/blkdev.h BLK_SAFE_MAX_SECTORS */
export const BLK_SAFE_MAX_SECTORS = 255;
/** @kernel include/linux/blkdev.h BLK_SEG_BOUNDARY_MASK */
export const BLK_SEG_BOUNDARY_MASK = 0xffffffff;
/** @kernel include/linux/blkdev.h BLK_DEF_MAX_SECTORS_CAP (1280 KiB) */
export const BLK_DEF_MAX_SECTORS_CAP = 2560;
/** @kernel block/blk-mq.c BLK_MAX_REQUEST_COUNT */
export const BLK_MAX_REQUEST_COUNT = 32;
/** @kernel block/blk-mq.c BLK_PLUG_FLUSH_SIZE */
export const BLK_PLUG_FLUSH_SIZE = 128 * 1024;
/** Largest `bi_size` (the kernel's unsigned int). */
export const UINT_MAX = 0xffffffff;

// ---- REQ_OP_* (enum req_op) ----
export const REQ_OP_BITS = 8;
export const REQ_OP_MASK = (1 << REQ_OP_BITS) - 1;
export const REQ_OP_READ = 0;
export const REQ_OP_WRITE = 1;
export const REQ_OP_FLUSH = 2;
export const REQ_OP_DISCARD = 3;
export const REQ_OP_SECURE_ERASE = 5;
export const REQ_OP_ZONE_APPEND = 7;
export const REQ_OP_WRITE_ZEROES = 9;
export const REQ_OP_DRV_IN = 34;
export const REQ_OP_DRV_OUT = 35;

// ---- REQ_* flags (enum req_flag_bits, 6.5 numbering; REQ_ATOMIC from 6.11 placed after) ----
export const REQ_FAILFAST_DEV = 1 << 8;
export const REQ_FAILFAST_TRANSPORT = 1 << 9;
export const REQ_FAILFAST_DRIVER = 1 << 10;
export const REQ_SYNC = 1 << 11;
export const REQ_META = 1 << 12;
export const REQ_PRIO = 1 << 13;
export const REQ_NOMERGE = 1 << 14;
export const REQ_IDLE = 1 << 15;
export const REQ_INTEGRITY = 1 << 16;
export const REQ_FUA = 1 << 17;
export const REQ_PREFLUSH = 1 << 18;
export const REQ_RAHEAD = 1 << 19;
export const REQ_BACKGROUND = 1 << 20;
export const REQ_NOWAIT = 1 << 21;
export const REQ_POLLED = 1 << 22;
export const REQ_ALLOC_CACHE = 1 << 23;
export const REQ_SWAP = 1 << 24;
export const REQ_DRV = 1 << 25;
export const REQ_FS_PRIVATE = 1 << 26;
export const REQ_ATOMIC = 1 << 27;
export const REQ_NOUNMAP = 1 << 28;
export const REQ_FAILFAST_MASK = REQ_FAILFAST_DEV | REQ_FAILFAST_TRANSPORT | REQ_FAILFAST_DRIVER;
/** Flags that forbid merging. @kernel include/linux/blk_types.h REQ_NOMERGE_FLAGS */
export const REQ_NOMERGE_FLAGS = REQ_NOMERGE | REQ_PREFLUSH | REQ_FUA;

/** @kernel include/linux/blk_types.h bio_op() / req_op() */
export function reqOp(opf: number): number {
  return opf & REQ_OP_MASK;
}

/** Data flows to the device (odd ops). @kernel include/linux/blk_types.h op_is_write() */
export function opIsWrite(op: number): boolean {
  return (op & 1) !== 0;
}

// ---- bio flags (bi_flags bit numbers) ----
// One layout for every profile (docs/KERNEL-SEMANTICS.md §7: only bits 0/1 matter): bit 0 is BIO_PAGE_PINNED
// (legacy: BIO_NO_PAGE_REF, inverted sense), bit 1 is v8's BIO_PAGE_REFFED; the rest follow v8's order.
/** Pages are pinned (FOLL_PIN) and must be unpinned. @kernel include/linux/blk_types.h BIO_PAGE_PINNED */
export const BIO_PAGE_PINNED = 0;
/** Legacy (6.2) bit 0: pages carry no reference, do not put them. */
export const BIO_NO_PAGE_REF = 0;
/** v8: pages carry a FOLL_GET reference and must be put. */
export const BIO_PAGE_REFFED = 1;
/** Doesn't own its bvec array: no pages can be added, pages are never released through it. */
export const BIO_CLONED = 2;
export const BIO_BOUNCED = 3;
export const BIO_QUIET = 4;
/** `__bi_remaining` is in use (chained). */
export const BIO_CHAIN = 5;
/** `__bi_cnt` (the bio's own refcount) is in use. */
export const BIO_REFFED = 6;
export const BIO_TRACE_COMPLETION = 7;
export const BIO_REMAPPED = 8;
export const BIO_FLAG_LAST = 9;
