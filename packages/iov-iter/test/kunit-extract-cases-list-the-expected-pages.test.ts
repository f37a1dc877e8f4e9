/**
 * The extraction cases of the kernel's iov_iter KUnit suite, ported (test/kunit/extract-cases.ts),
 * pass under the profiles whose kernels carry the suite (merged, current), both through
 * iov_iter_extract_pages() and through extract_iter_to_sg(). Under v8 the kvec case fails through
 * iov_iter_extract_pages(): the posted series computed a kvec's first-page offset from the iterator
 * offset alone (fixed before merging), which the suite would have caught.
 */
import type { Profile } from '@biopath/mm';
import { describe, expect, test } from 'vitest';
import { type ExtractMode, type KunitType, runKunitExtractCase } from './kunit/extract-cases.ts';
import { withEnv } from './helpers.ts';

const CASES: { profile: Profile; type: KunitType; mode: ExtractMode }[] = [];
for (const profile of ['v8', 'merged', 'current'] as Profile[]) {
  for (const type of ['kvec', 'bvec', 'xarray', 'folioq'] as KunitType[]) {
    if (type === 'folioq' && profile !== 'current') continue; // ITER_FOLIOQ is 6.12+
    for (const mode of ['extract_pages', 'extract_iter_to_sg'] as ExtractMode[]) CASES.push({ profile, type, mode });
  }
}

describe.each(CASES)('$profile: iov_kunit_extract_pages_$type via $mode', ({ profile, type, mode }) => {
  const fails = profile === 'v8' && type === 'kvec' && mode === 'extract_pages';
  test(fails ? 'fails (v8 kvec offset bug)' : 'passes', () => {
    withEnv(profile, ({ mem }) => {
      const problems = runKunitExtractCase(mem, type, mode);
      if (fails) expect(problems.length).toBeGreaterThan(0);
      else expect(problems).toEqual([]);
    }, 2048);
  });
});
