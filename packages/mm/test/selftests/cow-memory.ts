/**
 * The memory types of cow.c's run_anon_test_case() (6.2), in order: how each area is prepared before
 * a test function runs on it. Types the model cannot express say why instead of preparing anything.
 */
import {
  HPAGE_PMD_ORDER, MADV_DOFORK, MADV_PAGEOUT, MADV_DONTFORK, MADV_DONTNEED, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MREMAP_FIXED,
  MREMAP_MAYMOVE, PAGE_SIZE, PROT_NONE, PROT_READ, PROT_WRITE, hugetlbPoolStats, type HugetlbSize,
} from '../../src/index.ts';
import type { CowEnv } from './cow-env.ts';

const THP_SIZE = PAGE_SIZE << HPAGE_PMD_ORDER;

/** An area a test runs on, or the reason it was skipped. */
export type Prepared = { addr: number; size: number } | { skip: string };

export interface MemoryType {
  readonly name: string;
  /** null: not expressible in the model (the README lists why) */
  readonly prepare: ((env: CowEnv) => Prepared) | null;
  readonly notExpressible?: string;
}

/** cow.c's `swapout` step: MADV_PAGEOUT, skipped if the first page did not end up swapped. */
function swapout(env: CowEnv, area: Prepared): Prepared {
  if ('skip' in area) return area;
  env.mm.madvise(area.addr, area.size, MADV_PAGEOUT);
  if (!env.mm.pagemap(area.addr).swapped) return { skip: 'MADV_PAGEOUT did not work, is swap enabled?' };
  return area;
}

/** cow.c do_run_with_base_page(): one populated base page, MADV_NOHUGEPAGE. */
function basePage(env: CowEnv): Prepared {
  const addr = env.mm.mmap(PAGE_SIZE);
  env.mm.madvise(addr, PAGE_SIZE, MADV_NOHUGEPAGE);
  env.mm.write(addr, new Uint8Array(PAGE_SIZE));
  return { addr, size: PAGE_SIZE };
}

type ThpRun = 'pmd' | 'pte' | 'single-pte' | 'partial-mremap' | 'partial-shared';

/** Whether `addr` is mapped by a PMD: cow.c checks this through pagemap; the model asks its page table. */
function pmdMapped(env: CowEnv, addr: number): boolean {
  return env.mm.pagemap(addr).huge;
}

/** cow.c do_run_with_thp(): a THP in a MADV_HUGEPAGE area, then reshaped per `run`. */
function thp(env: CowEnv, run: ThpRun): Prepared {
  const mm = env.mm;
  const raw = mm.mmap(2 * THP_SIZE);
  const addr = Math.ceil(raw / THP_SIZE) * THP_SIZE;
  mm.madvise(addr, THP_SIZE, MADV_HUGEPAGE);
  mm.write(addr, new Uint8Array(THP_SIZE));
  if (!pmdMapped(env, addr)) return { skip: 'Did not get a THP populated' };
  let size = THP_SIZE;
  if (run === 'pte' || run === 'single-pte') {
    mm.mprotect(addr + PAGE_SIZE, PAGE_SIZE, PROT_READ);
    mm.mprotect(addr + PAGE_SIZE, PAGE_SIZE, PROT_READ | PROT_WRITE);
  }
  if (run === 'single-pte') {
    mm.madvise(addr + PAGE_SIZE, THP_SIZE - PAGE_SIZE, MADV_DONTNEED);
    size = PAGE_SIZE;
  } else if (run === 'partial-mremap') {
    size = THP_SIZE / 2;
    const target = mm.mmap(size, { prot: PROT_NONE });
    mm.mremap(addr + size, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, target);
  } else if (run === 'partial-shared') {
    mm.madvise(addr + PAGE_SIZE, THP_SIZE - PAGE_SIZE, MADV_DONTFORK);
    env.fork().exit();
    mm.madvise(addr + PAGE_SIZE, THP_SIZE - PAGE_SIZE, MADV_DOFORK);
  }
  return { addr, size };
}

/** cow.c run_with_hugetlb(): one populated huge page; skipped unless two are free (COW needs a second). */
function hugetlb(env: CowEnv, size: HugetlbSize): Prepared {
  if (hugetlbPoolStats(env.mem, size).free_hugepages < 2) return { skip: 'need more free huge pages' };
  const addr = env.mm.mmap(1, { hugetlb: size });
  const len = size === '2M' ? THP_SIZE : PAGE_SIZE << 18;
  env.mm.write(addr, new Uint8Array(1));
  return { addr, size: len };
}

/** run_anon_test_case(): base page, THP layouts (with their swapped-out twins), each hugetlb size. */
export const ANON_MEMORY_TYPES: readonly MemoryType[] = [
  { name: 'base page', prepare: basePage },
  { name: 'swapped out base page', prepare: (e) => swapout(e, basePage(e)) },
  { name: 'THP', prepare: (e) => thp(e, 'pmd') },
  { name: 'swapped-out THP', prepare: (e) => swapout(e, thp(e, 'pmd')) },
  { name: 'PTE-mapped THP', prepare: (e) => thp(e, 'pte') },
  { name: 'swapped-out, PTE-mapped THP', prepare: (e) => swapout(e, thp(e, 'pte')) },
  { name: 'single PTE-mapped THP', prepare: (e) => thp(e, 'single-pte') },
  { name: 'single PTE-mapped swapped-out THP', prepare: (e) => swapout(e, thp(e, 'single-pte')) },
  { name: 'partially mremap()\'ed THP', prepare: (e) => thp(e, 'partial-mremap') },
  { name: 'partially shared THP', prepare: (e) => thp(e, 'partial-shared') },
  { name: 'hugetlb (2048 kB)', prepare: (e) => hugetlb(e, '2M') },
  { name: 'hugetlb (1048576 kB)', prepare: (e) => hugetlb(e, '1G') },
];
