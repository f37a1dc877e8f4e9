// Defect 1 of the hardening issue: a ring kept, per region id, the first mapping it ever saw and
// never the later mapping with the same id. A READ parked on an empty FIFO into region Y, with Y
// freed and collected, then landed in whatever region the kernel mapped at Y's old address. Each
// SQE now holds exactly the mappings it was translated against until its CQE is reaped, so Y's
// address cannot be reused while the READ is in flight.
import { closeSync, openSync, writeSync } from 'node:fs';
import { expect, it } from 'vitest';
import { arenaCreate, arenaFree } from '../src/index.ts';
import type { ArenaRegion } from '../src/index.ts';
import { collectGarbage, OP, RawRing, withFifo } from './fixtures/raw-ring.ts';

const SIZE = 12 * 4096; // an unusual size, so a later region of this size can only reuse Y's hole

it('a READ in flight into a freed and collected region lands in that region, never in a newer one', async () => {
  const ring = new RawRing({ entries: 8 });
  const zs: ArenaRegion[] = [];
  try {
    await withFifo(async (path) => {
      const fifo = openSync(path, 'r+');
      const devNull = openSync('/dev/null', 'r');
      try {
        const x = arenaCreate(SIZE);
        ring.stage({ op: OP.READ, fd: devNull, addr: x.iova, len: 4096, userData: 1 });
        expect(ring.submit(1)).toEqual([{ userData: 1, res: 0 }]);
        arenaFree(x.id);

        let y: ArenaRegion | undefined = arenaCreate(SIZE);
        ring.stage({ op: OP.READ, fd: fifo, addr: y.iova + 4096, len: 4096, userData: 2 });
        expect(ring.submit(0)).toEqual([]);
        arenaFree(y.id);
        y = undefined;
        await collectGarbage();

        for (let i = 0; i < 32; i++) zs.push(arenaCreate(SIZE));
        writeSync(fifo, new Uint8Array(4096).fill(0xa5));
        expect(ring.submit(1)).toEqual([{ userData: 2, res: 4096 }]);
        const hit = zs.filter((z) => new Uint8Array(z.buffer).some((b) => b !== 0));
        expect(hit.map((z) => z.id)).toEqual([]);
      } finally {
        closeSync(fifo);
        closeSync(devNull);
      }
    });
  } finally {
    ring.close();
    for (const z of zs) arenaFree(z.id);
  }
});
