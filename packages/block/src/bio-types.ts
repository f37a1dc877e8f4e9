/**
 * `struct bio`, `struct bvec_iter`, `struct block_device`: fixed-shape objects, pooled.
 * @kernel include/linux/blk_types.h struct bio; include/linux/bvec.h struct bvec_iter
 */
import type { BioVec } from '@biopath/iov-iter';
import type { MemMap } from '@biopath/mm';
import type { RequestQueue } from './blk-mq-driver.ts';

export type { BioVec };

/** Position inside a bio's bvec array. @kernel include/linux/bvec.h struct bvec_iter */
export class BvecIter {
  /** Device address in 512-byte sectors. */
  bi_sector = 0;
  /** Residual I/O count in bytes. */
  bi_size = 0;
  /** Current index into `bi_io_vec`. */
  bi_idx = 0;
  /** Bytes completed in the current bvec. */
  bi_bvec_done = 0;
}

/** A bio completion handler. Module-level functions only on hot paths (no per-IO closures). */
export type BioEndIo = (bio: Bio) => void;

/** Release modes: how a bio's pages are given back at completion (see `bio-release.ts`). */
export const RELEASE_AUTO = 0;
export const RELEASE_UNPIN = 1;
export const RELEASE_UNPIN_BATCHED = 2;
export const RELEASE_PUT = 3;
export const RELEASE_NONE = 4;
export const RELEASE_DEFERRED = 5;

/** The release mode names, in RELEASE_* order: the one list every layer and biobench use. */
export const RELEASE_MODES = ['auto', 'unpin', 'unpin-batched', 'put', 'none', 'deferred'] as const;

/** The names the API accepts for release modes. */
export type ReleaseModeName = (typeof RELEASE_MODES)[number];

/**
 * A block device: a request queue plus a capacity. @kernel include/linux/blk_types.h struct block_device
 */
export interface BlockDevice {
  bd_queue: RequestQueue;
  /** Capacity in 512-byte sectors. */
  bd_nr_sectors: number;
  bd_read_only: boolean;
  /** Name for messages (`loop3`, `nullb0`). */
  bd_name: string;
}

/**
 * The unit of block I/O. Every field is always present. `bi_io_vec` is the bio's own pooled array
 * (`bi_inline_vecs`) unless the bio borrows one (BVEC iterator, clone, split).
 * @kernel include/linux/blk_types.h struct bio
 */
export class Bio {
  bi_next: Bio | null = null;
  bi_bdev: BlockDevice | null = null;
  bi_opf = 0;
  bi_flags = 0;
  bi_ioprio = 0;
  bi_write_hint = 0;
  bi_status = 0;
  /** Chain counter (honoured while BIO_CHAIN is set). */
  __bi_remaining = 1;
  readonly bi_iter = new BvecIter();
  bi_end_io: BioEndIo | null = null;
  bi_private: unknown = null;
  bi_vcnt = 0;
  bi_max_vecs = 0;
  /** The bio's own refcount (honoured while BIO_REFFED is set). */
  __bi_cnt = 1;
  bi_io_vec: BioVec[];
  bi_pool: BioSet | null;
  /** The bvec array this bio owns (restored when it is freed). */
  readonly bi_inline_vecs: BioVec[];
  // ---- biopath additions ----
  /** Frames the bvecs name (set when pages are added). */
  bi_mem: MemMap | null = null;
  /** RELEASE_* mode fixed before pages are taken. */
  bi_release = RELEASE_AUTO;
  /** Scratch page array for extraction (the kernel reuses the tail of the bvec array). */
  readonly bi_pages: Int32Array;
  /** Physical segments counted by the last split decision. */
  bi_nr_segs = 0;
  /** Free-list link inside the pool. */
  bi_pool_next: Bio | null = null;

  constructor(nrVecs: number, pool: BioSet | null) {
    const vecs: BioVec[] = new Array(nrVecs);
    for (let i = 0; i < nrVecs; i++) vecs[i] = { bv_page: 0, bv_len: 0, bv_offset: 0 };
    this.bi_inline_vecs = vecs;
    this.bi_io_vec = vecs;
    this.bi_pages = new Int32Array(Math.max(nrVecs, 1));
    this.bi_pool = pool;
  }
}

/**
 * A pool of bios of one bvec capacity. @kernel include/linux/bio.h struct bio_set
 */
export class BioSet {
  /** bvecs each pooled bio carries. */
  readonly nrVecs: number;
  free: Bio | null = null;
  nrFree = 0;
  /** Bios ever created by this set (grows past the initial size only under pressure). */
  nrAllocated = 0;
  /** Bios handed out and not yet freed. */
  inUse = 0;

  constructor(nrVecs: number) {
    this.nrVecs = nrVecs;
  }
}
