/**
 * The `deferred` release mode: completion only records (frame range, pin-or-ref, dirty) in a ring;
 * the pages are released later in batches — when the ring fills, at the next turn of the event loop,
 * or on `blkFlushDeferredRelease()`. Models releasing off the completion path (the kernel defers
 * dirty-page release of DIO reads to a workqueue the same way).
 */
import { type MemMap, putPage, setPageDirty, unpinUserPageRangeDirtyLock } from '@biopath/mm';
import type { Bio } from '../bio-types.ts';

/** Ring entries that trigger a synchronous flush. */
export const DEFERRED_BATCH = 512;

let cap = 1024;
let pfn = new Int32Array(cap);
let npages = new Int32Array(cap);
let kind = new Uint8Array(cap); // bit0 pin, bit1 dirty
let mems: (MemMap | null)[] = new Array<MemMap | null>(cap).fill(null);
let len = 0;
let scheduled = false;
let batches = 0;

function grow(): void {
  cap *= 2;
  const p = new Int32Array(cap); p.set(pfn); pfn = p;
  const n = new Int32Array(cap); n.set(npages); npages = n;
  const k = new Uint8Array(cap); k.set(kind); kind = k;
  mems = mems.concat(new Array<MemMap | null>(cap / 2).fill(null));
}

function onImmediate(): void {
  scheduled = false;
  blkFlushDeferredRelease();
}

/** Record a bio's pages for later release. */
export function deferRelease(bio: Bio, mem: MemMap, markDirty: boolean, pin: boolean): void {
  const vecs = bio.bi_io_vec;
  for (let i = 0; i < bio.bi_vcnt; i++) {
    if (len === cap) grow();
    const bv = vecs[i];
    pfn[len] = bv.bv_page + (bv.bv_offset >>> 12);
    npages[len] = ((bv.bv_offset + bv.bv_len - 1) >>> 12) - (bv.bv_offset >>> 12) + 1;
    kind[len] = (pin ? 1 : 0) | (markDirty ? 2 : 0);
    mems[len] = mem;
    len++;
  }
  if (len >= DEFERRED_BATCH) blkFlushDeferredRelease();
  else if (!scheduled && len > 0) {
    scheduled = true;
    setImmediate(onImmediate);
  }
}

/** Release everything recorded so far. Returns how many ranges were released. */
export function blkFlushDeferredRelease(): number {
  const n = len;
  for (let i = 0; i < n; i++) {
    const mem = mems[i]!;
    const k = kind[i];
    if ((k & 1) !== 0) {
      unpinUserPageRangeDirtyLock(mem, pfn[i], npages[i], (k & 2) !== 0);
    } else {
      for (let p = pfn[i]; p < pfn[i] + npages[i]; p++) {
        if ((k & 2) !== 0 && mem.order[mem.head[p]] === 0) setPageDirty(mem, p);
        putPage(mem, p);
      }
    }
    mems[i] = null;
  }
  len = 0;
  if (n > 0) batches++;
  return n;
}

/** Ranges waiting for release, and batches released so far (observable). */
export function deferredReleaseStats(): { pending: number; batches: number } {
  return { pending: len, batches };
}
