/**
 * Dirty tracking of mmap runs: a write through a shared view is seen either as a write fault the
 * worker mapped writable (RUN_DIRTY) or as a write-protect fault the handler logged; both become
 * dirty folios before writeback. Writeback write-protects the view page first, so the next write
 * faults and dirties the folio again. Used by the run's `writepages` and by munmap.
 * @kernel mm/page-writeback.c folio_mkclean(), mm/rmap.c page_mkclean_one(); mm/memory.c wp_page_shared()
 */
import { PAGE_SIZE, PG_dirty } from '@biopath/mm';
import type { AddressSpace } from './address-space.ts';
import { folioMarkDirty } from './filemap.ts';
import { UFFD_PAGEFAULT_FLAG_WP } from './internal/native.ts';
import { RUN_DIRTY, RUN_ERROR, RUN_STATE_MASK, RUN_UPTODATE, type MmapRun } from './mmap-run.ts';

/** Turn a run's logged write-protect faults into dirty folios. */
function drainWpFaults(run: MmapRun): void {
  const u = run.uffd;
  const view = run.view;
  if (u === null || view === null) return;
  if (u.stats().droppedEvents > 0) run.lostEvents = true;
  for (const ev of u.drainEvents()) {
    if ((ev.flags & UFFD_PAGEFAULT_FLAG_WP) === 0) continue;
    const k = Math.floor((ev.iova - view.iova) / PAGE_SIZE);
    if (k >= 0 && k < run.nrPages) Atomics.or(run.state, k, RUN_DIRTY);
  }
}

/** Mark dirty every run frame in pages [first, last] written through the view or by a DMA. */
function collectRun(as: AddressSpace, run: MmapRun, first: number, last: number): void {
  if (run.shared) drainWpFaults(run);
  const from = Math.max(first, run.firstIndex) - run.firstIndex;
  const to = Math.min(last, run.firstIndex + run.nrPages - 1) - run.firstIndex;
  const mem = as.pc.mem;
  for (let k = from; k <= to; k++) {
    const pfn = run.firstPfn + k;
    const s = Atomics.load(run.state, k);
    const uptodate = (s & RUN_STATE_MASK) === RUN_UPTODATE;
    // A page whose read failed is never written back (writes through its zero page are dropped).
    if (!uptodate && (s & RUN_ERROR) !== 0) continue;
    const viewDirty = run.shared && uptodate && ((s & RUN_DIRTY) !== 0 || run.lostEvents);
    if (viewDirty || (mem.flags[pfn] & PG_dirty) !== 0) folioMarkDirty(as, pfn);
  }
}

/** Before writeback of pages [first, last]: account every write through a run's view the cache was not told about. */
export function runCollectDirty(as: AddressSpace, first: number, last: number): void {
  for (const run of as.runs) {
    if (run.firstIndex > last || run.firstIndex + run.nrPages - 1 < first) continue;
    collectRun(as, run, first, last);
    if (first <= run.firstIndex && last >= run.firstIndex + run.nrPages - 1) run.lostEvents = false;
  }
}

/**
 * Write-protect run frame `pfn` in its view and forget its view-dirty bit, just before its
 * writeback clears PG_dirty: a later write faults again. @kernel mm/page-writeback.c folio_mkclean()
 */
export function runMkclean(as: AddressSpace, pfn: number): void {
  for (const run of as.runs) {
    const k = pfn - run.firstPfn;
    if (k < 0 || k >= run.nrPages) continue;
    Atomics.and(run.state, k, ~RUN_DIRTY);
    if (!run.shared || run.uffd === null || run.view === null) return;
    if ((Atomics.load(run.state, k) & RUN_STATE_MASK) !== RUN_UPTODATE) return;
    run.uffd.writeProtect(run.view.iova + k * PAGE_SIZE, PAGE_SIZE, true);
    return;
  }
}
