#!/usr/bin/env node
// The one test command: lint (module boundaries, cargo fmt/clippy), the TypeScript typecheck, and
// every vitest project,
// then a closing line "N passed, N failed, N skipped". Exits non-zero on any failure.
// Lint failures count as one failed check each. The NVMe passthrough tests (skipped on a host
// without NVMe) then run again inside the QEMU NVMe guest (tools/qemu-nvme/run-tests.sh) and their
// counts join the closing line; see nvmeGuest() below.
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
if (run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']) !== 0) lintFailed++;

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
if (lintFailed) console.log(`lint/typecheck: ${lintFailed} check(s) failed (each counted as a failed test)`);

// NVMe guest: expected when BIOPATH_NVME_VM=1 (.ci/run sets it); otherwise run only if the guest is
// already prepared (qemu + tools/qemu-nvme/setup.sh's kernel), and say why not when it is not.
// When expected, a guest that cannot boot, or that runs no NVMe test, counts as one failed check.
function nvmeGuest() {
  const none = { passed: 0, failed: 0, skipped: 0 };
  const want = process.env.BIOPATH_NVME_VM;
  if (want === '0') return (console.log('\nNVMe guest tests: not run (BIOPATH_NVME_VM=0)'), none);
  const expected = want === '1';
  const vmDir = process.env.BIOPATH_NVME_VM_DIR ?? '/tmp/biopath-nvme-vm';
  const hasQemu = spawnSync('sh', ['-c', 'command -v qemu-system-x86_64'], { stdio: 'ignore' }).status === 0;
  if (!expected && !(hasQemu && existsSync(`${vmDir}/vmlinux`))) {
    console.log(`\nNVMe guest tests: not run (${hasQemu ? `no guest kernel in ${vmDir}` : 'qemu-system-x86_64 is not installed'}; ` +
      'run tools/qemu-nvme/setup.sh or set BIOPATH_NVME_VM=1 to run them)');
    return none;
  }
  const report = `${out}/nvme-vm-vitest.json`;
  const status = run('tools/qemu-nvme/run-tests.sh', []);
  if (!existsSync(report)) {
    console.log(`NVMe guest tests: the guest did not produce a report (run-tests.sh exit ${status}: ` +
      `${status === 124 ? 'timed out' : status === 125 ? 'the VM did not boot or never reported' : 'see above'})` +
      (expected ? ' (counted as a failed check)' : ' (not counted: the NVMe run was not required)'));
    return { ...none, failed: expected ? 1 : 0 };
  }
  const j = JSON.parse(readFileSync(report, 'utf8'));
  const g = { passed: j.numPassedTests, failed: j.numFailedTests + (j.numRuntimeErrorTestSuites ?? 0), skipped: j.numPendingTests + (j.numTodoTests ?? 0) };
  if (status !== 0 && g.failed === 0) g.failed = 1;
  if (g.passed === 0 && g.failed === 0) {
    console.log('NVMe guest tests: none ran in the guest (counted as a failed check)');
    g.failed = 1;
  }
  console.log(`NVMe guest tests: ${g.passed} passed, ${g.failed} failed, ${g.skipped} skipped (the same files skip on the host)`);
  return g;
}
const guest = nvmeGuest();
passed += guest.passed;
failed += guest.failed;
skipped += guest.skipped;
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 ? 0 : 1);
