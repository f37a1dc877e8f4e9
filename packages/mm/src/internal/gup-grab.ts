/**
 * Taking and dropping GUP references and pins on a folio, and the "maybe pinned" test.
 * @kernel mm/gup.c try_grab_folio()
 */
import { errno, warnOnOnce } from './arena.ts';
import { GUP_PIN_COUNTING_BIAS, MMF_HAS_PINNED } from './constants.ts';
import { FOLL_GET, FOLL_PCI_P2PDMA, FOLL_PIN } from './foll-flags.ts';
import { folioHasPincount, type MemMap } from './mem-map.ts';
import { PG_p2pdma } from './page-flags.ts';
import { folioPutRefs } from './page-ref.ts';

/**
 * Take `refs` FOLL_GET references or FOLL_PIN pins on the folio holding `pfn`.
 * Returns 0, -ENOMEM (free folio, WARN) or -EREMOTEIO (P2PDMA page without FOLL_PCI_P2PDMA).
 * Under `merged`/`current` a pin on the zero page changes nothing.
 * @kernel mm/gup.c try_grab_folio()
 */
export function tryGrabFolio(mem: MemMap, pfn: number, refs: number, flags: number): number {
  const head = mem.head[pfn];
  if (warnOnOnce(mem.refcount[head] <= 0, 'mm: try_grab_folio on a folio with refcount <= 0')) return -errno.ENOMEM;
  if ((mem.flags[head] & PG_p2pdma) !== 0 && (flags & FOLL_PCI_P2PDMA) === 0) return -errno.EREMOTEIO;
  if (flags & FOLL_GET) {
    mem.refcount[head] += refs;
    return 0;
  }
  if ((flags & FOLL_PIN) === 0) return 0;
  if (head === mem.zeroPfn && mem.zeroPageNeverPinned) return 0;
  if (folioHasPincount(mem, head)) {
    mem.refcount[head] += refs;
    mem.pincount[head] += refs;
  } else {
    mem.refcount[head] += refs * GUP_PIN_COUNTING_BIAS;
  }
  mem.dbgPins[head] += refs;
  mem.nrFollPinAcquired += refs;
  return 0;
}

/**
 * Drop `refs` references (FOLL_GET) or pins (FOLL_PIN) from the folio headed by `head`.
 * Unpinning a folio that holds no pin WARNs ("unpin on a ref'd page"); the arithmetic is still
 * applied, so the resulting underflow is visible to the leak gate, as in the kernel.
 * @kernel mm/gup.c gup_put_folio()
 */
export function gupPutFolio(mem: MemMap, head: number, refs: number, flags: number): void {
  if (flags & FOLL_PIN) {
    if (head === mem.zeroPfn && mem.zeroPageNeverPinned) return;
    warnOnOnce(mem.dbgPins[head] < refs, 'mm: unpin of a page that is not pinned (use put_page)');
    mem.dbgPins[head] -= refs;
    mem.nrFollPinReleased += refs;
    if (folioHasPincount(mem, head)) mem.pincount[head] -= refs;
    else refs *= GUP_PIN_COUNTING_BIAS;
  }
  folioPutRefs(mem, head, refs);
}

/**
 * One more pin on an already pinned folio (a no-op on the zero page when pins skip it).
 * Deviation: also counts in `nrFollPinAcquired`, so a later unpin keeps the counters balanced
 * (the kernel leaves NR_FOLL_PIN_ACQUIRED alone here).
 * @kernel mm/gup.c folio_add_pin()
 */
export function folioAddPin(mem: MemMap, pfn: number): void {
  const head = mem.head[pfn];
  if (head === mem.zeroPfn && mem.zeroPageNeverPinned) return;
  if (folioHasPincount(mem, head)) {
    warnOnOnce(mem.pincount[head] < 1, 'mm: folio_add_pin on an unpinned large folio');
    mem.refcount[head] += 1;
    mem.pincount[head] += 1;
  } else {
    warnOnOnce(mem.refcount[head] < GUP_PIN_COUNTING_BIAS, 'mm: folio_add_pin on an unpinned folio');
    mem.refcount[head] += GUP_PIN_COUNTING_BIAS;
  }
  mem.dbgPins[head] += 1;
  mem.nrFollPinAcquired += 1;
}

/**
 * Whether the folio holding `pfn` may be DMA-pinned: exact for folios with a pincount, otherwise
 * `refcount >= GUP_PIN_COUNTING_BIAS` compared unsigned (false positives allowed).
 * @kernel include/linux/mm.h folio_maybe_dma_pinned()
 */
export function folioMaybeDmaPinned(mem: MemMap, pfn: number): boolean {
  const head = mem.head[pfn];
  if (folioHasPincount(mem, head)) return mem.pincount[head] > 0;
  return mem.refcount[head] >>> 0 >= GUP_PIN_COUNTING_BIAS;
}

/**
 * Whether fork must copy this anon folio for the child: the mm has ever pinned (MMF_HAS_PINNED)
 * and the folio may be pinned. @kernel include/linux/mm.h folio_needs_cow_for_dma()
 */
export function folioNeedsCowForDma(mm: { readonly mem: MemMap; flags: number }, pfn: number): boolean {
  return (mm.flags & MMF_HAS_PINNED) !== 0 && folioMaybeDmaPinned(mm.mem, pfn);
}
