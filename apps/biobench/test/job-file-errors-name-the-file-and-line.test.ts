/**
 * A job file biobench cannot run as written is refused before any IO — exit 2, one line naming the
 * file and line: an option fio has and biobench lacks, a typo (with a hint), a bad value, an include
 * cycle, an unset ${VAR}, a trim block size, an output option, a missing file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectUsageFailure, inProcess, leftoverImages, scratch } from './helpers.ts';

const s = scratch();
const files: Record<string, string[]> = {
  'unsupported.fio': ['[global]', 'driver=null', 'size=1m', '', '[a]', 'rw=read', 'nrfiles=4'],
  'typo.fio': ['[a]', 'iodeph=4'],
  'bad-value.fio': ['# a comment', '[a]', 'bs=4q'],
  'cycle-a.fio': ['[a]', 'include cycle-b.fio'],
  'cycle-b.fio': ['rw=read', 'include cycle-a.fio'],
  'env.fio': ['[a]', 'driver=null', 'size=${BIOBENCH_TEST_UNSET_VAR}'],
  'output.fio': ['[a]', 'output=r.json'],
  'outside.fio': ['rw=read', '[a]'],
  'engine.fio': ['[a]', 'ioengine=libaio'],
  'comma.fio': ['[a]', 'bs=4k,64k,4k'],
  'include-missing.fio': ['[global]', 'include nowhere/common.fio', '[a]'],
  'two-jobs.fio': ['[global]', 'driver=null', 'size=1m', '[a]', '[b]'],
};

beforeAll(() => {
  for (const [name, lines] of Object.entries(files)) writeFileSync(join(s.dir, name), lines.join('\n'));
  delete process.env.BIOBENCH_TEST_UNSET_VAR;
});
afterAll(() => s.cleanup());

const f = (name: string): string => join(s.dir, name);
const cases: [string, string[], RegExp][] = [
  ['an option fio has and biobench does not', ['run', f('unsupported.fio')], /unsupported\.fio:7: option 'nrfiles' is not supported by biobench/],
  ['a misspelt option, with a hint', ['run', f('typo.fio')], /typo\.fio:2: option 'iodeph' is not supported by biobench; did you mean 'iodepth'\?/],
  ['a bad value, through the option table\'s validator', ['run', f('bad-value.fio')], /bad-value\.fio:3: bs=4q: bad size '4q'/],
  ['an include cycle', ['run', f('cycle-a.fio')], /cycle-b\.fio:2: include cycle-a\.fio makes a cycle/],
  ['an unset environment variable', ['run', f('env.fio')], /env\.fio:3: environment variable 'BIOBENCH_TEST_UNSET_VAR' is not set/],
  ['an output option in the file', ['run', f('output.fio')], /output\.fio:2: option 'output' belongs on the command line/],
  ['an option before any section', ['run', f('outside.fio')], /outside\.fio:1: 'rw=read' is outside a section/],
  ['an engine biobench does not have', ['run', f('engine.fio')], /engine\.fio:2: ioengine=libaio: biobench runs io_uring/],
  ['a trim block size', ['run', f('comma.fio')], /comma\.fio:2: bs=4k,64k,4k: bad block size '4k,64k,4k': a trim block size \(third value\) is not supported/],
  ['a missing job file', ['run', f('missing.fio')], /job file .*missing\.fio: cannot read it \(ENOENT\)/],
  ['a missing include', ['run', f('include-missing.fio')], /include-missing\.fio:2: include nowhere\/common\.fio: cannot read it \(ENOENT\)/],
  ['ab with a job file of several jobs', ['ab', 'iodepth=1', 'iodepth=2', f('two-jobs.fio')], /two-jobs\.fio: ab takes a job file with one job .* it has 2: a, b/],
  ['ab with a bad job file', ['ab', 'iodepth=1', 'iodepth=2', f('typo.fio')], /typo\.fio:2: option 'iodeph'/],
];

describe('job file errors', () => {
  it.each(cases)('%s: exit 2 naming the file and line', async (_name, args, message) => {
    const r = await inProcess(args, s.dir);
    expectUsageFailure(r, message);
    expect(leftoverImages(s.dir)).toEqual([]);
  });
});
