// Arena regions: every IOVA crossing into native is bounds-checked; aliases share pages; live
// regions are counted so leaks show.
import { expect, it } from 'vitest';
import { arenaAlias, arenaCopy, arenaCreate, arenaFree, arenaLiveRegions, iovaOffset, iovaRegion } from '@biopath/native';

it('arenaCopy moves bytes inside and between regions, and refuses ranges that leave a region', () => {
  const a = arenaCreate(8192);
  const b = arenaCreate(4096);
  try {
    const av = new Uint8Array(a.buffer);
    av.fill(7, 0, 4096);
    arenaCopy(b.iova, a.iova, 4096);
    expect(new Uint8Array(b.buffer).every((x) => x === 7)).toBe(true);
    expect(() => arenaCopy(b.iova + 1, a.iova, 4096)).toThrow(expect.objectContaining({ code: 'EFAULT' }));
    expect(() => arenaCopy(a.iova, b.iova, 4097)).toThrow(expect.objectContaining({ code: 'EFAULT' }));
    expect(() => arenaCopy(a.iova, -1, 1)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  } finally {
    arenaFree(a.id);
    arenaFree(b.id);
  }
});

it('an alias maps the same pages at another IOVA', () => {
  const a = arenaCreate(4096);
  const b = arenaAlias(a.id);
  try {
    expect(b.aliasOf).toBe(a.id);
    expect(iovaRegion(b.iova)).toBe(b.id);
    expect(iovaOffset(a.iova + 123)).toBe(123);
    new Uint8Array(a.buffer)[10] = 99;
    expect(new Uint8Array(b.buffer)[10]).toBe(99);
  } finally {
    arenaFree(b.id);
    arenaFree(a.id);
  }
});

it('the live region count follows create and free; freeing twice is ENOENT', () => {
  const base = arenaLiveRegions();
  const a = arenaCreate(4096);
  expect(arenaLiveRegions()).toBe(base + 1);
  arenaFree(a.id);
  expect(arenaLiveRegions()).toBe(base);
  expect(() => arenaFree(a.id)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
});
