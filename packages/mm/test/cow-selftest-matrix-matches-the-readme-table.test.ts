/**
 * Our port of the kernel's cow.c matrix (test/selftests/, cow.c of the seed's time) runs under every
 * profile variant, and each computed row must be the row the README documents. The seed's own
 * result is asserted by name: under `v8` exactly the vmsplice x hugetlb instances fail (the seed
 * mail's "8 out of 190"), and with vmsplice taking FOLL_PIN pins none does.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ANON_TEST_CASES } from './selftests/cow-anon-cases.ts';
import { type CaseResult, runCowMatrix, tableRow, VARIANTS } from './selftests/cow-run.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The rows between the README's cow-table markers, keyed by variant name. */
function documentedRows(): Map<string, string> {
  const block = README.split('<!-- cow-table:begin -->')[1]?.split('<!-- cow-table:end -->')[0] ?? '';
  const rows = new Map<string, string>();
  for (const line of block.split('\n')) {
    const m = /^\| ([^|]+?) \|/.exec(line);
    if (m !== null && !line.startsWith('|---') && m[1] !== 'variant') rows.set(m[1]!, line.trim());
  }
  return rows;
}

function failing(results: readonly CaseResult[]): string[] {
  return results.filter((r) => r.outcome === 'fail' && r.group !== 'O_DIRECT + fork')
    .map((r) => `${r.test} with ${r.memoryType}`).sort();
}

const VMSPLICE_X_HUGETLB = ANON_TEST_CASES.filter((t) => t.group === 'vmsplice')
  .flatMap((t) => ['hugetlb (2048 kB)', 'hugetlb (1048576 kB)'].map((m) => `${t.desc} with ${m}`)).sort();

describe.each(VARIANTS.map((v) => ({ v, name: v.name })))('cow.c matrix under $name', ({ v }) => {
  it('matches the README row', { timeout: 600_000 }, () => {
    const results = runCowMatrix(v);
    expect(results.filter((r) => r.group !== 'O_DIRECT + fork')).toHaveLength(190);
    expect(tableRow(v, results)).toBe(documentedRows().get(v.name));
    if (v.vmsplice === 'FOLL_PIN') expect(failing(results)).toEqual([]);
    else expect(failing(results)).toEqual(VMSPLICE_X_HUGETLB);
    const test3 = results.find((r) => r.test.startsWith('test3'))!;
    expect(test3.outcome).toBe(v.profile === 'legacy' ? 'fail' : 'pass');
  });
});
