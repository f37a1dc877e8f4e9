#!/usr/bin/env node
// npm run fuzz [-- --rounds N --factor F]: every fast-check property of the workspace, with fresh
// random seeds and F times the runs of the test command (which always uses one fixed seed). Each
// round prints the seed it used; a failing round prints fast-check's seed and shrink path, and the
// command exits non-zero. Reproduce with BIOPATH_SEED=<seed> BIOPATH_FC_RUNS_FACTOR=<F> npx vitest run <file>,
// then add the counterexample to that property's `examples`. Not part of CI's test command.
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    factor: { type: 'string', default: '20' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('usage: npm run fuzz -- [--rounds N (5)] [--factor F (20): runs per property = F x the test command\'s]');
  process.exit(0);
}
const rounds = Number(values.rounds);
const factor = Number(values.factor);
for (const [name, v] of [['--rounds', rounds], ['--factor', factor]]) {
  if (!Number.isSafeInteger(v) || v < 1) {
    console.error(`fuzz: ${name} must be a positive integer`);
    process.exit(2);
  }
}

// The property files: every test file that imports fast-check.
const grep = spawnSync('git', ['grep', '-l', "from 'fast-check'", '--', 'packages/*.test.ts', 'apps/*.test.ts'], { encoding: 'utf8' });
const files = grep.stdout.split('\n').filter(Boolean);
if (files.length === 0) {
  console.error('fuzz: no property test files found');
  process.exit(2);
}
console.log(`fuzz: ${files.length} property files, ${rounds} round(s), ${factor}x runs\n  ${files.join('\n  ')}`);

const failed = [];
const used = [];
for (let r = 1; r <= rounds; r++) {
  const seed = randomInt(-(2 ** 31), 2 ** 31 - 1);
  used.push(seed);
  console.log(`\nfuzz round ${r}/${rounds}: BIOPATH_SEED=${seed} BIOPATH_FC_RUNS_FACTOR=${factor}`);
  const res = spawnSync('npx', ['vitest', 'run', '--reporter=dot', ...files], {
    stdio: 'inherit',
    env: { ...process.env, BIOPATH_SEED: String(seed), BIOPATH_FC_RUNS_FACTOR: String(factor), NX_DAEMON: 'false' },
  });
  if (res.status !== 0) failed.push(seed);
}
console.log(`\nfuzz: seeds used: ${used.join(', ')}; ${failed.length ? `failing: ${failed.join(', ')}` : 'all passed'}`);
process.exit(failed.length ? 1 : 0);
