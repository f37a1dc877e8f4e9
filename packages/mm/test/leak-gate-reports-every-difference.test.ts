/**
 * The leak gate other packages run after each test: silent at baseline, and otherwise naming each
 * frame that differs, the pin-counter imbalance, and WARNs since the snapshot.
 */
import { warnOnOnce, warnOnOnceReset } from '@biopath/native';
import { afterEach, describe, expect, it } from 'vitest';
import {
  GUP_PIN_COUNTING_BIAS, MmStruct, allocPages, createMemMap, destroyMemMap, expectNoLeakedPins, pinUserPagesFast,
  putPage, snapshotPins, unpinUserPages, type MemMap,
} from '../src/index.ts';
import { populated } from './helpers.ts';

let mem: MemMap;
afterEach(() => {
  destroyMemMap(mem);
  warnOnOnceReset();
});

describe('expectNoLeakedPins', () => {
  it('passes when pins and references are back at the baseline', () => {
    mem = createMemMap({ nrPages: 64 });
    const base = snapshotPins(mem);
    const mm = new MmStruct(mem);
    const a = populated(mm, 2);
    const pages = new Int32Array(2);
    expect(pinUserPagesFast(mm, a, 2, 0, pages)).toBe(2);
    unpinUserPages(mem, pages, 2);
    mm.exit();
    expect(() => expectNoLeakedPins(mem, base)).not.toThrow();
  });

  it('reports an outstanding pin with the frame, its refcount and the counters', () => {
    mem = createMemMap({ nrPages: 64 });
    const mm = new MmStruct(mem);
    const a = populated(mm, 1);
    const base = snapshotPins(mem);
    const pages = new Int32Array(1);
    expect(pinUserPagesFast(mm, a, 1, 0, pages)).toBe(1);
    const rc = mem.refcount[pages[0]];
    expect(() => expectNoLeakedPins(mem, base)).toThrow(
      new RegExp(`pfn ${pages[0]}: refcount ${rc - GUP_PIN_COUNTING_BIAS} -> ${rc}, pins held 0 -> 1, maybe DMA-pinned`),
    );
    expect(() => expectNoLeakedPins(mem, base)).toThrow(/\+1 but nr_foll_pin_released \+0/);
    unpinUserPages(mem, pages, 1);
    expect(() => expectNoLeakedPins(mem, base)).not.toThrow();
    mm.exit();
  });

  it('reports a leaked plain reference and a leaked large-folio pincount', () => {
    mem = createMemMap({ nrPages: 64 });
    const base = snapshotPins(mem);
    const pfn = allocPages(mem, 0);
    expect(() => expectNoLeakedPins(mem, base)).toThrow(new RegExp(`1 frame\\(s\\) differ[\\s\\S]*pfn ${pfn}: refcount 0 -> 1`));
    putPage(mem, pfn);
    const mm = new MmStruct(mem);
    const a = populated(mm, 4, 1, { folioOrder: 2 });
    const base2 = snapshotPins(mem);
    const pages = new Int32Array(1);
    expect(pinUserPagesFast(mm, a, 1, 0, pages)).toBe(1);
    expect(() => expectNoLeakedPins(mem, base2)).toThrow(/pincount 0 -> 1/);
    unpinUserPages(mem, pages, 1);
    mm.exit();
    expect(() => expectNoLeakedPins(mem, base)).not.toThrow();
  });

  it('reports WARNs fired since the snapshot unless allowed', () => {
    mem = createMemMap({ nrPages: 8 });
    const base = snapshotPins(mem);
    warnOnOnce(true, 'mm test: provoked warning');
    expect(() => expectNoLeakedPins(mem, base)).toThrow(/1 WARN_ON_ONCE/);
    expect(() => expectNoLeakedPins(mem, base, { allowWarnings: true })).not.toThrow();
  });
});
