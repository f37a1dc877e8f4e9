/**
 * Folio lock and writeback waits. PG_locked lives in mm's `MemMap.flags` (shared with GUP's
 * unpin-dirty path), PG_writeback in the page cache's own flags. Waiting is a promise per waiter on
 * a per-pfn list: the kernel's hashed folio wait queues, without the hash.
 * @kernel mm/filemap.c folio_wait_bit_common(), folio_unlock(), folio_end_writeback()
 */
import { PG_locked } from '@biopath/mm';
import type { PageCache } from './page-cache.ts';
import { PG_writeback } from './page-flags.ts';

/** @kernel include/linux/page-flags.h folio_test_locked() */
export function folioTestLocked(pc: PageCache, pfn: number): boolean {
  return (pc.mem.flags[pfn] & PG_locked) !== 0;
}

/** Take the lock if it is free. @kernel include/linux/pagemap.h folio_trylock() */
export function folioTrylock(pc: PageCache, pfn: number): boolean {
  const f = pc.mem.flags[pfn];
  if ((f & PG_locked) !== 0) return false;
  pc.mem.flags[pfn] = f | PG_locked;
  return true;
}

/** Wake everyone waiting on `pfn` (they re-check their condition). @kernel mm/filemap.c folio_wake_bit() */
export function folioWake(pc: PageCache, pfn: number): void {
  const list = pc.waiters.get(pfn);
  if (list === undefined) return;
  pc.waiters.delete(pfn);
  for (const wake of list) wake();
}

/** @kernel mm/filemap.c folio_unlock() */
export function folioUnlock(pc: PageCache, pfn: number): void {
  pc.mem.flags[pfn] &= ~PG_locked;
  folioWake(pc, pfn);
}

function waitOnce(pc: PageCache, pfn: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const list = pc.waiters.get(pfn);
    if (list === undefined) pc.waiters.set(pfn, [resolve]);
    else list.push(resolve);
  });
}

/** Resolve once `pfn` is unlocked. @kernel mm/filemap.c folio_wait_locked() */
export async function folioWaitLocked(pc: PageCache, pfn: number): Promise<void> {
  while (folioTestLocked(pc, pfn)) await waitOnce(pc, pfn);
}

/** Wait for the lock, then take it. @kernel mm/filemap.c __folio_lock() */
export async function folioLock(pc: PageCache, pfn: number): Promise<void> {
  while (!folioTrylock(pc, pfn)) await waitOnce(pc, pfn);
}

/** @kernel include/linux/page-flags.h folio_test_writeback() */
export function folioTestWriteback(pc: PageCache, pfn: number): boolean {
  return (pc.flags[pfn] & PG_writeback) !== 0;
}

/** Resolve once `pfn` is not under writeback. @kernel mm/page-writeback.c folio_wait_writeback() */
export async function folioWaitWriteback(pc: PageCache, pfn: number): Promise<void> {
  while (folioTestWriteback(pc, pfn)) await waitOnce(pc, pfn);
}
