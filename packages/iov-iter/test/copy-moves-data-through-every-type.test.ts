/**
 * copyToIter / copyFromIter / iovIterZero move exactly the bytes the iterator describes, in order,
 * and advance by what they moved: user memory through the page tables (faults, COW, short at a hole),
 * kernel memory through kernel addresses and frames.
 */
import { PAGE_SIZE, type MemMap, type Profile } from '@biopath/mm';
import { describe, expect, test } from 'vitest';
import {
  ITER_DEST, ITER_SOURCE, copyFromIter, copyToIter, createIovIter, iovIterDiscard, iovIterInit, iovIterUbuf,
  iovIterZero,
} from '../src/index.ts';
import { expectWarned, pattern, withEnv } from './helpers.ts';
import { build, KINDS, type Built, type Kind, type SegSpec } from './model.ts';

const SEGS: SegSpec[] = [
  { off: 100, len: 5000, order: 1 }, { off: 0, len: 0, order: 0 }, { off: 4000, len: 96, order: 0 },
  { off: 7, len: 3000, order: 2 },
];

function flat(mem: MemMap, b: Built, from: number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, k) => mem.bytes[b.loc(from + k)]!);
}

function profileFor(kind: Kind): Profile {
  return kind === 'folioq' ? 'current' : 'merged';
}

describe.each(KINDS)('%s', (kind) => {
  test('copyFromIter reads the described bytes in order and advances by them', () => {
    withEnv(profileFor(kind), (env) => {
      const b = build(env, kind, SEGS, ITER_SOURCE);
      const want = flat(env.mem, b, 0, b.total);
      const out = new Uint8Array(b.total);
      const first = Math.min(777, b.total);
      expect(copyFromIter(out, first, b.i)).toBe(first);
      expect(b.i.count).toBe(b.total - first);
      expect(copyFromIter(out.subarray(first), b.total - first, b.i)).toBe(b.total - first);
      expect(out).toEqual(want);
      expect(copyFromIter(out, 10, b.i)).toBe(0);
    });
  });

  test('copyToIter writes the described bytes and nothing else', () => {
    withEnv(profileFor(kind), (env) => {
      const b = build(env, kind, SEGS, ITER_DEST);
      const data = pattern(b.total, 9);
      const before = env.mem.bytes.slice();
      expect(copyToIter(data, b.total, b.i)).toBe(b.total);
      expect(flat(env.mem, b, 0, b.total)).toEqual(data);
      const touched = new Set(Array.from({ length: b.total }, (_, k) => b.loc(k)));
      let others = 0;
      for (let x = 0; x < before.length; x++) if (!touched.has(x) && before[x] !== env.mem.bytes[x]) others++;
      expect(others).toBe(0);
    });
  });

  test('iovIterZero zeroes the described bytes', () => {
    withEnv(profileFor(kind), (env) => {
      const b = build(env, kind, SEGS, ITER_DEST);
      expect(iovIterZero(b.total + 100, b.i)).toBe(b.total);
      expect(flat(env.mem, b, 0, b.total).every((x) => x === 0)).toBe(true);
      expect(b.i.count).toBe(0);
    });
  });
});

describe('user memory', () => {
  test('copyToIter into a forked parent breaks COW: the parent sees the data, the child keeps its copy', () => {
    withEnv('merged', ({ mm, populated, track }) => {
      const a = populated(1, 0x11);
      const child = track(mm.fork());
      const before = mm.followPage(a);
      expect(copyToIter(pattern(100), 100, iovIterUbuf(createIovIter(), ITER_DEST, mm, a, 100))).toBe(100);
      expect(mm.followPage(a)).not.toBe(before);
      expect(mm.read(a, 100)).toEqual(pattern(100));
      expect(child.read(a, 100)).toEqual(new Uint8Array(100).fill(0x11));
    });
  });

  test('a hole makes the copy short, and the iterator advances only over what was copied', () => {
    withEnv('merged', ({ mm, populated }) => {
      const a = populated(2);
      mm.munmap(a + PAGE_SIZE, PAGE_SIZE);
      const i = iovIterInit(createIovIter(), ITER_DEST, mm, [{ iov_base: a + 96, iov_len: 2 * PAGE_SIZE }, { iov_base: a, iov_len: 10 }], 2, 2 * PAGE_SIZE + 10);
      expect(copyToIter(pattern(2 * PAGE_SIZE + 10), 2 * PAGE_SIZE + 10, i)).toBe(PAGE_SIZE - 96);
      expect([i.count, i.seg, i.iov_offset]).toEqual([PAGE_SIZE + 106, 0, PAGE_SIZE - 96]);
      expect(iovIterZero(100, i)).toBe(0);
    });
  });

  test('untouched anonymous memory reads as zeroes', () => {
    withEnv('merged', ({ mm }) => {
      const a = mm.mmap(PAGE_SIZE);
      const out = new Uint8Array(10).fill(7);
      expect(copyFromIter(out, 10, iovIterUbuf(createIovIter(), ITER_SOURCE, mm, a, 10))).toBe(10);
      expect(out).toEqual(new Uint8Array(10));
    });
  });
});

describe('direction and sinks', () => {
  test('copying the wrong way WARNs and copies nothing', () => {
    withEnv('merged', ({ mm, populated }) => {
      const a = populated(1);
      const src = iovIterUbuf(createIovIter(), ITER_SOURCE, mm, a, 10);
      const dst = iovIterUbuf(createIovIter(), ITER_DEST, mm, a, 10);
      expect(copyToIter(new Uint8Array(10), 10, src)).toBe(0);
      expect(copyFromIter(new Uint8Array(10), 10, dst)).toBe(0);
      expect([src.count, dst.count]).toEqual([10, 10]);
      expectWarned(2);
    });
  });

  test('ITER_DISCARD swallows what is copied to it', () => {
    const d = iovIterDiscard(createIovIter(), ITER_DEST, 50);
    expect(copyToIter(new Uint8Array(80), 80, d)).toBe(50);
    expect(d.count).toBe(0);
  });

  test('more bytes than the buffer holds is refused', () => {
    const d = iovIterDiscard(createIovIter(), ITER_DEST, 50);
    expect(() => copyToIter(new Uint8Array(4), 5, d)).toThrow(/EINVAL: copyToIter\(bytes\)/);
  });
});
