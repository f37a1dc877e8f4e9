/**
 * Which extraction API a profile has, and what it says about cleanup: v8's iov_iter_extract_mode()
 * (FOLL_PIN or 0), 6.5's iov_iter_extract_will_pin() (bool), and no extraction at all in 6.2 (docs/KERNEL-SEMANTICS.md §1.7).
 */
import { FOLL_PIN, PAGE_SIZE, pageAddress, type Profile } from '@biopath/mm';
import { describe, expect, test } from 'vitest';
import {
  ITER_DEST, createIovIter, createXArray, iovIterBvec, iovIterDiscard, iovIterExtractMode, iovIterExtractPages,
  iovIterExtractWillPin, iovIterInit, iovIterKvec, iovIterUbuf, iovIterXarray, type IovIter,
} from '../src/index.ts';
import { withEnv, type Env } from './helpers.ts';

function iters({ mem, mm, folio }: Env): [string, IovIter, boolean][] {
  const p = folio(0);
  return [
    ['ITER_UBUF', iovIterUbuf(createIovIter(), ITER_DEST, mm, 0x10000, 1), true],
    ['ITER_IOVEC', iovIterInit(createIovIter(), ITER_DEST, mm, [{ iov_base: 0x10000, iov_len: 1 }], 1, 1), true],
    ['ITER_KVEC', iovIterKvec(createIovIter(), ITER_DEST, mem, [{ iov_base: pageAddress(mem, p), iov_len: 1 }], 1, 1), false],
    ['ITER_BVEC', iovIterBvec(createIovIter(), ITER_DEST, mem, [{ bv_page: p, bv_offset: 0, bv_len: 1 }], 1, 1), false],
    ['ITER_XARRAY', iovIterXarray(createIovIter(), ITER_DEST, mem, createXArray(), 0, 1), false],
  ];
}

describe.each<Profile>(['merged', 'current'])('profile %s', (profile) => {
  test('iovIterExtractWillPin is true exactly for user-backed iterators; extract_mode does not exist', () => {
    withEnv(profile, (env) => {
      for (const [name, i, user] of iters(env)) {
        expect(iovIterExtractWillPin(i), name).toBe(user);
        expect(() => iovIterExtractMode(i)).toThrow(/EOPNOTSUPP: iovIterExtractMode\(i\)/);
      }
    });
  });
});

describe('profile v8', () => {
  test('iovIterExtractMode is FOLL_PIN for user-backed iterators, else 0; will_pin does not exist yet', () => {
    withEnv('v8', (env) => {
      for (const [name, i, user] of iters(env)) {
        expect(iovIterExtractMode(i), name).toBe(user ? FOLL_PIN : 0);
        expect(() => iovIterExtractWillPin(i)).toThrow(/EOPNOTSUPP/);
      }
    });
  });
});

describe('profile legacy', () => {
  test('has neither extraction nor its cleanup queries (6.2 used iov_iter_get_pages2)', () => {
    withEnv('legacy', (env) => {
      const [, i] = iters(env)[0]!;
      expect(() => iovIterExtractPages(i, { pages: null }, PAGE_SIZE, 1, 0)).toThrow(/EOPNOTSUPP: iovIterExtractPages\(i\): profile legacy/);
      expect(() => iovIterExtractWillPin(i)).toThrow(/EOPNOTSUPP/);
      expect(() => iovIterExtractMode(i)).toThrow(/EOPNOTSUPP/);
    });
  });
});

test('ITER_DISCARD has no memory and so no profile: never pins, mode 0', () => {
  const d = iovIterDiscard(createIovIter(), ITER_DEST, 10);
  expect(iovIterExtractWillPin(d)).toBe(false);
  expect(iovIterExtractMode(d)).toBe(0);
});
