/**
 * iov_iter constants: iterator types, directions, limits, extraction flags.
 *
 * @kernel include/linux/uio.h enum iter_type
 */

/** User-space buffer described by one address and length (6.0+). */
export const ITER_UBUF = 0;
/** Array of user-space `iovec`s. */
export const ITER_IOVEC = 1;
/** Array of `bio_vec`s (page, offset, length). */
export const ITER_BVEC = 2;
/** Array of kernel `kvec`s (direct-map or vmalloc addresses). */
export const ITER_KVEC = 3;
/** Chain of `folio_queue` segments (6.12+, profile `current`). */
export const ITER_FOLIOQ = 4;
/** Folios held in an xarray, from `xarray_start`. */
export const ITER_XARRAY = 5;
/** A READ-only sink that has no memory. */
export const ITER_DISCARD = 6;
/** Pipe buffers for splice_read; removed in 6.5, so only profiles `legacy` and `v8` have it. */
export const ITER_PIPE = 7;

export type IterType =
  | typeof ITER_UBUF | typeof ITER_IOVEC | typeof ITER_BVEC | typeof ITER_KVEC
  | typeof ITER_FOLIOQ | typeof ITER_XARRAY | typeof ITER_DISCARD | typeof ITER_PIPE;

/** Names of the iterator types, indexed by `iter_type` (for messages and test titles). */
export const ITER_TYPE_NAMES: readonly string[] = [
  'ITER_UBUF', 'ITER_IOVEC', 'ITER_BVEC', 'ITER_KVEC', 'ITER_FOLIOQ', 'ITER_XARRAY', 'ITER_DISCARD', 'ITER_PIPE',
];

/** Data moves from the device into memory (read(2), DIO read): the iterator is written into. */
export const READ = 0;
/** Data moves from memory to the device (write(2), DIO write): the iterator is read from. */
export const WRITE = 1;
/** `data_source == ITER_DEST`: memory is the destination (same value as {@link READ}). */
export const ITER_DEST = 0;
/** `data_source == ITER_SOURCE`: memory is the source (same value as {@link WRITE}). */
export const ITER_SOURCE = 1;

export type IterDirection = typeof READ | typeof WRITE;

/** `INT_MAX & PAGE_MASK`: the most one read/write call moves. */
export const MAX_RW_COUNT = 0x7ffff000;
/** Most segments `readv`/`writev` accept. */
export const UIO_MAXIOV = 1024;
/** Segments the kernel keeps on the stack before allocating. */
export const UIO_FASTIOV = 8;

/** Extraction flag: allow peer-to-peer DMA pages (`FOLL_PCI_P2PDMA` for user-backed iterators). */
export const ITER_ALLOW_P2PDMA = 0x01;

/** Size in bytes of one `struct iovec` in user memory (u64 base, u64 len), for {@link importIovec}. */
export const IOVEC_SIZE = 16;
