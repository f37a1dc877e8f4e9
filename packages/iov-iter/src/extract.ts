/**
 * Page extraction: list the pages behind the front of an iterator, pinning them if (and only if)
 * the iterator is user-backed, and advance past what was listed.
 *
 * @kernel lib/iov_iter.c iov_iter_extract_pages(); include/linux/uio.h iov_iter_extract_will_pin()
 */
import { FOLL_PIN, type Profile } from '@biopath/mm';
import {
  ITER_BVEC, ITER_FOLIOQ, ITER_IOVEC, ITER_KVEC, ITER_PIPE, ITER_UBUF, ITER_XARRAY, MAX_RW_COUNT,
} from './constants.ts';
import { type ExtractResult, type IovIter, type PagesRef, userBackedIter } from './iov-iter.ts';
import { extractBvecPages, extractBvecPagesMulti } from './internal/extract-bvec.ts';
import { extractFolioqPages } from './internal/extract-folioq.ts';
import { extractKvecPages } from './internal/extract-kvec.ts';
import { extractPipePages } from './internal/extract-pipe.ts';
import { extractUserPages } from './internal/extract-user.ts';
import { extractXarrayPages } from './internal/extract-xarray.ts';
import { BiopathError, errno } from './internal/errors.ts';

const WILL_PIN: readonly Profile[] = ['merged', 'current'];
const V8_ONLY: readonly Profile[] = ['v8'];

/** Throw unless the iterator's profile has the API (iterators without memory have no profile). */
function requireProfile(fn: string, i: IovIter, allowed: readonly Profile[], what: string): void {
  const mem = i.mem;
  if (mem !== null && !allowed.includes(mem.profile)) {
    throw new BiopathError('EOPNOTSUPP', `${fn}(i): profile ${mem.profile} has no ${what}`);
  }
}

/** Validate maxsize/maxpages (size_t / unsigned int: non-negative; Infinity means "no limit"). */
export function checkExtractArgs(fn: string, maxsize: number, maxpages: number): void {
  if (!(maxsize >= 0)) throw new BiopathError('EINVAL', `${fn}(maxsize): ${maxsize} is not a size`);
  if (!(maxpages >= 0) || (maxpages !== Infinity && !Number.isInteger(maxpages))) {
    throw new BiopathError('EINVAL', `${fn}(maxpages): ${maxpages} is not a page count`);
  }
}

function extractDispatch(
  i: IovIter, pages: PagesRef, maxsize: number, maxpages: number, flags: number, res: ExtractResult,
): number {
  switch (i.iter_type) {
    case ITER_UBUF:
    case ITER_IOVEC:
      return extractUserPages(i, pages, maxsize, maxpages, flags, res);
    case ITER_KVEC:
      return extractKvecPages(i, pages, maxsize, maxpages, flags, res);
    case ITER_BVEC:
      return i.mem!.profile === 'current'
        ? extractBvecPagesMulti(i, pages, maxsize, maxpages, flags, res)
        : extractBvecPages(i, pages, maxsize, maxpages, flags, res);
    case ITER_XARRAY:
      return extractXarrayPages(i, pages, maxsize, maxpages, res, false);
    case ITER_FOLIOQ:
      return extractFolioqPages(i, pages, maxsize, maxpages, res, false);
    case ITER_PIPE:
      return extractPipePages(i, pages, maxsize, maxpages, res, false);
    default: /* ITER_DISCARD */
      return -errno.EFAULT;
  }
}

/**
 * Extract up to `maxsize` bytes and `maxpages` pages from the front of `i` and advance past them.
 *
 * On success `bytes` > 0 and the bytes lie in `pages.pages[0 .. ceil((offset0 + bytes) / PAGE_SIZE))`,
 * from `offset0` in the first page, every page but the last used to its end (virtually contiguous).
 * `bytes` is 0 when there is nothing to extract (nothing touched, no allocation), or a negative errno
 * with the iterator unmoved and nothing retained: -EFAULT (DISCARD, unmappable first user page),
 * -ENOMEM (`maxpages` 0, with a WARN), -EREMOTEIO (P2PDMA page without ITER_ALLOW_P2PDMA), -EIO.
 *
 * Retention: UBUF/IOVEC pages carry one pin each (release with `unpinUserPage(s)`; the shared zero
 * page is returned unpinned in `merged`/`current`); every other type only lists pages. PIPE (`v8`)
 * appends pages the pipe owns. If `pages.pages` is null an array is allocated and left there, also
 * on failure. `res` may be passed to avoid allocating a result. Profile `legacy` (6.2) has no such
 * function: use {@link iovIterGetPages2}. BVEC: one bvec per call except in profile `current`.
 * @kernel lib/iov_iter.c iov_iter_extract_pages()
 */
export function iovIterExtractPages(
  i: IovIter, pages: PagesRef, maxsize: number, maxpages: number, extractionFlags: number,
  res: ExtractResult = { bytes: 0, offset0: 0 },
): ExtractResult {
  checkExtractArgs('iovIterExtractPages', maxsize, maxpages);
  if (i.mem !== null && i.mem.profile === 'legacy') {
    throw new BiopathError('EOPNOTSUPP', 'iovIterExtractPages(i): profile legacy has no iov_iter_extract_pages() (use iovIterGetPages2)');
  }
  maxsize = Math.min(maxsize, i.count, MAX_RW_COUNT);
  res.bytes = maxsize ? extractDispatch(i, pages, maxsize, maxpages, extractionFlags, res) : 0;
  return res;
}

/**
 * Whether pages extracted from `i` carry pins that must be released with `unpinUserPage(s)`
 * (true for UBUF and IOVEC). Profiles `merged` and `current` (v9 renamed v8's extract_mode).
 * @kernel include/linux/uio.h iov_iter_extract_will_pin()
 */
export function iovIterExtractWillPin(i: IovIter): boolean {
  requireProfile('iovIterExtractWillPin', i, WILL_PIN, 'iov_iter_extract_will_pin()');
  return userBackedIter(i);
}

/**
 * How extracted pages must be cleaned up: FOLL_PIN (mm's 6.2 value, what `pagePutUnpin` takes) for
 * UBUF/IOVEC, else 0. Profile `v8` only. @kernel include/linux/uio.h (v8) iov_iter_extract_mode()
 */
export function iovIterExtractMode(i: IovIter): number {
  requireProfile('iovIterExtractMode', i, V8_ONLY, 'iov_iter_extract_mode() (v8 only)');
  return userBackedIter(i) ? FOLL_PIN : 0;
}
