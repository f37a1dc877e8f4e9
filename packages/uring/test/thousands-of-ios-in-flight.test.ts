// Thousands of IOs in flight at once, submitted in batches (one native call per batch), each
// completing exactly once with its own data.
import { expect, it } from 'vitest';
import { prepRead, sqeSetData } from '@biopath/uring';
import { probe, withLoopDevice } from '@biopath/testing';
import { readWitness, withRig } from './helpers.ts';

const loop = probe.loop();

it.skipIf(!loop.ok)('4096 concurrent 4 KiB reads in batches of 1024 all complete once with the right bytes', async () => {
  const N = 4096;
  const DEV = 16 << 20;
  await withLoopDevice(DEV, async (dev, image) => {
    await withRig(dev, N * 4096, { entries: 1024, cqEntries: 8192 }, (r) => {
      const { ring } = r;
      let next = 0;
      while (next < N) {
        const batch = Math.min(1024, N - next);
        for (let k = 0; k < batch; k++, next++) {
          const s = ring.getSqeOrThrow();
          // a scattered but deterministic device offset for IO `next`
          prepRead(ring, s, r.fd, r.arena.iova + next * 4096, 4096, ((next * 2654435761) % (DEV / 4096)) * 4096);
          sqeSetData(ring, s, next + 1);
        }
        expect(ring.submit()).toBe(batch);
      }
      const seen = new Uint8Array(N);
      let done = 0;
      while (done < N) {
        if (ring.cqReady() === 0) ring.submitAndWait(1);
        const n = ring.cqReady();
        for (let i = 0; i < n; i++) {
          const id = ring.cqeUserData(i) - 1;
          expect(ring.cqeRes(i)).toBe(4096);
          seen[id]!++;
        }
        ring.cqAdvance(n);
        done += n;
      }
      expect(seen.every((v) => v === 1)).toBe(true);
      const image4k = readWitness(image, 0, DEV);
      for (let id = 0; id < N; id += 97) {
        const off = ((id * 2654435761) % (DEV / 4096)) * 4096;
        expect(Buffer.from(r.bytes.subarray(id * 4096, id * 4096 + 4096)).equals(image4k.subarray(off, off + 4096))).toBe(true);
      }
    });
  });
});
