/**
 * docs/KERNEL-SEMANTICS.md §2.2 / §6 ex. 19: folio_add_pin() adds a pin to an already pinned folio, WARNs
 * when the folio is not pinned, and is a no-op on the zero page where pins skip it.
 */
import { warnOnOnceCount, warnOnOnceReset } from '@biopath/native';
import { describe, expect, it } from 'vitest';
import {
  GUP_PIN_COUNTING_BIAS, PAGE_SIZE, folioAddPin, pinUserPagesFast, unpinUserPage, unpinUserPages,
} from '../src/index.ts';
import { populated, withMm } from './helpers.ts';

describe.each([{ order: 0 }, { order: 2 }])('order-$order folio', ({ order }) => {
  it('on a pinned folio adds exactly one pin', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 1 << order, 3, { folioOrder: order });
      const pages = new Int32Array(1);
      expect(pinUserPagesFast(mm, a, 1, 0, pages)).toBe(1);
      const head = mem.head[pages[0]];
      const rc = mem.refcount[head];
      const pc = mem.pincount[head];
      folioAddPin(mem, pages[0]);
      expect(mem.refcount[head] - rc).toBe(order > 0 ? 1 : GUP_PIN_COUNTING_BIAS);
      expect(mem.pincount[head] - pc).toBe(order > 0 ? 1 : 0);
      unpinUserPage(mem, pages[0]);
      unpinUserPages(mem, pages, 1);
    });
  });

  it('on an unpinned folio WARNs', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 1 << order, 3, { folioOrder: order });
      const pfn = mm.followPage(a);
      folioAddPin(mem, pfn);
      expect(warnOnOnceCount()).toBe(1);
      unpinUserPage(mem, pfn);
      warnOnOnceReset();
    });
  });
});

it('on the zero page (merged) changes nothing', () => {
  withMm({ profile: 'merged' }, ({ mem, mm }) => {
    const a = mm.mmap(PAGE_SIZE);
    const pages = new Int32Array(1);
    expect(pinUserPagesFast(mm, a, 1, 0, pages)).toBe(1);
    expect(pages[0]).toBe(mem.zeroPfn);
    const rc = mem.refcount[mem.zeroPfn];
    const acq = mem.nrFollPinAcquired;
    folioAddPin(mem, pages[0]);
    expect(mem.refcount[mem.zeroPfn]).toBe(rc);
    expect(mem.nrFollPinAcquired).toBe(acq);
    expect(warnOnOnceCount()).toBe(0);
  });
});
