/**
 * A device error in the middle of a job (@biopath/nvme's faulty driver in front of the bdev
 * driver): the job stops, the result names the IO and errno, the command's failure message is
 * clear — and every pin, fd, arena region and temporary image is given back.
 */
import { describe, expect, it } from 'vitest';
import { createFaultyDriver } from '@biopath/nvme';
import type { BlkDriver } from '@biopath/nvme';
import { failureOf } from '../src/commands/jobs.ts';
import { stackAvailability } from '../src/engine/registry.ts';
import { runJob } from '../src/job/run-job.ts';
import { defaultsOf } from '../src/options/parse.ts';
import { expandSweep } from '../src/options/sweep.ts';
import { JOB_OPTIONS } from '../src/options/table.ts';
import { jobJson } from '../src/output/fio-json.ts';
import { jobText } from '../src/output/normal.ts';
import { resolveTarget } from '../src/job-target/target.ts';
import { liveTempImages } from '../src/job-target/temp-image.ts';
import { scratch } from './helpers.ts';

const avail = await stackAvailability();
describe.skipIf(!avail.ok)('IO errors', () => {
  it.each(['pin', 'get'] as const)('the 40th write fails with EIO (%s): reported, stopped, nothing leaked', async (strategy) => {
    const { createStackEngine } = await import('../src/engine/stack-engine.ts');
    const s = scratch();
    process.env.BIOBENCH_TMPDIR = s.dir;
    const wrapped: BlkDriver[] = [];
    const engine = createStackEngine({
      wrapDriver: (d) => {
        const f = createFaultyDriver(d, { rules: [{ action: { kind: 'error', when: 'complete' }, ops: ['write'], nth: [40] }] });
        wrapped.push(f);
        return f;
      },
    });
    const job = expandSweep({ ...defaultsOf(JOB_OPTIONS), rw: 'randwrite', size: 2 << 20, runtime: 0, ramp_time: 0, iodepth: [8], strategy: [strategy] }, new Set())[0]!;
    const target = resolveTarget({ path: null, tempSize: 2 << 20, write: true, writeReason: '', direct: true, allowDestructive: false });
    try {
      const r = await runJob(job, target, engine as never);
      expect(r.error).toMatchObject({ ddir: 1, len: 4096, res: -5 });
      expect(r.dirs[1].ios).toBeLessThan(512); // it stopped
      expect(r.counters.pins_acquired).toBe(r.counters.pins_released);
      expect(r.counters.refs_taken).toBe(r.counters.refs_released);
      expect(failureOf([r])!.message).toMatch(new RegExp(`biobench: write of 4096 bytes at offset ${r.error!.offset} failed with EIO \\(-5\\)`));
      expect(jobJson(r, false)).toMatchObject({ error: 5, biobench: { error: { ddir: 'write', errno: 'EIO' } } });
      expect(jobText(r)).toContain(`err= 5 (EIO: write of 4096 bytes at offset ${r.error!.offset} failed)`); // fio's err=, with what failed
    } finally {
      target.release();
      delete process.env.BIOBENCH_TMPDIR;
      s.cleanup();
    }
    expect(liveTempImages()).toEqual([]);
    expect(wrapped).toHaveLength(1);
  });
});
