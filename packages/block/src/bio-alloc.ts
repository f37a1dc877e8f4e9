/**
 * Bio allocation from pools, reference counting and freeing.
 * @kernel block/bio.c bio_alloc_bioset(), bio_init(), bio_reset(), bio_put(), bio_free(), bioset_init()
 */
import { BiopathError } from '@biopath/native';
import { BIO_INLINE_VECS, BIO_MAX_VECS, BIO_REFFED } from './blk-types.ts';
import { Bio, BioSet, RELEASE_AUTO, type BlockDevice } from './bio-types.ts';
import { bioFlagged } from './bio-flags.ts';

/**
 * A pool of bios carrying `nrVecs` bvecs each, `poolSize` of them created up front.
 * @kernel block/bio.c bioset_init()
 */
export function biosetInit(nrVecs: number, poolSize: number): BioSet {
  if (!Number.isInteger(nrVecs) || nrVecs < 0 || nrVecs > BIO_MAX_VECS) {
    throw new BiopathError('EINVAL', `biosetInit(nrVecs): ${nrVecs} is not in 0..${BIO_MAX_VECS}`);
  }
  if (!Number.isInteger(poolSize) || poolSize < 0) throw new BiopathError('EINVAL', `biosetInit(poolSize): ${poolSize}`);
  const bs = new BioSet(nrVecs);
  for (let i = 0; i < poolSize; i++) {
    const bio = new Bio(nrVecs, bs);
    bs.nrAllocated++;
    bio.bi_pool_next = bs.free;
    bs.free = bio;
    bs.nrFree++;
  }
  return bs;
}

/** The default pool for bios up to BIO_MAX_VECS. @kernel block/bio.c fs_bio_set */
export const fsBioSet = biosetInit(BIO_MAX_VECS, 64);
/** The pool for small bios, clones and splits (inline vecs only). */
export const smallBioSet = biosetInit(BIO_INLINE_VECS, 128);

/**
 * (Re)initialise a bio. @kernel block/bio.c bio_init()
 */
export function bioInit(bio: Bio, bdev: BlockDevice | null, maxVecs: number, opf: number): void {
  bio.bi_next = null;
  bio.bi_bdev = bdev;
  bio.bi_opf = opf;
  bio.bi_flags = 0;
  bio.bi_ioprio = 0;
  bio.bi_write_hint = 0;
  bio.bi_status = 0;
  bio.__bi_remaining = 1;
  bio.bi_iter.bi_sector = 0;
  bio.bi_iter.bi_size = 0;
  bio.bi_iter.bi_idx = 0;
  bio.bi_iter.bi_bvec_done = 0;
  bio.bi_end_io = null;
  bio.bi_private = null;
  bio.bi_vcnt = 0;
  bio.bi_max_vecs = maxVecs;
  bio.__bi_cnt = 1;
  bio.bi_io_vec = bio.bi_inline_vecs;
  bio.bi_mem = null;
  bio.bi_release = RELEASE_AUTO;
  bio.bi_nr_segs = 0;
}

/**
 * Take a bio with room for `nrVecs` bvecs from `bs` (default: the small pool for ≤ 4, else
 * `fsBioSet`). The pool grows if empty (the kernel's mempool would sleep instead).
 * @kernel block/bio.c bio_alloc_bioset()
 */
export function bioAlloc(bdev: BlockDevice | null, nrVecs: number, opf: number, bs?: BioSet): Bio {
  if (!Number.isInteger(nrVecs) || nrVecs < 0 || nrVecs > BIO_MAX_VECS) {
    throw new BiopathError('EINVAL', `bioAlloc(nrVecs): ${nrVecs} is not in 0..${BIO_MAX_VECS}`);
  }
  const set = bs ?? (nrVecs <= BIO_INLINE_VECS ? smallBioSet : fsBioSet);
  if (nrVecs > set.nrVecs) {
    throw new BiopathError('EINVAL', `bioAlloc(nrVecs): ${nrVecs} exceeds the pool's ${set.nrVecs} bvecs`);
  }
  let bio = set.free;
  if (bio !== null) {
    set.free = bio.bi_pool_next;
    bio.bi_pool_next = null;
    set.nrFree--;
  } else {
    bio = new Bio(set.nrVecs, set);
    set.nrAllocated++;
  }
  set.inUse++;
  bioInit(bio, bdev, nrVecs, opf);
  return bio;
}

/** Return a bio to its pool. @kernel block/bio.c bio_free() */
function bioFree(bio: Bio): void {
  const set = bio.bi_pool;
  bio.bi_io_vec = bio.bi_inline_vecs;
  bio.bi_end_io = null;
  bio.bi_private = null;
  bio.bi_bdev = null;
  bio.bi_mem = null;
  bio.bi_next = null;
  if (set === null) return;
  set.inUse--;
  bio.bi_pool_next = set.free;
  set.free = bio;
  set.nrFree++;
}

/**
 * Drop a reference; the last one frees the bio. Only honours `__bi_cnt` while BIO_REFFED is set.
 * @kernel block/bio.c bio_put()
 */
export function bioPut(bio: Bio): void {
  if (bioFlagged(bio, BIO_REFFED)) {
    if (--bio.__bi_cnt > 0) return;
  }
  bioFree(bio);
}

/** Take a reference on a bio. @kernel include/linux/bio.h bio_get() */
export function bioGet(bio: Bio): void {
  if (!bioFlagged(bio, BIO_REFFED)) {
    bio.bi_flags |= 1 << BIO_REFFED;
  }
  bio.__bi_cnt++;
}
