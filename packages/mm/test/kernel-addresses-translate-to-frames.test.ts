/**
 * Kernel virtual addresses for ITER_KVEC: the direct map is PAGE_OFFSET + pfn * PAGE_SIZE; vmalloc
 * areas are virtually contiguous over frames that are never physically consecutive (example 6).
 */
import { describe, expect, it } from 'vitest';
import {
  PAGE_OFFSET, PAGE_SIZE, allocPages, isVmallocAddr, kernelRead, kernelWrite, pageAddress, pageBytes, putPage,
  vfree, virtToPage, vmalloc, vmallocToPage,
} from '../src/index.ts';
import { withMm } from './helpers.ts';

describe('direct map', () => {
  it('pageAddress and virtToPage are inverse, and kernel reads/writes hit the frame bytes', () => {
    withMm({}, ({ mem }) => {
      const pfn = allocPages(mem, 1, { zero: true });
      const k = pageAddress(mem, pfn);
      expect(k).toBe(PAGE_OFFSET + pfn * PAGE_SIZE);
      expect(virtToPage(mem, k + PAGE_SIZE + 17)).toBe(pfn + 1);
      expect(isVmallocAddr(mem, k)).toBe(false);
      kernelWrite(mem, k + PAGE_SIZE - 2, new Uint8Array([1, 2, 3, 4]));
      expect(pageBytes(mem, pfn)[PAGE_SIZE - 1]).toBe(2);
      expect(pageBytes(mem, pfn + 1)[1]).toBe(4);
      const back = new Uint8Array(4);
      kernelRead(mem, k + PAGE_SIZE - 2, back);
      expect(Array.from(back)).toEqual([1, 2, 3, 4]);
      putPage(mem, pfn);
    });
  });

  it('addresses outside the direct map throw EFAULT', () => {
    withMm({ nrPages: 8 }, ({ mem }) => {
      expect(() => virtToPage(mem, PAGE_OFFSET + 8 * PAGE_SIZE)).toThrow(/EFAULT/);
      expect(() => virtToPage(mem, PAGE_OFFSET - 1)).toThrow(/EFAULT/);
      expect(() => kernelRead(mem, 12345, new Uint8Array(1))).toThrow(/EFAULT/);
      expect(() => pageAddress(mem, 8)).toThrow(/EINVAL/);
    });
  });
});

describe('vmalloc', () => {
  it('backs an area with non-consecutive frames that vmallocToPage finds page by page', () => {
    withMm({}, ({ mem }) => {
      const free = mem.nrFree;
      const v = vmalloc(mem, 4 * PAGE_SIZE - 100);
      expect(isVmallocAddr(mem, v)).toBe(true);
      const pfns = [0, 1, 2, 3].map((i) => vmallocToPage(mem, v + i * PAGE_SIZE + 5));
      for (const p of pfns) expect(p).toBeGreaterThan(0);
      for (let i = 1; i < 4; i++) expect(pfns[i]).not.toBe(pfns[i - 1]! + 1);
      expect(free - mem.nrFree).toBe(4);
      expect(vmallocToPage(mem, v + 4 * PAGE_SIZE)).toBe(-1);
      const data = new Uint8Array(6000).map((_, i) => i & 0xff);
      kernelWrite(mem, v + 300, data);
      expect(pageBytes(mem, pfns[1]!)[0]).toBe((PAGE_SIZE - 300) & 0xff);
      const back = new Uint8Array(6000);
      kernelRead(mem, v + 300, back);
      expect(back).toEqual(data);
      vfree(mem, v);
      expect(mem.nrFree).toBe(free);
      expect(vmallocToPage(mem, v)).toBe(-1);
    });
  });

  it('separate areas do not overlap, a bad vfree throws, exhaustion throws ENOMEM and leaks nothing', () => {
    withMm({ nrPages: 16 }, ({ mem }) => {
      const a = vmalloc(mem, PAGE_SIZE);
      const b = vmalloc(mem, PAGE_SIZE);
      expect(b).toBeGreaterThanOrEqual(a + PAGE_SIZE);
      expect(() => vfree(mem, a + 1)).toThrow(/EINVAL/);
      const free = mem.nrFree;
      expect(() => vmalloc(mem, 64 * PAGE_SIZE)).toThrow(/ENOMEM/);
      expect(mem.nrFree).toBe(free);
      vfree(mem, a);
      vfree(mem, b);
    });
  });
});
