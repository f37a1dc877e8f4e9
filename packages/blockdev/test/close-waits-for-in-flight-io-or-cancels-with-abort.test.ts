// close() waits for every IO in flight and settles it normally before giving anything back;
// close({ abort: true }) rejects what has not reached the device yet with ECANCELED and waits for
// the rest. Either way the leak gate finds nothing left: no pins, regions, fds.
import { expect, it } from 'vitest';
import { openBlockDevice } from '@biopath/blockdev';
import { canUse, pattern, same, withTarget } from './helpers.ts';

it.skipIf(!canUse('image'))('close with 64 delayed IOs in flight resolves after all of them, each with its data', async () => {
  await withTarget('image', 1 << 20, async (path, image) => {
    void image;
    const h = openBlockDevice(path, { driver: 'faulty', faults: { rules: [{ action: { kind: 'delay', ms: 20 }, every: 1 }] } });
    const ws: Promise<number>[] = [];
    for (let i = 0; i < 64; i++) ws.push(h.write(i * 4096, pattern(i, 4096)));
    await Promise.all(ws);
    const reads: Promise<Uint8Array>[] = [];
    for (let i = 0; i < 64; i++) reads.push(h.read(i * 4096, 4096));
    let settled = 0;
    for (const r of reads) void r.then(() => settled++);
    await new Promise((r) => setImmediate(r));
    expect(h.stats().inFlight).toBeGreaterThan(0);
    await h.close();
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(64);
    const got = await Promise.all(reads);
    for (let i = 0; i < 64; i++) expect(same(got[i]!, pattern(i, 4096))).toBe(true);
    await expect(h.read(0, 4096)).rejects.toMatchObject({ code: 'EBADF' });
  });
});

it('close({ abort: true }) cancels what was queued this tick with ECANCELED', async () => {
  const h = openBlockDevice(1 << 20, { driver: 'null' });
  const queued = [h.read(0, 4096), h.write(4096, pattern(1, 4096)), h.readv([{ offset: 0, length: 512 }, { offset: 512, length: 512 }])];
  const closing = h.close({ abort: true });
  const results = await Promise.allSettled(queued);
  for (const r of results) expect(r).toMatchObject({ status: 'rejected', reason: { code: 'ECANCELED' } });
  await closing;
  expect(h.stats().cancelled).toBe(4);
});

it.skipIf(!canUse('image'))('close({ abort: true }) waits for IO already at the device, which completes normally', async () => {
  await withTarget('image', 1 << 20, async (path) => {
    const h = openBlockDevice(path, { driver: 'faulty', faults: { rules: [{ action: { kind: 'delay', ms: 30 }, every: 1 }] } });
    const inFlight = h.read(0, 4096);
    await new Promise((r) => setImmediate(r)); // submitted at the end of the previous tick
    const late = expect(h.read(4096, 4096)).rejects.toMatchObject({ code: 'ECANCELED' });
    await h.close({ abort: true });
    expect((await inFlight).length).toBe(4096);
    await late;
  });
});

it('closing a buffered handle writes dirty data back; abort drops it', async () => {
  const h = openBlockDevice(1 << 20, { driver: 'null', cacheSize: 1 << 16 });
  await h.write(0, pattern(5, 4096));
  await h.close();
  expect(h.stats().writes).toBe(1);
});
