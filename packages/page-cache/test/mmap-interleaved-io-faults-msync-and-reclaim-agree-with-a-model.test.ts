// One shared mapping, many hands: buffered reads and writes from the JS thread, reads and writes
// through the mapping from the JS thread and from a second thread (a worker whose faults block it,
// not the JS thread), msync, reclaim and dropping clean pages, in random order on the same pages.
// Every read — buffered, through the view, from either thread — sees a flat model of the range,
// and after each msync (and at the end, after munmap) the device holds exactly the model.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { filemapRead, filemapWrite, fsync, invalidateMappingPages, mmap, msync, munmap, shrinkPageCache, type FileMapping } from '@biopath/page-cache';
import { propertyParams } from '@biopath/testing';
import { faultServer, mmapSkipReason, readImage, withCacheStack, type CacheStack } from './helpers.ts';

const why = mmapSkipReason();
if (why) console.log(`skipping: ${why}`);

const PAGES = 24;
const LEN = PAGES * 4096;
const span = fc.record({ pos: fc.nat(LEN - 1), len: fc.integer({ min: 1, max: 9000 }) })
  .map(({ pos, len }) => ({ pos, len: Math.min(len, LEN - pos) }));
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const write = span.chain(({ pos, len }) => bytes(len).map((data) => ({ pos, data })));
const op = fc.oneof(
  span.map((s) => ({ t: 'buffered-read' as const, ...s })),
  write.map((w) => ({ t: 'buffered-write' as const, ...w })),
  span.map((s) => ({ t: 'view-read' as const, ...s })),
  write.map((w) => ({ t: 'view-write' as const, ...w })),
  span.map((s) => ({ t: 'worker-read' as const, ...s })),
  write.map((w) => ({ t: 'worker-write' as const, ...w })),
  fc.constantFrom({ t: 'msync' as const }, { t: 'reclaim' as const }, { t: 'drop-clean' as const }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

/** The second thread: reads and writes of the view by IOVA, each answered once it is done. */
async function startToucher() {
  const w = new Worker(new URL('./fixtures/mapping-toucher.mjs', import.meta.url));
  await once(w, 'message');
  const ask = async <T>(m: object): Promise<T> => {
    w.postMessage(m);
    return (await once(w, 'message'))[0] as T;
  };
  return {
    read: (iova: number, len: number) => ask<Uint8Array>({ op: 'read', iova, len }),
    write: (iova: number, data: Uint8Array) => ask<boolean>({ op: 'write', iova, data }),
    close: (() => {
      let closed: Promise<void> | null = null;
      return () => (closed ??= (async () => {
        const exited = once(w, 'exit');
        w.postMessage({ op: 'close' });
        await exited;
      })());
    })(),
  };
}

async function apply(s: CacheStack, m: FileMapping, toucher: Awaited<ReturnType<typeof startToucher>>, model: Uint8Array, o: Op): Promise<void> {
  const viewIova = m.run.view!.iova;
  switch (o.t) {
    case 'buffered-read': {
      const buf = new Uint8Array(o.len);
      expect(await filemapRead(s.as.file, o.pos, buf)).toBe(o.len);
      expect(Buffer.from(buf).equals(model.subarray(o.pos, o.pos + o.len)), 'buffered read').toBe(true);
      return;
    }
    case 'buffered-write':
      expect(await filemapWrite(s.as.file, o.pos, o.data)).toBe(o.data.length);
      model.set(o.data, o.pos);
      return;
    case 'view-read':
      expect(m.buffer.subarray(o.pos, o.pos + o.len).equals(model.subarray(o.pos, o.pos + o.len)), 'view read').toBe(true);
      return;
    case 'view-write':
      m.buffer.set(o.data, o.pos);
      model.set(o.data, o.pos);
      return;
    case 'worker-read': {
      const got = await toucher.read(viewIova + o.pos, o.len);
      expect(Buffer.from(got).equals(model.subarray(o.pos, o.pos + o.len)), 'worker read').toBe(true);
      return;
    }
    case 'worker-write':
      await toucher.write(viewIova + o.pos, o.data);
      model.set(o.data, o.pos);
      return;
    case 'msync':
      await msync(m);
      expect(readImage(s.image, 0, LEN).equals(model), 'device after msync').toBe(true);
      return;
    case 'reclaim':
      shrinkPageCache(s.pc, 64);
      return;
    case 'drop-clean':
      invalidateMappingPages(s.as);
      return;
  }
}

it.skipIf(why !== '')('random buffered IO, faults from two threads, msync and reclaim on one mapping agree with a flat model', async () => {
  await withCacheStack(1 << 20, async (s) => {
    const m = await mmap(s.as, 0, LEN, { shared: true, faultServer: faultServer(s.dev), faultAroundBytes: 16384 });
    const toucher = await startToucher();
    try {
      await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        await msync(m);
        const model = Uint8Array.from(readImage(s.image, 0, LEN));
        for (const o of ops) await apply(s, m, toucher, model, o);
        await msync(m);
        expect(readImage(s.image, 0, LEN).equals(model), 'device at the end of the run').toBe(true);
      }), propertyParams({ numRuns: 25 }));
      const st = m.run.uffd!.stats();
      expect(st.minor, 'faults the native handler served').toBeGreaterThan(0);
      expect(st.deferred, 'faults the worker served').toBeGreaterThan(0);
      const model = Uint8Array.from(readImage(s.image, 0, LEN));
      m.buffer[7] = model[7]! ^ 0xff;
      model[7] ^= 0xff;
      await munmap(m);
      await toucher.close();
      await fsync(s.as.file);
      expect(readImage(s.image, 0, LEN).equals(model), 'device after munmap and fsync').toBe(true);
    } finally {
      if (!m.unmapped) await munmap(m);
      await toucher.close();
    }
  }, { readAheadKb: 16, capacityPages: 256 });
}, 240_000);
