/**
 * Frames live in one native arena region: a frame's IOVA is region.iova + pfn * PAGE_SIZE, and bytes
 * a "device" writes there through the native layer are what the owning process reads back.
 */
import { arenaCopy, arenaCreate, arenaFree, arenaLiveRegions, iovaOffset } from '@biopath/native';
import { describe, expect, it } from 'vitest';
import {
  FOLL_WRITE, PAGE_SIZE, createMemMap, destroyMemMap, pageBytes, pageToIova, pinUserPagesFast,
  unpinUserPagesDirtyLock,
} from '../src/index.ts';
import { dmaIntoFrame, populated, withMm } from './helpers.ts';

describe('arena-backed frames', () => {
  it('createMemMap maps one region and destroyMemMap frees it', () => {
    const live = arenaLiveRegions();
    const mem = createMemMap({ nrPages: 32 });
    expect(arenaLiveRegions()).toBe(live + 1);
    expect(mem.region.size).toBe(32 * PAGE_SIZE);
    expect(mem.bytes.byteLength).toBe(32 * PAGE_SIZE);
    destroyMemMap(mem);
    expect(arenaLiveRegions()).toBe(live);
  });

  it('pageToIova addresses the frame inside the region', () => {
    withMm({ nrPages: 32 }, ({ mem }) => {
      expect(pageToIova(mem, 5)).toBe(mem.region.iova + 5 * PAGE_SIZE);
      expect(iovaOffset(pageToIova(mem, 5))).toBe(5 * PAGE_SIZE);
      expect(() => pageToIova(mem, 32)).toThrow(/EINVAL/);
    });
  });

  it('DMA into a pinned user page is what the process reads back', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 2, 0);
      const pages = new Int32Array(2);
      expect(pinUserPagesFast(mm, a, 2, FOLL_WRITE, pages)).toBe(2);
      const payload = new Uint8Array(PAGE_SIZE + 100).map((_, i) => (i * 7) & 0xff);
      dmaIntoFrame(mem, pages[0], 0, payload.subarray(0, PAGE_SIZE));
      dmaIntoFrame(mem, pages[1], 0, payload.subarray(PAGE_SIZE));
      unpinUserPagesDirtyLock(mem, pages, 2, true);
      expect(mm.read(a, PAGE_SIZE + 100)).toEqual(payload);
    });
  });

  it('what the process writes is what a device reads from the frame', () => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 1, 0);
      mm.write(a + 10, new Uint8Array([0xde, 0xad]));
      const pfn = mm.followPage(a);
      const dev = arenaCreate(PAGE_SIZE);
      try {
        arenaCopy(dev.iova, pageToIova(mem, pfn), PAGE_SIZE);
        expect(Array.from(new Uint8Array(dev.buffer, 10, 2))).toEqual([0xde, 0xad]);
        expect(pageBytes(mem, pfn)[10]).toBe(0xde);
      } finally {
        arenaFree(dev.id);
      }
    });
  });
});
