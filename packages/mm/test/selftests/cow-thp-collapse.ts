/**
 * cow.c anon_thp_test_cases[] (6.2): COW after fork when a PTE-mapped THP is collapsed
 * (MADV_COLLAPSE) before fork, or after fork while all, the lower or the upper half is COW-shared.
 * Run on a PMD-mapped THP, as cow.c's run_anon_thp_test_cases() does.
 */
import { MADV_COLLAPSE, MADV_DOFORK, MADV_DONTFORK, PAGE_SIZE, PROT_READ, PROT_WRITE } from '../../src/index.ts';
import { type CowEnv, fillProbes, type Outcome, readProbes, sameBytes } from './cow-env.ts';

type Collapse = 'unshared' | 'fully-shared' | 'lower-shared' | 'upper-shared';

/** madvise(MADV_COLLAPSE), false where cow.c would print "MADV_COLLAPSE failed" and skip. */
function collapse(env: CowEnv, addr: number, size: number): boolean {
  try {
    env.mm.madvise(addr, size, MADV_COLLAPSE);
    return true;
  } catch {
    return false;
  }
}

/** cow.c do_test_anon_thp_collapse(). */
function anonThpCollapse(env: CowEnv, addr: number, size: number, test: Collapse): Outcome {
  const mm = env.mm;
  mm.mprotect(addr + PAGE_SIZE, PAGE_SIZE, PROT_READ);
  mm.mprotect(addr + PAGE_SIZE, PAGE_SIZE, PROT_READ | PROT_WRITE);
  if (test === 'unshared' && !collapse(env, addr, size)) return 'skip';
  if (test === 'lower-shared') mm.madvise(addr + size / 2, size / 2, MADV_DONTFORK);
  if (test === 'upper-shared') mm.madvise(addr, size / 2, MADV_DONTFORK);
  const child = env.fork();
  const [cAddr, cSize] = test === 'lower-shared' ? [addr, size / 2] : test === 'upper-shared' ? [addr + size / 2, size / 2] : [addr, size];
  const old = readProbes(child, cAddr, cSize);
  if (test === 'lower-shared' || test === 'upper-shared') mm.madvise(addr, size, MADV_DOFORK);
  if (test !== 'unshared' && !collapse(env, addr, size)) return 'skip';
  fillProbes(mm, addr, size, 0xff);
  return sameBytes(old, readProbes(child, cAddr, cSize)) ? 'pass' : 'fail';
}

export const ANON_THP_TEST_CASES: readonly { desc: string; fn: (env: CowEnv, addr: number, size: number) => Outcome }[] = [
  { desc: 'Basic COW after fork() when collapsing before fork()', fn: (e, a, s) => anonThpCollapse(e, a, s, 'unshared') },
  { desc: 'Basic COW after fork() when collapsing after fork() (fully shared)', fn: (e, a, s) => anonThpCollapse(e, a, s, 'fully-shared') },
  { desc: 'Basic COW after fork() when collapsing after fork() (lower shared)', fn: (e, a, s) => anonThpCollapse(e, a, s, 'lower-shared') },
  { desc: 'Basic COW after fork() when collapsing after fork() (upper shared)', fn: (e, a, s) => anonThpCollapse(e, a, s, 'upper-shared') },
];
