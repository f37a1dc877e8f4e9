// A device error (injected by the faulty driver around a real image file, or around the null
// driver) rejects exactly the affected call with EIO; when its promise settles the pages it took
// are already given back, and the other IOs of the same batch succeed.
import { describe, expect, it } from 'vitest';
import { openBlockDevice } from '@biopath/blockdev';
import type { Strategy } from '@biopath/blockdev';
import { canUse, pattern, same, withTarget } from './helpers.ts';

const STRATEGIES: Strategy[] = ['pin', 'get', 'list'];

describe.each(STRATEGIES)('strategy %s', (strategy) => {
  it.skipIf(!canUse('image'))('the 2nd read fails with EIO at completion, the rest of the batch succeeds, pins and refs are back', async () => {
    await withTarget('image', 1 << 20, async (path) => {
      const h = openBlockDevice(path, {
        driver: 'faulty', strategy, faults: { rules: [{ action: { kind: 'error' }, ops: ['read'], nth: [2] }] },
      });
      try {
        const buf = h.allocBuffer(4096);
        // not adjacent: the plug would merge adjacent reads into one request
        const results = await Promise.allSettled([h.read(0, 4096), h.read(64 * 1024, buf), h.read(128 * 1024, 4096)]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        const err = (results[1] as PromiseRejectedResult).reason;
        expect(err).toMatchObject({ name: 'BiopathError', code: 'EIO' });
        const st = h.stats();
        expect(st.errors).toBe(1);
        expect(st.pinsAcquired).toBe(st.pinsReleased);
        expect(st.refsReleased).toBe(st.refsTaken);
        if (strategy === 'pin') expect(st.pinsAcquired).toBe(3);
      } finally {
        await h.close();
      }
    });
  });
});

it('a write failed at submission rejects with EIO and never reaches the device; a later write does', async () => {
  const h = openBlockDevice(1 << 20, { driver: 'faulty', faults: { rules: [{ action: { kind: 'error', when: 'submit' }, ops: ['write'], nth: [1] }] } });
  await expect(h.write(0, pattern(1, 4096))).rejects.toMatchObject({ code: 'EIO' });
  expect(same(await h.read(0, 4096), new Uint8Array(4096))).toBe(true);
  await h.write(0, pattern(2, 4096));
  expect(same(await h.read(0, 4096), pattern(2, 4096))).toBe(true);
  const st = h.stats();
  expect(st.pinsAcquired).toBe(st.pinsReleased);
  await h.close();
});

it('a short read (part of the data, then failure) is EIO for the whole call and writev reports the first error after all settled', async () => {
  const h = openBlockDevice(1 << 20, { driver: 'faulty', faults: { rules: [{ action: { kind: 'short' }, ops: ['read'], nth: [1] }, { action: { kind: 'error' }, ops: ['write'], nth: [2] }] } });
  try {
    await expect(h.read(0, 8192)).rejects.toMatchObject({ code: 'EIO' });
    const ranges = [0, 1, 2].map((i) => ({ offset: i * 64 * 1024, data: pattern(i, 512) })); // apart: no plug merge
    await expect(h.writev(ranges)).rejects.toMatchObject({ code: 'EIO' });
    const st = h.stats();
    expect(st.errors).toBe(2);
    expect(st.writes).toBe(2);
    expect(st.inFlight).toBe(0);
    expect(st.pinsAcquired).toBe(st.pinsReleased);
  } finally {
    await h.close();
  }
});
