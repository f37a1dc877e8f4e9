// arenaAliasRange maps a slice of a region a second time (same pages), and arenaZapRange drops
// PTEs without losing data; both are bounds-checked.
import { afterEach, expect, it } from 'vitest';
import { arenaAliasRange, arenaCreate, arenaFree, arenaZapRange } from '@biopath/native';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function region(pages: number) {
  const r = arenaCreate(pages * 4096);
  cleanups.push(() => arenaFree(r.id));
  return r;
}

it('a slice alias shows the source pages from the slice offset, both ways', () => {
  const a = region(16);
  const av = new Uint8Array(a.buffer);
  for (let p = 0; p < 16; p++) av.fill(p + 1, p * 4096, (p + 1) * 4096);
  const b = arenaAliasRange(a.id, 4 * 4096, 8 * 4096);
  cleanups.push(() => arenaFree(b.id));
  expect(b.aliasOf).toBe(a.id);
  expect(b.size).toBe(8 * 4096);
  const bv = new Uint8Array(b.buffer);
  for (let p = 0; p < 8; p++) expect(bv[p * 4096 + 7]).toBe(p + 5);
  bv[3 * 4096] = 0xee;
  expect(av[7 * 4096]).toBe(0xee);
});

it('zapping a range keeps its data', () => {
  const a = region(4);
  const b = arenaAliasRange(a.id, 0, 4 * 4096);
  cleanups.push(() => arenaFree(b.id));
  new Uint8Array(b.buffer).fill(9);
  arenaZapRange(b.iova + 4096, 2 * 4096);
  expect(new Uint8Array(b.buffer)[4096 + 5]).toBe(9);
  expect(new Uint8Array(a.buffer)[3 * 4096]).toBe(9);
});

it('slices that are empty, unaligned or leave the region are refused', () => {
  const a = region(4);
  expect(() => arenaAliasRange(a.id, 4096, 4 * 4096)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  expect(() => arenaAliasRange(a.id, 100, 4096)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  expect(() => arenaAliasRange(a.id, 0, 0)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  expect(() => arenaAliasRange(4000, 0, 4096)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  expect(() => arenaZapRange(a.iova + 3 * 4096, 2 * 4096)).toThrow(expect.objectContaining({ code: 'EFAULT' }));
  expect(() => arenaZapRange(a.iova + 1, 4096)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
});
