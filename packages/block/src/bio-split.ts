/**
 * Cloning, advancing and splitting bios.
 * @kernel block/bio.c bio_alloc_clone(), __bio_clone(), bio_advance(), bio_split()
 */
import { warnOnOnce } from '@biopath/native';
import { BIO_CLONED, BIO_TRACE_COMPLETION, REQ_ATOMIC, REQ_OP_ZONE_APPEND, SECTOR_SHIFT, reqOp } from './blk-types.ts';
import type { Bio, BioSet, BlockDevice } from './bio-types.ts';
import { bioAlloc } from './bio-alloc.ts';
import { bioFlagged, bioSetFlag } from './bio-flags.ts';
import { bvecIterAdvance } from './bvec.ts';
import { EINVAL } from './internal/errno.ts';

/** Sectors a bio still covers. @kernel include/linux/bio.h bio_sectors() */
export function bioSectors(bio: Bio): number {
  return bio.bi_iter.bi_size >>> SECTOR_SHIFT;
}

/** Sector after the bio's last. @kernel include/linux/bio.h bio_end_sector() */
export function bioEndSector(bio: Bio): number {
  return bio.bi_iter.bi_sector + (bio.bi_iter.bi_size >>> SECTOR_SHIFT);
}

/**
 * A bio sharing `src`'s bvecs (BIO_CLONED) and position; pages are never released through it.
 * @kernel block/bio.c bio_alloc_clone()
 */
export function bioAllocClone(bdev: BlockDevice | null, src: Bio, bs?: BioSet): Bio {
  const bio = bioAlloc(bdev, 0, src.bi_opf, bs);
  bioSetFlag(bio, BIO_CLONED);
  bio.bi_ioprio = src.bi_ioprio;
  bio.bi_write_hint = src.bi_write_hint;
  bio.bi_iter.bi_sector = src.bi_iter.bi_sector;
  bio.bi_iter.bi_size = src.bi_iter.bi_size;
  bio.bi_iter.bi_idx = src.bi_iter.bi_idx;
  bio.bi_iter.bi_bvec_done = src.bi_iter.bi_bvec_done;
  bio.bi_io_vec = src.bi_io_vec;
  bio.bi_mem = src.bi_mem;
  return bio;
}

/**
 * Move the bio's position forward by `bytes` (sector and bvec iterator).
 * @kernel include/linux/bio.h bio_advance()
 */
export function bioAdvance(bio: Bio, bytes: number): void {
  if (bytes === 0) return;
  bio.bi_iter.bi_sector += bytes >>> SECTOR_SHIFT;
  if (warnOnOnce(!bvecIterAdvance(bio.bi_io_vec, bio.bi_iter, bytes), 'bioAdvance: beyond the end of the bio')) {
    bio.bi_iter.bi_size = 0;
  }
}

/**
 * Split off the first `sectors` of `bio` as a clone and advance `bio` past them. Returns the clone,
 * or -EINVAL for an impossible split (0, ≥ the bio's size, zone append, REQ_ATOMIC).
 * The caller chains the split to `bio` (`bioChain(split, bio)`) so `bio` completes last.
 * @kernel block/bio.c bio_split()
 */
export function bioSplit(bio: Bio, sectors: number, bs?: BioSet): Bio | number {
  if (warnOnOnce(!(sectors > 0), 'bioSplit: sectors <= 0')) return EINVAL;
  if (warnOnOnce(sectors >= bioSectors(bio), 'bioSplit: sectors >= bio_sectors')) return EINVAL;
  if (warnOnOnce(reqOp(bio.bi_opf) === REQ_OP_ZONE_APPEND, 'bioSplit: zone append')) return EINVAL;
  if ((bio.bi_opf & REQ_ATOMIC) !== 0) return EINVAL;
  const split = bioAllocClone(bio.bi_bdev, bio, bs);
  split.bi_iter.bi_size = sectors << SECTOR_SHIFT;
  bioAdvance(bio, split.bi_iter.bi_size);
  if (bioFlagged(bio, BIO_TRACE_COMPLETION)) bioSetFlag(split, BIO_TRACE_COMPLETION);
  return split;
}
