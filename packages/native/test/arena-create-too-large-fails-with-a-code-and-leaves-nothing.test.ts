// Defect 8 of the hardening issue: arenaCreate(> 4 GiB) registered the region, then failed to hand
// napi the ArrayBuffer and threw a code-less Error, leaving an unreachable registered region.
import { expect, it } from 'vitest';
import { arenaCreate, arenaLiveRegions, ARENA_MAX_REGION_SIZE } from '../src/index.ts';

it.each([2 ** 32 + 4096, 2 ** 40, 2 ** 52])('arenaCreate(%d) throws EINVAL naming size and registers nothing', (size) => {
  const before = arenaLiveRegions();
  expect(() => arenaCreate(size)).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('arenaCreate(size)') }));
  expect(arenaLiveRegions()).toBe(before);
});

it('the largest region is 4 GiB', () => {
  expect(ARENA_MAX_REGION_SIZE).toBe(2 ** 32);
});
