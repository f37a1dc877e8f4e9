// Defect 2 of the hardening issue: IOVAs carried no generation and region ids were reused, so a
// READ with a freed region's IOVA completed into the next region created. Ids are now never reused
// in a process: a stale IOVA names no live region and fails with EFAULT, in SQEs and in calls.
import { closeSync, openSync } from 'node:fs';
import { expect, it } from 'vitest';
import { arenaCopy, arenaCreate, arenaFree, ARENA_MAX_REGION_ID, IOVA_SHIFT } from '../src/index.ts';
import { OP, RawRing } from './fixtures/raw-ring.ts';

it('a READ with the IOVA of a freed region completes with -EFAULT and leaves the next region untouched', () => {
  const ring = new RawRing({ entries: 4 });
  const zero = openSync('/dev/zero', 'r');
  const r1 = arenaCreate(4096);
  const stale = r1.iova;
  arenaFree(r1.id);
  const r2 = arenaCreate(4096);
  try {
    expect(r2.id).not.toBe(r1.id);
    new Uint8Array(r2.buffer).fill(0x5a);
    ring.stage({ op: OP.READ, fd: zero, addr: stale, len: 4096, userData: 7 });
    expect(ring.submit(1)).toEqual([{ userData: 7, res: -14 }]);
    expect(new Uint8Array(r2.buffer).every((b) => b === 0x5a)).toBe(true);
    expect(() => arenaCopy(stale, r2.iova, 16)).toThrow(expect.objectContaining({ code: 'EFAULT' }));
  } finally {
    arenaFree(r2.id);
    closeSync(zero);
    ring.close();
  }
});

it('region ids keep growing across create/free, and the largest id still gives a safe-integer IOVA', () => {
  const ids: number[] = [];
  for (let i = 0; i < 8; i++) {
    const r = arenaCreate(4096);
    ids.push(r.id);
    arenaFree(r.id);
  }
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  expect(Number.isSafeInteger(ARENA_MAX_REGION_ID * 2 ** IOVA_SHIFT + (2 ** IOVA_SHIFT - 1))).toBe(true);
});
