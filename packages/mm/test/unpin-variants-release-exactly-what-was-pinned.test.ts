/**
 * docs/KERNEL-SEMANTICS.md §2.4: the release APIs. unpin_user_pages skips NULL entries and groups entries of
 * one folio; the dirty-lock variants dirty each folio once; the range variant walks physically
 * consecutive pages folio by folio; v8's put-or-unpin dispatches on FOLL_PIN/FOLL_GET.
 */
import { describe, expect, it } from 'vitest';
import {
  FOLL_GET, FOLL_PIN, FOLL_V8, FOLL_WRITE, follFromV8, folioPutUnpin, getUserPagesFast, pageDirty,
  pagePutUnpin, pinUserPagesFast, unpinUserPageRangeDirtyLock, unpinUserPages, unpinUserPagesDirtyLock,
} from '../src/index.ts';
import { populated, withMm } from './helpers.ts';

describe('unpinUserPages', () => {
  it('skips NULL (< 0) entries and releases each pinned entry once', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 2);
      const pages = new Int32Array(5).fill(-1);
      expect(pinUserPagesFast(mm, a, 1, 0, pages, 1)).toBe(1);
      expect(pinUserPagesFast(mm, a + 4096, 1, 0, pages, 3)).toBe(1);
      unpinUserPages(mem, pages, 5);
    });
  });

  it('a run of entries from one large folio is released as one group', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 4, 1, { folioOrder: 2 });
      const pages = new Int32Array(4);
      expect(pinUserPagesFast(mm, a, 4, 0, pages)).toBe(4);
      const head = mem.head[pages[0]];
      expect(mem.pincount[head]).toBe(4);
      unpinUserPages(mem, pages, 2, 1);
      expect(mem.pincount[head]).toBe(2);
      unpinUserPages(mem, pages, 1, 0);
      unpinUserPages(mem, pages, 1, 3);
      expect(mem.pincount[head]).toBe(0);
    });
  });
});

describe.each([{ makeDirty: true }, { makeDirty: false }])('unpinUserPagesDirtyLock(makeDirty=$makeDirty)', ({ makeDirty }) => {
  it('dirties every pinned folio only when asked, and releases the pins', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 3);
      const pages = new Int32Array(3);
      expect(pinUserPagesFast(mm, a, 3, FOLL_WRITE, pages)).toBe(3);
      for (const p of pages) expect(pageDirty(mem, p)).toBe(false);
      unpinUserPagesDirtyLock(mem, pages, 3, makeDirty);
      for (const p of pages) expect(pageDirty(mem, p)).toBe(makeDirty);
    });
  });

  it('range variant over a large folio and a following small page', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 4, 1, { folioOrder: 2 });
      const pages = new Int32Array(4);
      expect(pinUserPagesFast(mm, a, 4, FOLL_WRITE, pages)).toBe(4);
      const head = mem.head[pages[0]];
      unpinUserPageRangeDirtyLock(mem, pages[1], 3, makeDirty);
      expect(mem.pincount[head]).toBe(1);
      expect(pageDirty(mem, head)).toBe(makeDirty);
      unpinUserPageRangeDirtyLock(mem, pages[0], 1, false);
      expect(mem.pincount[head]).toBe(0);
    });
  });
});

describe('v8 folioPutUnpin / pagePutUnpin', () => {
  it.each([
    { name: 'FOLL_PIN unpins', flags: FOLL_PIN, take: 'pin' },
    { name: 'FOLL_GET puts', flags: FOLL_GET, take: 'get' },
    { name: 'v8-numbered PIN (0x01) unpins after follFromV8', flags: follFromV8(FOLL_V8.PIN), take: 'pin' },
    { name: 'v8-numbered GET (0x02) puts after follFromV8', flags: follFromV8(FOLL_V8.GET), take: 'get' },
  ])('$name', ({ flags, take }) => {
    withMm({ profile: 'v8' }, ({ mem, mm }) => {
      const a = populated(mm, 2);
      const pages = new Int32Array(2);
      const gup = take === 'pin' ? pinUserPagesFast : getUserPagesFast;
      expect(gup(mm, a, 2, 0, pages)).toBe(2);
      folioPutUnpin(mem, pages[0], flags);
      pagePutUnpin(mem, pages[1], flags);
    });
  });

  it('neither flag leaves the page alone', () => {
    withMm({ profile: 'v8' }, ({ mem, mm }) => {
      const a = populated(mm, 1);
      const pfn = mm.followPage(a);
      const rc = mem.refcount[pfn];
      folioPutUnpin(mem, pfn, FOLL_WRITE);
      expect(mem.refcount[pfn]).toBe(rc);
    });
  });
});
