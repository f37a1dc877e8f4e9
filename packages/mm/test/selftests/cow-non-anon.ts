/**
 * cow.c non_anon_test_cases[] and the memory types of run_non_anon_test_case() (6.2).
 */
import {
  HPAGE_PMD_ORDER, MADV_HUGEPAGE, MADV_NOHUGEPAGE, PAGE_SIZE, PROT_READ, memfdClose, memfdCreate,
} from '../../src/index.ts';
import { roPin } from './cow-anon-cases.ts';
import { type CowEnv, fillProbes, type Outcome, readProbes, sameBytes } from './cow-env.ts';

export type NonAnonTestFn = (env: CowEnv, addr: number, saddr: number, size: number) => Outcome;

export interface NonAnonMemoryType {
  readonly name: string;
  readonly prepare: ((env: CowEnv) => { addr: number; saddr: number; size: number } | { skip: string }) | null;
  readonly notExpressible?: string;
}

/** cow.c test_cow(): writing the private mapping must not change what the other mapping shows. */
function basicCow(env: CowEnv, addr: number, saddr: number, size: number): Outcome {
  const old = readProbes(env.mm, saddr, size);
  fillProbes(env.mm, addr, size, 0xff);
  return sameBytes(old, readProbes(env.mm, saddr, size)) ? 'pass' : 'fail';
}

export const NON_ANON_TEST_CASES: readonly { desc: string; fn: NonAnonTestFn }[] = [
  { desc: 'Basic COW', fn: basicCow },
  { desc: 'R/O longterm GUP pin', fn: (e, a, _s, n) => roPin(e, a, n, 'plain', false) },
  { desc: 'R/O longterm GUP-fast pin', fn: (e, a, _s, n) => roPin(e, a, n, 'plain', true) },
];

/** cow.c run_with_zeropage(): two private mappings both reading the shared zero page. */
function zeropage(env: CowEnv): { addr: number; saddr: number; size: number } {
  const addr = env.mm.mmap(PAGE_SIZE);
  const saddr = env.mm.mmap(PAGE_SIZE);
  env.mm.madvise(addr, PAGE_SIZE, MADV_NOHUGEPAGE);
  env.mm.madvise(saddr, PAGE_SIZE, MADV_NOHUGEPAGE);
  env.mm.read(addr, 1);
  env.mm.read(saddr, 1);
  return { addr, saddr, size: PAGE_SIZE };
}

/** cow.c run_with_huge_zeropage(): two MADV_HUGEPAGE areas whose first read maps the huge zero page. */
function hugeZeropage(env: CowEnv): { addr: number; saddr: number; size: number } | { skip: string } {
  const thp = PAGE_SIZE << HPAGE_PMD_ORDER;
  const [addr, saddr] = [0, 1].map(() => Math.ceil(env.mm.mmap(2 * thp) / thp) * thp) as [number, number];
  env.mm.madvise(addr, thp, MADV_HUGEPAGE);
  env.mm.madvise(saddr, thp, MADV_HUGEPAGE);
  env.mm.read(addr, 1);
  env.mm.read(saddr, 1);
  if (!env.mm.pagemap(addr + PAGE_SIZE).present || !env.mm.pagemap(saddr + PAGE_SIZE).present) {
    return { skip: 'Did not get THPs populated' };
  }
  return { addr, saddr, size: thp };
}

/** cow.c run_with_memfd(): a one-page memfd mapped MAP_PRIVATE (mem) and MAP_SHARED read-only (smem). */
function memfd(env: CowEnv): { addr: number; saddr: number; size: number } {
  const fd = memfdCreate(env.mem);
  const addr = env.mm.mmap(PAGE_SIZE, { file: fd });
  const saddr = env.mm.mmap(PAGE_SIZE, { file: fd, shared: true, prot: PROT_READ });
  memfdClose(fd);
  env.mm.read(addr, 1);
  env.mm.read(saddr, 1);
  return { addr, saddr, size: PAGE_SIZE };
}

const FILE = 'needs a file-backed VMA over page-cache (a regular file, not shmem): not modelled yet';

export const NON_ANON_MEMORY_TYPES: readonly NonAnonMemoryType[] = [
  { name: 'shared zeropage', prepare: zeropage },
  { name: 'huge zeropage', prepare: hugeZeropage },
  { name: 'memfd', prepare: memfd },
  { name: 'tmpfile', prepare: null, notExpressible: FILE },
  { name: 'memfd hugetlb (2048 kB)', prepare: null, notExpressible: 'needs shared hugetlb (memfd MFD_HUGETLB): only private hugetlb is modelled' },
  { name: 'memfd hugetlb (1048576 kB)', prepare: null, notExpressible: 'needs shared hugetlb (memfd MFD_HUGETLB): only private hugetlb is modelled' },
];
