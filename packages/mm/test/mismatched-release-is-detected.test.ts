/**
 * docs/KERNEL-SEMANTICS.md §2.2 / §6 ex. 18: put_page on a pinned page leaks GUP_PIN_COUNTING_BIAS - 1
 * references and leaves the page maybe-pinned forever; unpin on a FOLL_GET page underflows. Both WARN
 * when they happen and both are reported by the leak gate.
 */
import { warnOnOnceCount, warnOnOnceReset } from '@biopath/native';
import { allowLeaks } from '@biopath/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FOLL_WRITE, GUP_PIN_COUNTING_BIAS, MmStruct, PROFILES, createMemMap, destroyMemMap, expectNoLeakedPins,
  folioMaybeDmaPinned, getUserPagesFast, pinUserPagesFast, putPage, snapshotPins, unpinUserPage, type MemMap,
} from '../src/index.ts';
import { populated } from './helpers.ts';

let mem: MemMap | null = null;
afterEach(() => {
  if (mem !== null) destroyMemMap(mem);
  mem = null;
  warnOnOnceReset();
});

describe.each(PROFILES.map((profile) => ({ profile })))('profile $profile', ({ profile }) => {
  it('put_page on a pinned page WARNs, keeps it maybe-pinned, and the leak gate reports the leak', () => {
    warnOnOnceReset();
    allowLeaks('the leak is the point: it shows the gate reports it');
    mem = createMemMap({ nrPages: 64, profile });
    const base = snapshotPins(mem);
    const mm = new MmStruct(mem);
    const a = populated(mm, 1);
    const pages = new Int32Array(1);
    expect(pinUserPagesFast(mm, a, 1, FOLL_WRITE, pages)).toBe(1);
    putPage(mem, pages[0]);
    expect(warnOnOnceCount()).toBe(1);
    // Still mapped: the pin "never goes away" as far as fork and reclaim can tell.
    expect(folioMaybeDmaPinned(mem, pages[0])).toBe(true);
    mm.exit();
    // Unmapped: GUP_PIN_COUNTING_BIAS - 1 references leaked, the frame is never freed.
    expect(mem.refcount[pages[0]]).toBe(GUP_PIN_COUNTING_BIAS - 1);
    expect(() => expectNoLeakedPins(mem!, base, { allowWarnings: true }))
      .toThrow(new RegExp(`pfn ${pages[0]}: refcount 0 -> 1023, pins held 0 -> 1`));
    expect(() => expectNoLeakedPins(mem!, base, { allowWarnings: true })).toThrow(/1 pins outstanding/);
  });

  it('unpin on a FOLL_GET page WARNs, underflows the refcount and unbalances the counters', () => {
    warnOnOnceReset();
    allowLeaks('the leak is the point: it shows the gate reports it');
    mem = createMemMap({ nrPages: 64, profile });
    const base = snapshotPins(mem);
    const mm = new MmStruct(mem);
    const a = populated(mm, 1);
    const pages = new Int32Array(1);
    expect(getUserPagesFast(mm, a, 1, 0, pages)).toBe(1);
    const rc = mem.refcount[pages[0]];
    unpinUserPage(mem, pages[0]);
    expect(warnOnOnceCount()).toBeGreaterThanOrEqual(1);
    expect(mem.refcount[pages[0]]).toBe(rc - GUP_PIN_COUNTING_BIAS);
    mm.exit();
    expect(() => expectNoLeakedPins(mem!, base, { allowWarnings: true }))
      .toThrow(/nr_foll_pin_acquired \+0 but nr_foll_pin_released \+1/);
    expect(() => expectNoLeakedPins(mem!, base)).toThrow(/WARN_ON_ONCE/);
  });
});
