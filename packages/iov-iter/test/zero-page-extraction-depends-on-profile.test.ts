/**
 * Untouched anonymous memory as a DIO source is the shared zero page: 6.5+ returns it without a pin,
 * v8 on a pre-6.5 mm pins it fully (+1024), legacy takes a plain reference (example 17).
 */
import { GUP_PIN_COUNTING_BIAS, PAGE_SIZE, putPage, unpinUserPage, type Profile } from '@biopath/mm';
import { describe, expect, test } from 'vitest';
import {
  ITER_SOURCE, createIovIter, iovIterExtractPages, iovIterGetPages2, iovIterUbuf, type PagesRef,
} from '../src/index.ts';
import { withEnv } from './helpers.ts';

describe.each<[Profile, number, number]>([['merged', 0, 0], ['current', 0, 0], ['v8', GUP_PIN_COUNTING_BIAS, 1]])(
  'profile %s extraction',
  (profile, refDelta, pinDelta) => {
    test(`returns the zero page with refcount +${refDelta} and ${pinDelta} pin(s) accounted; unpin undoes it`, () => {
      withEnv(profile, ({ mem, mm }) => {
        const a = mm.mmap(2 * PAGE_SIZE);
        const z = mem.zeroPfn;
        const rc = mem.refcount[z]!;
        const acquired = mem.nrFollPinAcquired;
        const i = iovIterUbuf(createIovIter(), ITER_SOURCE, mm, a, 2 * PAGE_SIZE);
        const pages: PagesRef = { pages: null };
        expect(iovIterExtractPages(i, pages, Infinity, 8, 0).bytes).toBe(2 * PAGE_SIZE);
        expect(Array.from(pages.pages!)).toEqual([z, z]);
        expect(mem.refcount[z]! - rc).toBe(2 * refDelta);
        expect(mem.nrFollPinAcquired - acquired).toBe(2 * pinDelta);
        unpinUserPage(mem, z);
        unpinUserPage(mem, z);
        expect(mem.refcount[z]).toBe(rc);
        expect(mem.nrFollPinReleased - acquired).toBe(2 * pinDelta);
      });
    });
  },
);

describe('profile legacy get_pages2', () => {
  test('takes a plain reference on the zero page, dropped by putPage; no pin accounting', () => {
    withEnv('legacy', ({ mem, mm }) => {
      const a = mm.mmap(PAGE_SIZE);
      const z = mem.zeroPfn;
      const rc = mem.refcount[z]!;
      const pages = new Int32Array(1);
      const i = iovIterUbuf(createIovIter(), ITER_SOURCE, mm, a, PAGE_SIZE);
      expect(iovIterGetPages2(i, pages, Infinity, 1).bytes).toBe(PAGE_SIZE);
      expect(pages[0]).toBe(z);
      expect(mem.refcount[z]).toBe(rc + 1);
      expect(mem.nrFollPinAcquired).toBe(0);
      putPage(mem, z);
      expect(mem.refcount[z]).toBe(rc);
    });
  });
});
