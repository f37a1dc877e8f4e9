/**
 * `biobench compare` hands fio the same job: every fio-named option biobench ran with becomes a fio
 * argument, and fio itself (`--parse-only`, no IO) accepts the command line.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { probe } from '@biopath/testing';
import { fioArgs } from '../src/compare/fio-job.ts';
import { applyAssignments, defaultsOf } from '../src/options/parse.ts';
import { expandSweep } from '../src/options/sweep.ts';
import { JOB_OPTIONS } from '../src/options/table.ts';

const fio = probe.command('fio');

const config = 'rw=randrw bs=4k,64k rwmixwrite=25 rate=1m,2m rate_iops=,500 thinktime=100 thinktime_blocks=4 loops=2 startdelay=10ms ' +
  'norandommap=1 random_distribution=zipf:1.2 iodepth_batch_submit=4 iodepth_batch_complete_min=2 iodepth_batch_complete_max=8 ' +
  'iodepth_low=4 fdatasync=16 buffer_pattern=0xdeadbeef percentile_list=50:99:99.9 lat_percentiles=1 runtime=0 time_based=0';

describe('compare\'s fio command', () => {
  const { values, explicit } = applyAssignments(config, JOB_OPTIONS, defaultsOf(JOB_OPTIONS), new Set());
  const job = expandSweep(values, explicit)[0]!;
  const args = fioArgs(job, '/dev/null', 1 << 20);

  it('carries every fio-named option the job set', () => {
    for (const a of ['--rw=randrw', '--bs=4096,65536', '--rwmixread=75', '--rate=1048576,2097152', '--rate_iops=0,500', '--thinktime=100',
      '--thinktime_blocks=4', '--loops=2', '--startdelay=10ms', '--norandommap', '--random_distribution=zipf:1.2', '--iodepth_batch_submit=4',
      '--iodepth_batch_complete_min=2', '--iodepth_batch_complete_max=8', '--iodepth_low=4', '--fdatasync=16', '--buffer_pattern=0xdeadbeef',
      '--percentile_list=50:99:99.9', '--lat_percentiles=1']) expect(args).toContain(a);
    expect(args.some((a) => a.startsWith('--time_based'))).toBe(false);
  });

  it.skipIf(!fio.ok)('is one fio accepts (fio --parse-only)', () => {
    const r = spawnSync('fio', ['--parse-only', ...args], { encoding: 'utf8' });
    expect(r.status, r.stderr + r.stdout).toBe(0);
  });
});
