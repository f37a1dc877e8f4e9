/**
 * Keeping direct and buffered IO coherent around an O_DIRECT request on the same device: before
 * it, cached dirty data in its range is written (a direct read then sees it, and it cannot later
 * overwrite a direct write); a direct write also drops the cached copy before and after.
 * @kernel mm/filemap.c kiocb_write_and_wait(), kiocb_invalidate_pages(), kiocb_invalidate_post_direct_write()
 */
import type { AddressSpace } from './address-space.ts';
import { BiopathError, errnoName } from './internal/native.ts';
import { invalidateRange, type InvalidateResult } from './truncate.ts';
import { filemapWriteAndWaitRange } from './writeback.ts';

function checkSpan(fn: string, pos: number, len: number): void {
  if (!Number.isSafeInteger(pos) || pos < 0 || !Number.isSafeInteger(len) || len < 0) {
    throw new BiopathError('EINVAL', `${fn}(pos, len): [${pos}, +${len}) is not a byte range`);
  }
}

/**
 * Write back and wait for cached dirty data in `[pos, pos + len)` before a direct read of it.
 * Rejects with the writeback's error. @kernel mm/filemap.c kiocb_write_and_wait()
 */
export async function kiocbWriteAndWait(as: AddressSpace, pos: number, len: number): Promise<void> {
  checkSpan('kiocbWriteAndWait', pos, len);
  if (len === 0) return;
  const err = await filemapWriteAndWaitRange(as, pos, pos + len - 1);
  if (err !== 0) throw new BiopathError(errnoName(-err), `kiocbWriteAndWait: writeback of [${pos}, +${len}) failed`);
}

/**
 * Before a direct write of `[pos, pos + len)`: write back and drop the cached pages there.
 * Rejects with EBUSY when a pinned folio could not be dropped (the kernel's -EBUSY, on which
 * callers fall back to buffered IO). @kernel mm/filemap.c kiocb_invalidate_pages()
 */
export async function kiocbInvalidatePages(as: AddressSpace, pos: number, len: number): Promise<InvalidateResult> {
  checkSpan('kiocbInvalidatePages', pos, len);
  const r = len === 0 ? { nr_invalidated: 0, nr_forgotten: 0, nr_busy: 0 } : await invalidateRange(as, pos, pos + len - 1);
  if (r.nr_busy > 0) throw new BiopathError('EBUSY', `kiocbInvalidatePages: ${r.nr_busy} pinned or redirtied folio(s) in [${pos}, +${len})`);
  return r;
}

/**
 * After a direct write of `[pos, pos + len)`: drop what a buffered read cached meanwhile. A folio
 * that cannot go (pinned) is left stale and reported in `nr_busy`, as the kernel only warns.
 * @kernel mm/filemap.c kiocb_invalidate_post_direct_write()
 */
export async function kiocbInvalidatePostDirectWrite(as: AddressSpace, pos: number, len: number): Promise<InvalidateResult> {
  checkSpan('kiocbInvalidatePostDirectWrite', pos, len);
  if (len === 0) return { nr_invalidated: 0, nr_forgotten: 0, nr_busy: 0 };
  return invalidateRange(as, pos, pos + len - 1);
}
