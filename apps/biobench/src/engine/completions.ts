/**
 * The completion lists an engine keeps between its completion callback and fio's getevents/event
 * calls: completions are appended to `pend*` as they arrive, `takeCompletions` moves them to `ev*`
 * for getevents, and `completionEvent` hands out the i-th one. Preallocated, no per-IO allocation.
 * @fio engines' ->getevents()/->event() contract (ioengines.h)
 */
import type { IoU } from './io-unit.ts';

export interface Completions {
  units: IoU[];
  /** Completions reported and not yet handed out by getevents. */
  pendSlot: Int32Array;
  pendRes: Int32Array;
  nPend: number;
  /** The completions the last getevents returned. */
  evSlot: Int32Array;
  evRes: Int32Array;
}

/** Empty lists for `units.length` IOs in flight at most. */
export function completionsAlloc(units: IoU[]): Completions {
  const n = units.length;
  return { units, pendSlot: new Int32Array(n), pendRes: new Int32Array(n), nPend: 0, evSlot: new Int32Array(n), evRes: new Int32Array(n) };
}

/** Record that the IO in `slot` completed with `res`. */
export function completionAdd(d: Completions, slot: number, res: number): void {
  d.pendSlot[d.nPend] = slot;
  d.pendRes[d.nPend++] = res;
}

/** Move up to `max` pending completions (oldest first) to the event list; returns how many (getevents' result). */
export function takeCompletions(d: Completions, max = Number.POSITIVE_INFINITY): number {
  const n = Math.min(d.nPend, max);
  for (let k = 0; k < n; k++) {
    d.evSlot[k] = d.pendSlot[k]!;
    d.evRes[k] = d.pendRes[k]!;
  }
  if (n < d.nPend) {
    d.pendSlot.copyWithin(0, n, d.nPend);
    d.pendRes.copyWithin(0, n, d.nPend);
  }
  d.nPend -= n;
  return n;
}

/** The i-th completion of the last getevents, with its result set. */
export function completionEvent(d: Completions, i: number): IoU {
  const io = d.units[d.evSlot[i]!]!;
  io.res = d.evRes[i]!;
  return io;
}
