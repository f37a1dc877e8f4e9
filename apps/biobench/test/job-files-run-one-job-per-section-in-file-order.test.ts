/**
 * `biobench run job.fio`: fio's INI job files — [global] (applying to the jobs after it, a later
 * [global] changing later jobs), include, ${ENV}, comments, bare flags, stonewall/new_group —
 * one job per section, reported in file order under its section name with fio's group ids, on
 * the null driver (no device); options on the command line override the file's for every job.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { biobench, expectNoStackTrace, leftoverImages, scratch } from './helpers.ts';

const s = scratch();
const job = join(s.dir, 'job.fio');

beforeAll(() => {
  writeFileSync(join(s.dir, 'common.fio'), [
    '; settings every job shares',
    '[global]',
    'driver=null',
    'size=1m',
    'ramp_time=0',
  ].join('\n'));
  writeFileSync(job, [
    'include common.fio',
    '# three jobs, run in this order',
    '[seq]',
    'rw=read',
    '',
    '[rand]',
    'rw=randread',
    'iodepth=${BIOBENCH_TEST_QD}   ; from the environment',
    'stonewall',
    '',
    '[global]',
    'bs=8k',
    '',
    '[late]',
    'rw=read',
    'new_group',
  ].join('\n'));
});
afterAll(() => s.cleanup());

interface Doc {
  'global options': Record<string, string>;
  jobs: { jobname: string; groupid: number; 'job options': Record<string, string>; read: { total_ios: number }; error: number }[];
  biobench: { notes: string[] };
}

describe('a job file', () => {
  it('runs one job per section, in file order, with [global] applying to the jobs after it', async () => {
    const out = join(s.dir, 'r.json');
    const r = await biobench(['run', job, '--output-format', 'json', '--output', out], { tmp: s.dir, env: { BIOBENCH_TEST_QD: '16' } });
    expect(r.code, r.stderr).toBe(0);
    expectNoStackTrace(r.stderr);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as Doc;
    const rows = doc.jobs.map((j) => [j.jobname, j['job options'].rw, j['job options'].bs, j['job options'].iodepth, j['job options'].runtime, j.read.total_ios, j.error]);
    expect(rows).toEqual([
      // "job options" holds only the section's own entries, as fio's JSON does ([global]'s are "global options");
      // no time_based: size based, each block of 1m once
      ['seq', 'read', undefined, undefined, undefined, 256, 0],
      ['rand', 'randread', undefined, '16', undefined, 256, 0], // iodepth from ${BIOBENCH_TEST_QD}
      ['late', 'read', undefined, undefined, undefined, 128, 0], // the second [global] made bs 8k for the jobs after it: 128 IOs
    ]);
    expect(doc['global options']).toEqual({ size: '1m', driver: 'null', ramp_time: '0s' }); // the first [global]; driver is biopath's own name
    // fio's groups: stonewall on 'rand' starts group 1 after 'seq' ends; new_group on 'late' starts
    // reporting group 2 but runs with 'rand' (no stonewall): two worker threads at once
    expect(doc.jobs.map((j) => j.groupid)).toEqual([0, 1, 2]);
    expect(leftoverImages(s.dir)).toEqual([]);
  });

  it('lets options on the command line override the file for every job', async () => {
    const r = await biobench(['run', job, '--bs', '16k', '--output-format', 'json'], { tmp: s.dir, env: { BIOBENCH_TEST_QD: '2' } });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.jobs.map((j) => [j.jobname, j['job options'].bs, j['job options'].iodepth, j.read.total_ios])).toEqual([
      ['seq', '16k', undefined, 64], ['rand', '16k', '2', 64], ['late', '16k', undefined, 64],
    ]);
  });

  it('of one job is the base ab applies A and B over', async () => {
    const one = join(s.dir, 'one.fio');
    writeFileSync(one, ['[global]', 'driver=null', 'size=256k', 'ramp_time=0', '[base]', 'rw=randread', 'bs=8k'].join('\n'));
    const r = await biobench(['ab', 'iodepth=1', 'iodepth=8', one, '--design', 'process', '--output-format', 'json'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.jobs).toHaveLength(10); // 5 pairs
    for (const j of doc.jobs) {
      expect([j['job options'].rw, j['job options'].bs, j.read.total_ios]).toEqual(['randread', '8k', 32]);
      expect(j['job options'].iodepth).toBe(j.jobname === 'A' ? '1' : '8');
    }
  });
});
