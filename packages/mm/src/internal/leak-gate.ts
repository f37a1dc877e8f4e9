/**
 * The leak gate: snapshot pin/ref state, then check that every frame and the global counters
 * came back to it. Other packages call this at the end of each test.
 */
import { warnOnOnceCount } from './arena.ts';
import { folioHasPincount, type MemMap } from './mem-map.ts';
import { folioMaybeDmaPinned } from './gup-grab.ts';

/** What {@link snapshotPins} records. */
export interface PinSnapshot {
  readonly nrFollPinAcquired: number;
  readonly nrFollPinReleased: number;
  readonly refcount: Int32Array;
  readonly pincount: Int32Array;
  readonly dbgPins: Int32Array;
  readonly warnCount: number;
  /** swap slots in use */
  readonly swapSlots: number;
}

/** Record the counters and a copy of every frame's refcount and pincount. */
export function snapshotPins(mem: MemMap): PinSnapshot {
  return {
    nrFollPinAcquired: mem.nrFollPinAcquired,
    nrFollPinReleased: mem.nrFollPinReleased,
    refcount: mem.refcount.slice(),
    pincount: mem.pincount.slice(),
    dbgPins: mem.dbgPins.slice(),
    warnCount: warnOnOnceCount(),
    swapSlots: mem.swapSlots.size,
  };
}

/** Describe frames whose state differs from the baseline, at most `limit` of them. */
function frameDiffs(mem: MemMap, base: PinSnapshot, limit: number, refs: boolean): { lines: string[]; total: number } {
  const lines: string[] = [];
  let total = 0;
  for (let pfn = 0; pfn < mem.nrPages; pfn++) {
    const rc = mem.refcount[pfn];
    const pc = mem.pincount[pfn];
    const pins = mem.dbgPins[pfn];
    if ((!refs || rc === base.refcount[pfn]) && pc === base.pincount[pfn] && pins === base.dbgPins[pfn]) continue;
    total++;
    if (lines.length >= limit) continue;
    const parts = [`pfn ${pfn}: refcount ${base.refcount[pfn]} -> ${rc}`];
    if (folioHasPincount(mem, pfn) || pc !== base.pincount[pfn]) parts.push(`pincount ${base.pincount[pfn]} -> ${pc}`);
    if (pins !== base.dbgPins[pfn]) parts.push(`pins held ${base.dbgPins[pfn]} -> ${pins}`);
    if (rc > 0 && folioMaybeDmaPinned(mem, pfn)) parts.push('maybe DMA-pinned');
    lines.push(parts.join(', '));
  }
  return { lines, total };
}

/**
 * Throw an Error listing each frame whose refcount/pincount differs from `baseline`, the pin-counter
 * imbalance, swap slots left in use, and any WARN fired since the snapshot (unless `allowWarnings`). With `refs: false` only
 * pins are compared (pincount, pins held, the FOLL_PIN counters): for a MemMap whose owner may
 * legitimately keep new references (pages faulted into a mapping that outlives the check).
 */
export function expectNoLeakedPins(mem: MemMap, baseline: PinSnapshot, opts?: { allowWarnings?: boolean; refs?: boolean }): void {
  const problems: string[] = [];
  const acquired = mem.nrFollPinAcquired - baseline.nrFollPinAcquired;
  const released = mem.nrFollPinReleased - baseline.nrFollPinReleased;
  if (acquired !== released) {
    problems.push(`nr_foll_pin_acquired +${acquired} but nr_foll_pin_released +${released} (${acquired - released} pins outstanding)`);
  }
  const { lines, total } = frameDiffs(mem, baseline, 20, opts?.refs !== false);
  if (total > 0) problems.push(`${total} frame(s) differ from the baseline:`, ...lines.map((l) => `  ${l}`));
  if (total > lines.length) problems.push(`  ... and ${total - lines.length} more`);
  if (mem.swapSlots.size !== baseline.swapSlots) {
    problems.push(`swap slots in use ${baseline.swapSlots} -> ${mem.swapSlots.size}`);
  }
  const warns = warnOnOnceCount() - baseline.warnCount;
  if (warns !== 0 && opts?.allowWarnings !== true) problems.push(`${warns} WARN_ON_ONCE report(s) since the baseline`);
  if (problems.length > 0) throw new Error(`leaked pins/references:\n${problems.join('\n')}`);
}
