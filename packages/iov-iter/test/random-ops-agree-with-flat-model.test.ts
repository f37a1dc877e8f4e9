/**
 * Property: on random iterators of every memory-backed type, in every profile, random sequences of
 * advance / revert / extract / copy agree with a flat-buffer model (position, count, the bytes each
 * extracted page slot stands for, the data copied), and every pin or reference taken is released:
 * the leak gate finds pin counts and refcounts at their baseline after each run.
 */
import { PAGE_SIZE, putPage, unpinUserPages, type MemMap, type Profile } from '@biopath/mm';
import { warnOnOnceCount, warnOnOnceReset } from '@biopath/native';
import { propertyParams } from '@biopath/testing';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import {
  ITER_DEST, ITER_SOURCE, copyFromIter, copyToIter, iovIterAdvance, iovIterExtractPages, iovIterGetPages2,
  iovIterRevert, userBackedIter, type ExtractResult, type IovIter,
} from '../src/index.ts';
import { PROFILES, pagesUsed, pattern, withEnv } from './helpers.ts';
import { build, KINDS, nextLoc, type Built, type Kind } from './model.ts';

type Op =
  | { op: 'advance'; n: number }
  | { op: 'revert'; n: number }
  | { op: 'extract'; maxsize: number; maxpages: number }
  | { op: 'copy'; n: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('advance' as const), n: fc.nat(3 * PAGE_SIZE) }),
  fc.record({ op: fc.constant('revert' as const), n: fc.nat(3 * PAGE_SIZE) }),
  fc.record({
    op: fc.constant('extract' as const),
    maxsize: fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: 4 * PAGE_SIZE })),
    maxpages: fc.integer({ min: 1, max: 6 }),
  }),
  fc.record({ op: fc.constant('copy' as const), n: fc.nat(2 * PAGE_SIZE) }),
);

const caseArb = fc.record({
  profile: fc.constantFrom(...PROFILES),
  kind: fc.constantFrom(...KINDS),
  dir: fc.constantFrom(ITER_DEST, ITER_SOURCE),
  segs: fc.array(fc.record({ off: fc.nat(4 * PAGE_SIZE), len: fc.nat(3 * PAGE_SIZE), order: fc.nat(2) }), { minLength: 1, maxLength: 5 }),
  ops: fc.array(opArb, { maxLength: 25 }),
}).map((c) => ({ ...c, profile: c.kind === 'folioq' ? ('current' as Profile) : c.profile }));

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * Counterexamples found so far, checked on every run before the random cases. Seed 116374270
 * (path 88:3:2:...): get_pages2 on an empty first bvec (an-empty-first-bvec-follows-each-profiles-kernel.test.ts);
 * the same with the empty bvec starting inside a page.
 */
const COUNTEREXAMPLES: [Case][] = [
  [{ profile: 'legacy', kind: 'bvec', dir: ITER_DEST, segs: [{ off: 0, len: 0, order: 0 }, { off: 0, len: 1, order: 0 }], ops: [{ op: 'extract', maxsize: Infinity, maxpages: 1 }] }],
  [{ profile: 'legacy', kind: 'bvec', dir: ITER_DEST, segs: [{ off: 100, len: 0, order: 0 }, { off: 0, len: 1, order: 0 }], ops: [{ op: 'extract', maxsize: Infinity, maxpages: 1 }, { op: 'extract', maxsize: Infinity, maxpages: 1 }] }],
];

function bytesAt(mem: MemMap, b: Built, from: number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, k) => mem.bytes[b.loc(from + k)]!);
}

/** Extract with the profile's API; check the listed pages against the model; release what was taken. */
function extractStep(mem: MemMap, profile: Profile, kind: Kind, b: Built, pos: number, maxsize: number, maxpages: number): number {
  const i: IovIter = b.i;
  const arr = new Int32Array(maxpages).fill(-1);
  const emptyBvec = profile === 'legacy' && kind === 'bvec' && i.count > 0 && i.bvec![i.seg]!.bv_len === i.iov_offset;
  const r: ExtractResult = profile === 'legacy'
    ? iovIterGetPages2(i, arr, maxsize, maxpages)
    : iovIterExtractPages(i, { pages: arr }, maxsize, maxpages, 0);
  const left = b.total - pos;
  if (emptyBvec) {
    // get_pages2 on an empty bvec (see an-empty-first-bvec-follows-each-profiles-kernel.test.ts):
    // at a page boundary -ENOMEM after a WARN; inside a page 0 bytes, one referenced page, next bvec.
    if (r.offset0 === 0) {
      expect(r.bytes).toBe(-12);
      expect(warnOnOnceCount()).toBe(1);
      warnOnOnceReset();
    } else {
      expect(r.bytes).toBe(0);
      putPage(mem, arr[0]!);
    }
    return 0;
  }
  if (r.bytes <= 0) {
    // Only get_pages2 on a KVEC refuses (-EFAULT); otherwise nothing comes back only at the end.
    expect(r.bytes, `nothing extracted with ${left} bytes left`).toBe(left > 0 && kind === 'kvec' && profile === 'legacy' ? -14 : 0);
    expect(left === 0 || (kind === 'kvec' && profile === 'legacy')).toBe(true);
    return 0;
  }
  const used = pagesUsed(r.offset0, r.bytes);
  expect(r.bytes).toBeLessThanOrEqual(Math.min(maxsize, left));
  expect(used).toBeLessThanOrEqual(maxpages);
  // v8 reproduces the posted series' KVEC offset0 slip, so its page list does not describe the bytes.
  if (!(kind === 'kvec' && profile === 'v8')) {
    for (let k = 0; k < r.bytes; k += k % 2 ? 509 : 1) {
      const slot = arr[Math.floor((r.offset0 + k) / PAGE_SIZE)]!;
      expect(slot * PAGE_SIZE + ((r.offset0 + k) % PAGE_SIZE), `byte ${pos + k}`).toBe(b.loc(pos + k));
    }
  }
  if (profile === 'legacy') for (let k = 0; k < used; k++) putPage(mem, arr[k]!);
  else if (userBackedIter(i)) unpinUserPages(mem, arr, used);
  return r.bytes;
}

function copyStep(mem: MemMap, b: Built, dir: number, pos: number, n: number): number {
  n = Math.min(n, b.total - pos);
  if (dir === ITER_DEST) {
    const data = pattern(n, pos);
    expect(copyToIter(data, n, b.i)).toBe(n);
    expect(bytesAt(mem, b, pos, n)).toEqual(data);
  } else {
    const want = bytesAt(mem, b, pos, n);
    const out = new Uint8Array(n);
    expect(copyFromIter(out, n, b.i)).toBe(n);
    expect(out).toEqual(want);
  }
  return n;
}

test('random advance/revert/extract/copy agree with the flat model and leave pins at baseline', () => {
  fc.assert(fc.property(caseArb, ({ profile, kind, dir, segs, ops }) => {
    withEnv(profile, (env) => {
      const b = build(env, kind, segs, dir);
      let pos = 0;
      for (const o of ops) {
        if (o.op === 'advance') {
          iovIterAdvance(b.i, o.n);
          pos = Math.min(b.total, pos + o.n);
        } else if (o.op === 'revert') {
          const n = Math.min(o.n, pos);
          iovIterRevert(b.i, n);
          pos -= n;
        } else if (o.op === 'extract') {
          pos += extractStep(env.mem, profile, kind, b, pos, o.maxsize, o.maxpages);
        } else {
          pos += copyStep(env.mem, b, dir, pos, o.n);
        }
        expect(b.i.count).toBe(b.total - pos);
        expect(nextLoc(env.mem, b.i)).toBe(pos < b.total ? b.loc(pos) : -1);
      }
    }, 512);
  }), propertyParams({ numRuns: 300, examples: COUNTEREXAMPLES }));
}, 60_000);
