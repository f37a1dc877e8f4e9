/**
 * A scatter-gather table: fixed-capacity entries (page, offset, length) of which the first `nents`
 * are in use. `orig_nents` is where the caller's current extraction began: a failing extraction
 * releases back down to it.
 *
 * @kernel include/linux/scatterlist.h struct sg_table, struct scatterlist
 */
import { unpinUserPage } from '@biopath/mm';
import type { MemMap } from '@biopath/mm';
import { BiopathError } from './internal/errors.ts';

/** One scatterlist entry: `length` bytes from `offset` into the folio/page `page` (a pfn; -1 unset). */
export interface ScatterList {
  page: number;
  offset: number;
  length: number;
}

/** struct sg_table. */
export interface SgTable {
  readonly sgl: ScatterList[];
  nents: number;
  orig_nents: number;
}

/**
 * A table with room for `capacity` entries, all unset, `nents = orig_nents = 0` (what callers of
 * extract_iter_to_sg() set up with sg_init_table()). Throws EINVAL for a capacity that is not a
 * positive integer.
 * @kernel lib/scatterlist.c sg_init_table()
 */
export function sgInitTable(capacity: number): SgTable {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new BiopathError('EINVAL', `sgInitTable(capacity): ${capacity} is not a positive integer`);
  }
  const sgl: ScatterList[] = [];
  for (let k = 0; k < capacity; k++) sgl.push({ page: -1, offset: 0, length: 0 });
  return { sgl, nents: 0, orig_nents: 0 };
}

/** Fill one entry. @kernel include/linux/scatterlist.h sg_set_page() */
export function sgSetPage(sg: ScatterList, page: number, length: number, offset: number): void {
  sg.page = page;
  sg.length = length;
  sg.offset = offset;
}

/** Total bytes in the entries in use. */
export function sgTableBytes(sgt: SgTable): number {
  let n = 0;
  for (let k = 0; k < sgt.nents; k++) n += sgt.sgl[k]!.length;
  return n;
}

/**
 * Release the pins held by entries `from .. nents` (what callers of extract_iter_to_sg() do when
 * `iov_iter_extract_will_pin()` said the extraction pinned: af_alg_free_sg(), netfs) and drop
 * those entries (`nents = from`). Only for tables filled from UBUF/IOVEC iterators.
 * @kernel crypto/af_alg.c af_alg_free_sg()
 */
export function sgTableUnpin(mem: MemMap, sgt: SgTable, from = 0): void {
  if (!Number.isInteger(from) || from < 0 || from > sgt.nents) {
    throw new BiopathError('EINVAL', `sgTableUnpin(from): ${from} is not in 0..${sgt.nents}`);
  }
  while (sgt.nents > from) {
    const sg = sgt.sgl[--sgt.nents]!;
    unpinUserPage(mem, sg.page);
    sgSetPage(sg, -1, 0, 0);
  }
}
