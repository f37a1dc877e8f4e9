import { PAGE_SIZE } from '@biopath/mm';
import type { PagesRef } from '../iov-iter.ts';
import { BiopathError, warnOnOnce } from './errors.ts';

/**
 * Entries needed for `size` bytes from offset `start` of the first page, capped at `maxpages`;
 * allocates `pages.pages` if it is null. Returns 0 after a WARN when no page is wanted (`maxpages` 0,
 * or 0 bytes at a page boundary: get_pages2 on an empty bvec), which callers turn into -ENOMEM.
 * @kernel lib/iov_iter.c want_pages_array()
 */
export function wantPagesArray(pages: PagesRef, size: number, start: number, maxpages: number): number {
  let count = Math.ceil((size + start) / PAGE_SIZE);
  if (count > maxpages) count = maxpages;
  if (count === 0) {
    warnOnOnce(true, 'iov_iter: want_pages_array() for 0 pages (the caller should have prevented that)');
    return 0;
  }
  const p = pages.pages;
  if (p === null) pages.pages = new Int32Array(count);
  else if (p.length < count) {
    throw new BiopathError('EINVAL', `iovIterExtractPages(pages): room for ${p.length} pages, ${count} needed`);
  }
  return count;
}
