/**
 * BVEC: list the pages of the bio_vecs. No references, no pins (the legacy get_pages path takes a
 * reference per page, see `get-pages.ts`).
 *
 * @kernel lib/iov_iter.c iov_iter_extract_bvec_pages() (6.5 form and Ming Lei's 6.13 form)
 */
import { PAGE_SIZE } from '@biopath/mm';
import { iovIterAdvance } from '../advance.ts';
import type { ExtractResult, IovIter, PagesRef } from '../iov-iter.ts';
import { errno } from './errors.ts';
import { wantPagesArray } from './pages-array.ts';

/** Skip bvecs with no bytes left; returns the bytes left in the current one (0: none left). */
function skipEmptyBvecs(i: IovIter, maxsize: number): number {
  const bvec = i.bvec!;
  for (;;) {
    if (i.nr_segs === 0) return 0;
    const size = Math.min(maxsize, bvec[i.seg]!.bv_len - i.iov_offset);
    if (size) return size;
    i.iov_offset = 0;
    i.nr_segs--;
    i.seg++;
  }
}

/**
 * Profiles `legacy`, `v8`, `merged`: one bvec per call. The pages are the physically consecutive
 * frames of that bvec from `bv_offset + iov_offset`.
 */
export function extractBvecPages(
  i: IovIter, pages: PagesRef, maxsize: number, maxpages: number, _extractionFlags: number, res: ExtractResult,
): number {
  let size = skipEmptyBvecs(i, maxsize);
  if (!size) return 0;
  const bv = i.bvec![i.seg]!;
  const skip = bv.bv_offset + i.iov_offset;
  const page = bv.bv_page + Math.floor(skip / PAGE_SIZE);
  const offset = skip % PAGE_SIZE;
  res.offset0 = offset;
  const n = wantPagesArray(pages, size, offset, maxpages);
  if (!n) return -errno.ENOMEM;
  const p = pages.pages!;
  for (let k = 0; k < n; k++) p[k] = page + k;
  size = Math.min(size, n * PAGE_SIZE - offset);
  iovIterAdvance(i, size);
  return size;
}

/**
 * Profile `current`: walk single-page chunks across bvecs while the result stays virtually
 * contiguous: a later chunk that starts inside a page stops the walk before it, a chunk that ends
 * inside a page stops it after it; also stop at `maxpages` or `maxsize`. The array is sized like
 * upstream (from `iov_offset`, not the page offset). Deviation: empty bvecs are stepped over
 * (upstream would list a zero-length page and may return 0 with bytes left).
 */
export function extractBvecPagesMulti(
  i: IovIter, pages: PagesRef, maxsize: number, maxpages: number, _extractionFlags: number, res: ExtractResult,
): number {
  const bvec = i.bvec!;
  if (i.nr_segs === 0) return 0;
  if (i.iov_offset === bvec[i.seg]!.bv_len) {
    i.iov_offset = 0;
    i.nr_segs--;
    i.seg++;
  }
  const n = wantPagesArray(pages, maxsize, i.iov_offset, maxpages);
  if (!n) return -errno.ENOMEM;
  const p = pages.pages!;
  const end = i.seg + i.nr_segs;
  let idx = i.seg;
  let done = i.iov_offset;
  let left = maxsize;
  let k = 0;
  while (left && idx < end) {
    const bv = bvec[idx]!;
    if (done === bv.bv_len) {
      idx++;
      done = 0;
      continue;
    }
    const pos = bv.bv_offset + done;
    const off = pos % PAGE_SIZE;
    const len = Math.min(left, bv.bv_len - done, PAGE_SIZE - off);
    if (k === 0) res.offset0 = off;
    else if (off) break;
    p[k++] = bv.bv_page + Math.floor(pos / PAGE_SIZE);
    left -= len;
    done += len;
    if (k >= n || off + len !== PAGE_SIZE) break;
  }
  const size = maxsize - left;
  iovIterAdvance(i, size);
  return size;
}
