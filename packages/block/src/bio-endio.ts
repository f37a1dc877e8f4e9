/**
 * Bio completion and chaining.
 * @kernel block/bio.c bio_endio(), bio_chain(), bio_chain_endio(), bio_remaining_done()
 */
import { BiopathError } from '@biopath/native';
import { blkStatusToErrno } from './blk-status.ts';
import { BIO_CHAIN, BIO_CLONED } from './blk-types.ts';
import type { Bio } from './bio-types.ts';
import { bioFlagged, bioClearFlag, bioSetFlag } from './bio-flags.ts';
import { bioPut } from './bio-alloc.ts';

/** @kernel block/bio.c bio_remaining_done() */
function bioRemainingDone(bio: Bio): boolean {
  if (!bioFlagged(bio, BIO_CHAIN)) return true;
  if (--bio.__bi_remaining === 0) {
    bioClearFlag(bio, BIO_CHAIN);
    return true;
  }
  return false;
}

/**
 * The end_io a chained child carries. Never called directly: `bioEndio` recognises it and walks
 * up to the parent iteratively (no recursion on long chains).
 * @kernel block/bio.c bio_chain_endio()
 */
export function bioChainEndio(_bio: Bio): void {
  throw new BiopathError('EINVAL', 'bioChainEndio(bio): called directly; complete chained bios with bioEndio');
}

/**
 * Complete `bio`: once its chain count drops to zero, propagate a chained child's first error to its
 * parent and continue with the parent, else call `bi_end_io`.
 * @kernel block/bio.c bio_endio()
 */
export function bioEndio(bio: Bio): void {
  for (;;) {
    if (!bioRemainingDone(bio)) return;
    if (bio.bi_end_io !== bioChainEndio) break;
    const parent = bio.bi_private as Bio;
    if (parent.bi_status === 0) parent.bi_status = bio.bi_status;
    bioPut(bio);
    bio = parent;
  }
  const endIo = bio.bi_end_io;
  if (endIo !== null) endIo(bio);
}

/** Raise `bio`'s chain count. @kernel include/linux/bio.h bio_inc_remaining() */
export function bioIncRemaining(bio: Bio): void {
  bioSetFlag(bio, BIO_CHAIN);
  bio.__bi_remaining++;
}

/**
 * Make `parent` complete only after `bio` does: `bio`'s end_io and private are taken over.
 * @kernel block/bio.c bio_chain()
 */
export function bioChain(bio: Bio, parent: Bio): void {
  if (bio.bi_private !== null || (bio.bi_end_io !== null && bio.bi_end_io !== bioChainEndio)) {
    throw new BiopathError('EINVAL', 'bioChain(bio): bio already has a completion (bi_private/bi_end_io set)');
  }
  bio.bi_private = parent;
  bio.bi_end_io = bioChainEndio;
  bioIncRemaining(parent);
}

/** Complete `bio` with an error status. @kernel include/linux/bio.h bio_io_error() */
export function bioIoError(bio: Bio, status: number): void {
  bio.bi_status = status;
  bioEndio(bio);
}

/** A bio's status as a negative errno (0 on success). @kernel block/blk-core.c blk_status_to_errno() */
export function bioErrno(bio: Bio): number {
  return blkStatusToErrno(bio.bi_status);
}

/** True when the bio borrows its bvecs. */
export function bioIsCloned(bio: Bio): boolean {
  return bioFlagged(bio, BIO_CLONED);
}
