/**
 * Our port of the anon test cases of the kernel's tools/testing/selftests/mm/cow.c as of the seed
 * (6.2, then under selftests/vm/): same cases, same order, same pass criteria, written for the
 * emulated processes of @biopath/mm. Processes are synchronous here, so "wait until the child is
 * ready" becomes running the child's steps before the parent's.
 */
import {
  FOLL_LONGTERM, FOLL_WRITE, PAGE_SIZE, PROT_READ, PROT_WRITE, pinUserPages, pinUserPagesFast, pipeRead,
  unpinUserPages, vmsplice, type MmStruct,
} from '../../src/index.ts';
import { type CowEnv, fillProbes, type Outcome, readProbes, readProbesViaPages, sameBytes } from './cow-env.ts';

export type AnonTestFn = (env: CowEnv, addr: number, size: number) => Outcome;

/** The parent's optional mprotect(R) + mprotect(R|W) before writing ("with mprotect() optimization"). */
function mprotectDance(mm: MmStruct, addr: number, size: number): void {
  mm.mprotect(addr, size, PROT_READ);
  mm.mprotect(addr, size, PROT_READ | PROT_WRITE);
}

/** cow.c do_test_cow_in_parent() with child_memcmp_fn(): the child must not see the parent's writes. */
function cowInParent(env: CowEnv, addr: number, size: number, mprotect: boolean): Outcome {
  const child = env.fork();
  const old = readProbes(child, addr, size);
  if (mprotect) mprotectDance(env.mm, addr, size);
  fillProbes(env.mm, addr, size, 0xff);
  return sameBytes(old, readProbes(child, addr, size)) ? 'pass' : 'fail';
}

/** cow.c child_vmsplice_memcmp_fn(): vmsplice + munmap in the child; the pipe must keep the old data. */
function vmspliceInChild(env: CowEnv, addr: number, size: number, mprotect: boolean): Outcome {
  const child = env.fork();
  const old = child.read(addr, size);
  const pipe = env.pipe();
  const transferred = vmsplice(child, pipe, addr, size);
  if (transferred <= 0) return 'fail';
  child.munmap(addr, size);
  if (mprotect) mprotectDance(env.mm, addr, size);
  fillProbes(env.mm, addr, size, 0xff);
  const now = new Uint8Array(transferred);
  pipeRead(pipe, now);
  return sameBytes(old.subarray(0, transferred), now) ? 'pass' : 'fail';
}

/** cow.c do_test_vmsplice_in_parent(): the parent's pipe must not see the child's writes. */
function vmspliceInParent(env: CowEnv, addr: number, size: number, beforeFork: boolean): Outcome {
  const old = env.mm.read(addr, size);
  const pipe = env.pipe();
  let transferred = beforeFork ? vmsplice(env.mm, pipe, addr, size) : 0;
  const child = env.fork();
  if (!beforeFork) transferred = vmsplice(env.mm, pipe, addr, size);
  if (transferred <= 0) return 'fail';
  env.mm.munmap(addr, size);
  fillProbes(child, addr, size, 0xff);
  child.exit();
  const now = new Uint8Array(transferred);
  pipeRead(pipe, now);
  return sameBytes(old.subarray(0, transferred), now) ? 'pass' : 'fail';
}

/**
 * cow.c do_test_iouring(): a R/W longterm pin (io_uring fixed buffer registration), then R/O-mapping
 * or fork; writes through the page table must be what the pinned frames hold.
 */
function iouring(env: CowEnv, addr: number, size: number, useFork: boolean): Outcome {
  const n = size / PAGE_SIZE;
  const pages = new Int32Array(n);
  if (pinUserPages(env.mm, addr, n, FOLL_WRITE | FOLL_LONGTERM, pages) !== n) return 'fail';
  try {
    if (useFork) env.fork();
    else mprotectDance(env.mm, addr, size);
    fillProbes(env.mm, addr, size, 0xff);
    return sameBytes(readProbes(env.mm, addr, size), readProbesViaPages(env.mem, pages, size)) ? 'pass' : 'fail';
  } finally {
    unpinUserPages(env.mem, pages, n);
  }
}

export type RoPinSetup = 'shared' | 'previously-shared' | 'ro-exclusive' | 'plain';

/**
 * cow.c do_test_ro_pin(): a R/O longterm pin (gup_test PIN_LONGTERM_TEST_START) after the setup;
 * the parent's later writes must be visible through the pin.
 */
export function roPin(env: CowEnv, addr: number, size: number, setup: RoPinSetup, fast: boolean): Outcome {
  if (setup === 'shared') env.fork();
  else if (setup === 'previously-shared') env.fork().exit();
  else if (setup === 'ro-exclusive') mprotectDance(env.mm, addr, size);
  const n = size / PAGE_SIZE;
  const pages = new Int32Array(n);
  const pin = fast ? pinUserPagesFast : pinUserPages;
  if (pin(env.mm, addr, n, FOLL_LONGTERM, pages) !== n) return 'fail';
  try {
    fillProbes(env.mm, addr, size, 0xff);
    return sameBytes(readProbes(env.mm, addr, size), readProbesViaPages(env.mem, pages, size)) ? 'pass' : 'fail';
  } finally {
    unpinUserPages(env.mem, pages, n);
  }
}

/** Test groups of the README table. */
export type CowGroup = 'COW after fork' | 'vmsplice' | 'io_uring fixed buffer' | 'R/O pin';

export interface AnonTestCase {
  readonly desc: string;
  readonly group: CowGroup;
  readonly fn: AnonTestFn;
}

/** cow.c anon_test_cases[] (with liburing), in order. */
export const ANON_TEST_CASES: readonly AnonTestCase[] = [
  { desc: 'Basic COW after fork()', group: 'COW after fork', fn: (e, a, s) => cowInParent(e, a, s, false) },
  { desc: 'Basic COW after fork() with mprotect() optimization', group: 'COW after fork', fn: (e, a, s) => cowInParent(e, a, s, true) },
  { desc: 'vmsplice() + unmap in child', group: 'vmsplice', fn: (e, a, s) => vmspliceInChild(e, a, s, false) },
  { desc: 'vmsplice() + unmap in child with mprotect() optimization', group: 'vmsplice', fn: (e, a, s) => vmspliceInChild(e, a, s, true) },
  { desc: 'vmsplice() before fork(), unmap in parent after fork()', group: 'vmsplice', fn: (e, a, s) => vmspliceInParent(e, a, s, true) },
  { desc: 'vmsplice() + unmap in parent after fork()', group: 'vmsplice', fn: (e, a, s) => vmspliceInParent(e, a, s, false) },
  { desc: 'R/O-mapping a page registered as iouring fixed buffer', group: 'io_uring fixed buffer', fn: (e, a, s) => iouring(e, a, s, false) },
  { desc: 'fork() with an iouring fixed buffer', group: 'io_uring fixed buffer', fn: (e, a, s) => iouring(e, a, s, true) },
  { desc: 'R/O GUP pin on R/O-mapped shared page', group: 'R/O pin', fn: (e, a, s) => roPin(e, a, s, 'shared', false) },
  { desc: 'R/O GUP-fast pin on R/O-mapped shared page', group: 'R/O pin', fn: (e, a, s) => roPin(e, a, s, 'shared', true) },
  { desc: 'R/O GUP pin on R/O-mapped previously-shared page', group: 'R/O pin', fn: (e, a, s) => roPin(e, a, s, 'previously-shared', false) },
  { desc: 'R/O GUP-fast pin on R/O-mapped previously-shared page', group: 'R/O pin', fn: (e, a, s) => roPin(e, a, s, 'previously-shared', true) },
  { desc: 'R/O GUP pin on R/O-mapped exclusive page', group: 'R/O pin', fn: (e, a, s) => roPin(e, a, s, 'ro-exclusive', false) },
  { desc: 'R/O GUP-fast pin on R/O-mapped exclusive page', group: 'R/O pin', fn: (e, a, s) => roPin(e, a, s, 'ro-exclusive', true) },
];
