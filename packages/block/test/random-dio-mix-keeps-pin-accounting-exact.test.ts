// End-to-end accounting fuzz (docs/KERNEL-SEMANTICS.md §6 ex. 42): random direct IOs over every iterator
// type (UBUF, IOVEC, KVEC, BVEC), reads and writes, sync and async, random offsets and segments,
// splits (tight limits), injected device errors and forks. After each run every page's refcount
// and pincount is back at baseline, acquired == released, and no bio is left out of its pool.
import { propertyParams } from '@biopath/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLK_STS_IOERR, EIOCBQUEUED, Kiocb, RELEASE_DEFERRED, blkMqDrain, blkdevDirectIO, fsBioSet, smallBioSet } from '@biopath/block';
import {
  ITER_DEST, ITER_SOURCE, createIovIter, iovIterBvec, iovIterInit, iovIterKvec, iovIterUbuf, type IovIter,
} from '@biopath/iov-iter';
import { allocPages, pageAddress, putPage, type MmStruct, type Profile } from '@biopath/mm';
import { rig, teardown, type Rig } from './helpers.ts';

const op = fc.record({
  kind: fc.constantFrom('ubuf', 'iovec', 'kvec', 'bvec'),
  write: fc.boolean(),
  async: fc.boolean(),
  deferred: fc.boolean(),
  blocks: fc.integer({ min: 1, max: 24 }),
  segs: fc.integer({ min: 1, max: 4 }),
  off: fc.integer({ min: 0, max: 7 }),
  pos: fc.integer({ min: 0, max: 2000 }),
  fork: fc.boolean(),
});
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

function makeIter(r: Rig, o: Op, frees: number[]): IovIter {
  const dir = o.write ? ITER_SOURCE : ITER_DEST;
  const len = o.blocks * 512;
  const it = createIovIter();
  if (o.kind === 'ubuf' || o.kind === 'iovec') {
    const a = r.mm.mmap(len + 8 * 512 + o.segs * 4096);
    r.mm.write(a, new Uint8Array(len + 8 * 512 + o.segs * 4096));
    if (o.kind === 'ubuf') return iovIterUbuf(it, dir, r.mm, a + o.off * 512, len);
    const per = Math.ceil(o.blocks / o.segs) * 512;
    const iov = [];
    for (let done = 0, k = 0; done < len; k++) {
      const n = Math.min(per, len - done);
      iov.push({ iov_base: a + k * (per + 4096), iov_len: n });
      done += n;
    }
    return iovIterInit(it, dir, r.mm, iov, iov.length, len);
  }
  const order = Math.ceil(Math.log2(Math.ceil((len + o.off * 512) / 4096) || 1));
  const pfn = allocPages(r.mem, order);
  frees.push(pfn);
  if (o.kind === 'kvec') {
    return iovIterKvec(it, dir, r.mem, [{ iov_base: pageAddress(r.mem, pfn) + o.off * 512, iov_len: len }], 1, len);
  }
  return iovIterBvec(it, dir, r.mem, [{ bv_page: pfn, bv_offset: o.off * 512, bv_len: len }], 1, len);
}

function runOne(r: Rig, o: Op, children: MmStruct[], frees: number[]): void {
  const k = new Kiocb();
  k.ki_bdev = r.bdev;
  k.ki_pos = o.pos * 512;
  const it = makeIter(r, o, frees);
  if (o.deferred && (o.kind === 'ubuf' || o.kind === 'iovec')) k.ki_release = RELEASE_DEFERRED;
  if (o.async) k.ki_complete = () => undefined;
  const ret = blkdevDirectIO(k, it);
  if (o.async) expect(ret === EIOCBQUEUED || ret < 0).toBe(true);
  else expect(ret === o.blocks * 512 || ret < 0).toBe(true);
  if (o.fork) children.push(r.mm.fork());
}

describe.each((['legacy', 'v8', 'merged', 'current'] as Profile[]).map((p) => [p]))('profile %s', (profile) => {
  it('random direct IO keeps pins and references exact', () => {
    fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 8 }), fc.integer({ min: 2, max: 6 }), fc.integer(),
      (ops, maxSegs, seed) => {
        const ops2 = profile === 'legacy' ? ops.filter((o) => o.kind !== 'kvec') : ops;
        const r = rig(profile, {
          nrPages: 1024, queueDepth: 4, limits: { max_segments: maxSegs },
          faults: [{ probability: 1 / 11, action: { kind: 'error', status: BLK_STS_IOERR } }], faultSeed: seed,
        });
        const children: MmStruct[] = [];
        const frees: number[] = [];
        const bios = fsBioSet.inUse + smallBioSet.inUse;
        try {
          for (const o of ops2) runOne(r, o, children, frees);
          blkMqDrain(r.q);
        } finally {
          for (const c of children) c.exit();
          for (const p of frees) putPage(r.mem, p);
          teardown(r);
        }
        expect(fsBioSet.inUse + smallBioSet.inUse).toBe(bios);
      }), propertyParams({ numRuns: 25 }));
  });
});
