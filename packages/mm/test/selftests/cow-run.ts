/**
 * Runs the ported cow.c matrix (and the O_DIRECT + fork tests) under one profile variant and
 * summarises it per test group, in the form of the README table.
 */
import {
  createMemMap, destroyMemMap, expectNoLeakedPins, snapshotPins, type MemMap, type Profile,
} from '../../src/index.ts';
import { ANON_TEST_CASES } from './cow-anon-cases.ts';
import { CowEnv, type Outcome } from './cow-env.ts';
import { ANON_MEMORY_TYPES } from './cow-memory.ts';
import { NON_ANON_MEMORY_TYPES, NON_ANON_TEST_CASES } from './cow-non-anon.ts';
import { ANON_THP_TEST_CASES } from './cow-thp-collapse.ts';
import { ODIRECT_FORK_TESTS } from './odirect-fork-cases.ts';

/** A row of the table: a profile, optionally with vmsplice taking FOLL_PIN pins. */
export interface Variant {
  readonly name: string;
  readonly profile: Profile;
  readonly vmsplice: 'FOLL_GET' | 'FOLL_PIN';
}

export const VARIANTS: readonly Variant[] = [
  { name: 'legacy', profile: 'legacy', vmsplice: 'FOLL_GET' },
  { name: 'v8', profile: 'v8', vmsplice: 'FOLL_GET' },
  { name: 'merged', profile: 'merged', vmsplice: 'FOLL_GET' },
  { name: 'current', profile: 'current', vmsplice: 'FOLL_GET' },
  { name: 'v8 + vmsplice FOLL_PIN', profile: 'v8', vmsplice: 'FOLL_PIN' },
];

/** Columns of the table, in order; the cow.c groups first. */
export const GROUPS = [
  'COW after fork', 'vmsplice', 'io_uring fixed buffer', 'R/O pin', 'non-anon', 'MADV_COLLAPSE', 'O_DIRECT + fork',
] as const;
export type Group = (typeof GROUPS)[number];

export interface CaseResult {
  readonly group: Group;
  readonly test: string;
  readonly memoryType: string;
  readonly outcome: Outcome | 'n/e';
}

/** Enough frames for two 1 GiB pages (1 GiB-aligned blocks at pfn 2^18 and 2^19) plus small memory below. */
const NR_PAGES = 3 << 18;

/** Run one instance with a fresh process; the leak gate must hold afterwards whatever the outcome. */
function runOne(mem: MemMap, fn: (env: CowEnv) => Outcome): Outcome {
  const baseline = snapshotPins(mem);
  const env = new CowEnv(mem);
  try {
    return fn(env);
  } finally {
    env.teardown();
    expectNoLeakedPins(mem, baseline);
  }
}

/** The whole matrix under `variant`: 190 cow.c instances (n/e where not expressible) + 3 O_DIRECT tests. */
export function runCowMatrix(variant: Variant): CaseResult[] {
  const mem = createMemMap({
    nrPages: NR_PAGES, profile: variant.profile, vmsplice: variant.vmsplice, nrHugepages: { '2M': 2, '1G': 2 }, hugeZeroPage: true,
  });
  const out: CaseResult[] = [];
  try {
    for (const tc of ANON_TEST_CASES) {
      for (const mt of ANON_MEMORY_TYPES) {
        const outcome = mt.prepare === null ? 'n/e' : runOne(mem, (env) => {
          const area = mt.prepare!(env);
          return 'skip' in area ? 'skip' : tc.fn(env, area.addr, area.size);
        });
        out.push({ group: tc.group, test: tc.desc, memoryType: mt.name, outcome });
      }
    }
    const thp = ANON_MEMORY_TYPES.find((m) => m.name === 'THP')!;
    for (const tc of ANON_THP_TEST_CASES) {
      const outcome = runOne(mem, (env) => {
        const area = thp.prepare!(env);
        return 'skip' in area ? 'skip' : tc.fn(env, area.addr, area.size);
      });
      out.push({ group: 'MADV_COLLAPSE', test: tc.desc, memoryType: 'THP', outcome });
    }
    for (const tc of NON_ANON_TEST_CASES) {
      for (const mt of NON_ANON_MEMORY_TYPES) {
        const outcome = mt.prepare === null ? 'n/e' : runOne(mem, (env) => {
          const a = mt.prepare!(env);
          return 'skip' in a ? 'skip' : tc.fn(env, a.addr, a.saddr, a.size);
        });
        out.push({ group: 'non-anon', test: tc.desc, memoryType: mt.name, outcome });
      }
    }
    for (const t of ODIRECT_FORK_TESTS) {
      out.push({ group: 'O_DIRECT + fork', test: t.desc, memoryType: 'base page', outcome: runOne(mem, t.fn) });
    }
  } finally {
    destroyMemMap(mem);
  }
  return out;
}

/** One table cell: `pass/fail/n.e.`, with skips appended when there are any. */
export function cell(results: readonly CaseResult[], group: Group): string {
  const n = (o: CaseResult['outcome']): number => results.filter((r) => r.group === group && r.outcome === o).length;
  const skip = n('skip');
  return `${n('pass')}/${n('fail')}/${n('n/e')}${skip > 0 ? ` +${skip} skip` : ''}`;
}

/** The README row for `variant`: its name, one cell per group, and the cow.c total. */
export function tableRow(variant: Variant, results: readonly CaseResult[]): string {
  const cow = results.filter((r) => r.group !== 'O_DIRECT + fork');
  const count = (o: CaseResult['outcome']): number => cow.filter((r) => r.outcome === o).length;
  const total = `${count('pass')}/${count('fail')}/${count('n/e')} of ${cow.length}`;
  return `| ${variant.name} | ${GROUPS.map((g) => cell(results, g)).join(' | ')} | ${total} |`;
}
