/**
 * PIPE (profiles `legacy` and `v8`): append fresh pages to the pipe and list them. The pipe holds
 * the only reference; get_pages2 also takes one for the caller.
 *
 * @kernel lib/iov_iter.c (v8) iov_iter_extract_pipe_pages(), (v6.2) pipe_get_pages()
 */
import { PAGE_SIZE, getPage } from '@biopath/mm';
import type { ExtractResult, IovIter, PagesRef } from '../iov-iter.ts';
import { appendOff, appendPipe, pipeNpages } from '../pipe.ts';
import { errno } from './errors.ts';
import { wantPagesArray } from './pages-array.ts';

/** -EFAULT when the pipe has no room at all. */
export function extractPipePages(
  i: IovIter, pages: PagesRef, maxsize: number, maxpages: number, res: ExtractResult, takeRef: boolean,
): number {
  const npages = pipeNpages(i);
  if (!npages) return -errno.EFAULT;
  const off = i.iov_offset > 0 && i.iov_offset < PAGE_SIZE ? i.iov_offset : 0;
  res.offset0 = off;
  const n = wantPagesArray(pages, maxsize, off, Math.min(npages, maxpages));
  if (!n) return -errno.ENOMEM;
  const p = pages.pages!;
  let left = maxsize;
  let j = 0;
  for (; j < n && left > 0; j++) {
    const page = appendPipe(i, left);
    if (page < 0) break;
    left -= Math.min(left, PAGE_SIZE - appendOff.off);
    if (takeRef) getPage(i.mem!, page);
    p[j] = page;
  }
  if (!j) return -errno.EFAULT;
  return maxsize - left;
}
