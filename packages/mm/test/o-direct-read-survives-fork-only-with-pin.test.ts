/**
 * docs/KERNEL-SEMANTICS.md §4.1 / §6 ex. 37-38 (Hildenbrand's test3, deterministic): an O_DIRECT read into
 * a private anon page X is in flight, the process forks and then writes an unrelated byte of X.
 * With a FOLL_GET reference the write COWs the parent away from X and the DMA data is lost (and lands
 * in the child); with a FOLL_PIN the child gets a copy at fork and the parent keeps X.
 * The device write goes through the native arena, so this is real memory.
 */
import { describe, expect, it } from 'vitest';
import {
  FOLL_WRITE, PAGE_SIZE, PROFILES, getUserPagesFast, pinUserPagesFast, putPage, setPageDirty,
  unpinUserPagesDirtyLock, pageDirty,
} from '../src/index.ts';
import { dmaIntoFrame, populated, withMm } from './helpers.ts';

const DMA = new Uint8Array(512).fill(0xff);

describe.each(PROFILES.map((profile) => ({ profile })))('profile $profile', ({ profile }) => {
  it('FOLL_GET (legacy DIO): the parent loses the read, the child sees it', () => {
    withMm({ profile }, ({ mem, mm, track }) => {
      const a = populated(mm, 1, 0);
      const pages = new Int32Array(1);
      expect(getUserPagesFast(mm, a, 1, FOLL_WRITE, pages)).toBe(1);
      const x = pages[0];
      const child = track(mm.fork());
      mm.write(a + 4095, new Uint8Array([1]));
      expect(mm.followPage(a)).not.toBe(x);
      expect(child.followPage(a)).toBe(x);
      dmaIntoFrame(mem, x, 0, DMA);
      setPageDirty(mem, x);
      putPage(mem, x);
      const parentView = mm.read(a, PAGE_SIZE);
      expect(parentView.subarray(0, 512).every((b) => b === 0)).toBe(true);
      expect(parentView[4095]).toBe(1);
      expect(child.read(a, 512)).toEqual(DMA);
    });
  });

  it('FOLL_PIN (merged DIO): the child gets a copy at fork, the parent keeps X and sees the read', () => {
    withMm({ profile }, ({ mem, mm, track }) => {
      const a = populated(mm, 1, 0);
      const pages = new Int32Array(1);
      expect(pinUserPagesFast(mm, a, 1, FOLL_WRITE, pages)).toBe(1);
      const x = pages[0];
      const child = track(mm.fork());
      expect(child.followPage(a)).not.toBe(x);
      mm.write(a + 4095, new Uint8Array([1]));
      expect(mm.followPage(a)).toBe(x);
      dmaIntoFrame(mem, x, 0, DMA);
      unpinUserPagesDirtyLock(mem, pages, 1, true);
      expect(pageDirty(mem, x)).toBe(true);
      const parentView = mm.read(a, PAGE_SIZE);
      expect(parentView.subarray(0, 512)).toEqual(DMA);
      expect(parentView[4095]).toBe(1);
      const childView = child.read(a, PAGE_SIZE);
      expect(childView.every((b) => b === 0)).toBe(true);
    });
  });
});
