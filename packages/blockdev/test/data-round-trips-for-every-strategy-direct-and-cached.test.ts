// What is written through a handle is what the device holds and what reads back: for each strategy
// (pin, get, list) × direct IO or the page cache × image file or loop device, with caller buffers
// (bounced) and allocBuffer buffers (zero-copy), checked against the image file itself.
import { describe, expect, it } from 'vitest';
import { openBlockDevice } from '@biopath/blockdev';
import type { OpenOptions, Strategy } from '@biopath/blockdev';
import { readImage } from '@biopath/testing';
import { TARGETS, canUse, pattern, same, withTarget } from './helpers.ts';

const STRATEGIES: Strategy[] = ['pin', 'get', 'list'];
const MODES = [{ name: 'direct', opts: {} }, { name: 'page cache', opts: { cacheSize: 1 << 20 } }] as const;
const cases = TARGETS.flatMap((t) => STRATEGIES.flatMap((s) => MODES.map((m) => [t, s, m.name, m.opts] as const)));

describe.each(cases)('%s, strategy %s, %s', (target, strategy, _mode, modeOpts) => {
  it.skipIf(!canUse(target))('writes reach the device and read back, from plain and from allocBuffer buffers', async () => {
    await withTarget(target, 4 << 20, async (path, image) => {
      const h = openBlockDevice(path, { strategy, ...modeOpts } as OpenOptions);
      try {
        const plain = pattern(1, 3 * 4096);
        expect(await h.write(8192, plain)).toBe(plain.length);
        const arena = h.allocBuffer(2 * 4096);
        arena.set(pattern(2, arena.length));
        expect(await h.write(64 * 1024, arena)).toBe(arena.length);
        await h.flush();
        expect(same(readImage(image, 8192, plain.length), plain)).toBe(true);
        expect(same(readImage(image, 64 * 1024, arena.length), pattern(2, arena.length))).toBe(true);

        expect(same(await h.read(8192, plain.length), plain)).toBe(true);
        const into = h.allocBuffer(2 * 4096);
        expect(await h.read(64 * 1024, into)).toBe(into);
        expect(same(into, pattern(2, into.length))).toBe(true);
        const untouched = await h.read(1 << 20, 4096);
        expect(same(untouched, readImage(image, 1 << 20, 4096))).toBe(true);

        const st = h.stats();
        expect(st.writes).toBe(2);
        expect(st.reads).toBe(3);
        expect(st.pinsAcquired).toBe(st.pinsReleased);
        expect(st.refsReleased).toBe(st.refsTaken);
        if (modeOpts === MODES[0].opts) {
          expect(st.bounced).toBe(3); // the plain write and the two reads into new buffers; allocBuffer IO is zero-copy
          if (strategy === 'pin') expect(st.pinsAcquired).toBeGreaterThan(0);
          if (strategy === 'get') expect(st.refsTaken).toBeGreaterThan(0);
          if (strategy === 'list') expect(st.pinsAcquired + st.refsTaken).toBe(0);
        }
      } finally {
        await h.close();
      }
    });
  });
});
