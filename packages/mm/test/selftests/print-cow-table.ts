/**
 * Prints the README's cow.c table rows (`npx tsx packages/mm/test/selftests/print-cow-table.ts`),
 * and with `--failures` the failing instances of each variant.
 */
import { runCowMatrix, tableRow, VARIANTS } from './cow-run.ts';

for (const v of VARIANTS) {
  const t0 = Date.now();
  const results = runCowMatrix(v);
  console.log(tableRow(v, results));
  if (process.argv.includes('--failures')) {
    for (const r of results.filter((x) => x.outcome === 'fail' || x.outcome === 'skip')) {
      console.log(`  ${r.outcome}: ${r.test} with ${r.memoryType}`);
    }
    console.log(`  (${Date.now() - t0} ms)`);
  }
}
