#!/usr/bin/env node
// The one test command: lint (module boundaries, cargo fmt/clippy) and every vitest project,
// then a closing line "N passed, N failed, N skipped". Exits non-zero on any failure.
// Lint failures count as one failed check each.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';

const out = '.ci/out';
mkdirSync(out, { recursive: true });
let lintFailed = 0;

function run(cmd, args, extraEnv = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', ...extraEnv } });
  return r.status ?? 1;
}

if (run('npx', ['nx', 'run-many', '-t', 'lint', '--outputStyle=static', '--skipNxCache']) !== 0) lintFailed++;

const report = `${out}/vitest.json`;
const vitestStatus = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);

let passed = 0, failed = 0, skipped = 0;
if (existsSync(report)) {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  passed = j.numPassedTests;
  failed = j.numFailedTests + (j.numRuntimeErrorTestSuites ?? 0);
  skipped = j.numPendingTests + (j.numTodoTests ?? 0);
  if (vitestStatus !== 0 && failed === 0) failed = 1; // e.g. an unhandled error outside any test
} else {
  failed = 1;
}
failed += lintFailed;
if (lintFailed) console.log('lint failed (counted as a failed check)');
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 ? 0 : 1);
