/**
 * `--null-completion-nsec` and `--null-cpu-nsec` reach the stack engine's null driver (its
 * completion delay and busy loop), and are refused — exit 2, the option named — where there is no
 * null driver to take them or the value is out of range. Exact checks only: no timing.
 */
import { describe, expect, it } from 'vitest';
import type { BlkDriver, NullDriver } from '@biopath/nvme';
import { stackAvailability } from '../src/engine/registry.ts';
import { runJob } from '../src/job/run-job.ts';
import { defaultsOf } from '../src/options/parse.ts';
import { expandSweep } from '../src/options/sweep.ts';
import { JOB_OPTIONS } from '../src/options/table.ts';
import { nullTarget } from '../src/job-target/target.ts';
import { expectNoStackTrace, inProcess, scratch } from './helpers.ts';

const avail = await stackAvailability();

describe.skipIf(!avail.ok)('null driver knobs on the stack engine', () => {
  it('a size-based job runs every IO through a null driver with the delay and busy loop asked for', async () => {
    const { createStackEngine } = await import('../src/engine/stack-engine.ts');
    const seen: BlkDriver[] = [];
    const engine = createStackEngine({ wrapDriver: (d) => { seen.push(d); return d; } });
    const job = expandSweep({
      ...defaultsOf(JOB_OPTIONS), driver: ['null'], rw: 'randread', size: 1 << 20, runtime: 0, ramp_time: 0, iodepth: [4],
      null_completion_nsec: [20_000], null_cpu_nsec: [5_000],
    }, new Set())[0]!;
    const target = nullTarget(1 << 20);
    try {
      const r = await runJob(job, target, engine as never);
      expect(r.error).toBeNull();
      expect(r.dirs[0].ios).toBe(256);
      expect(r.engine.notes).toContainEqual(expect.stringMatching(/^null driver calibration: completion_nsec=20000, cpu_nsec=5000 per IO \(\d+ busy-loop iterations\)$/));
    } finally {
      target.release();
    }
    expect(seen).toHaveLength(1);
    const d = seen[0] as NullDriver;
    expect([d.name, d.completionNsec, d.cpuNsecPerIo]).toEqual(['null', 20_000, 5_000]);
    expect(d.busyLoopsPerIo).toBeGreaterThan(0);
    // 256 IOs, but block may merge two that land next to each other in one plug into one request
    expect(d.stats.queued).toBeGreaterThan(0);
    expect(d.stats.queued).toBeLessThanOrEqual(256);
    expect(d.stats.completed).toBe(d.stats.queued);
    expect(d.busyLoops()).toBe(d.stats.queued * d.busyLoopsPerIo);
  });

  it('without the options the null driver has neither', async () => {
    const { createStackEngine } = await import('../src/engine/stack-engine.ts');
    const seen: BlkDriver[] = [];
    const engine = createStackEngine({ wrapDriver: (d) => { seen.push(d); return d; } });
    const job = expandSweep({ ...defaultsOf(JOB_OPTIONS), driver: ['null'], size: 1 << 20, runtime: 0, ramp_time: 0 }, new Set())[0]!;
    const target = nullTarget(1 << 20);
    try {
      expect((await runJob(job, target, engine as never)).error).toBeNull();
    } finally {
      target.release();
    }
    const d = seen[0] as NullDriver;
    expect([d.completionNsec, d.cpuNsecPerIo, d.busyLoopsPerIo, d.busyLoops()]).toEqual([0, 0, 0, 0]);
  });
});

const refused: [string, string[], RegExp][] = [
  ['cpu cost on the bdev driver', ['run', '--null-cpu-nsec', '1000'], /--null-cpu-nsec applies to the null driver only: use --driver null \(this job has --driver bdev\)/],
  ['delay in a sweep over drivers', ['run', '--driver', 'null,bdev', '--null-completion-nsec', '1000'], /--null-completion-nsec applies to the null driver only: use --driver null \(this job has --driver bdev\)/],
  ['both on the uring engine', ['run', '--engine', 'uring', '--driver', 'null', '--null-completion-nsec', '1', '--null-cpu-nsec', '1'], /--null-completion-nsec, --null-cpu-nsec apply to the null driver only: use --engine stack --driver null/],
  ['delay over 1 s', ['run', '--driver', 'null', '--null-completion-nsec', '1000000001'], /--null-completion-nsec.*expected a whole number from 0 to 1000000000/],
  ['negative cpu cost', ['run', '--driver', 'null', '--null-cpu-nsec', '-1'], /--null-cpu-nsec.*expected a whole number from 0 to 10000000/],
  ['fractional cpu cost', ['run', '--driver', 'null', '--null-cpu-nsec', '1.5'], /--null-cpu-nsec.*expected a whole number from 0 to 10000000/],
];

describe('null driver knobs: bad input', () => {
  it.each(refused)('%s: exit 2, the option named', async (_name, args, message) => {
    const s = scratch();
    try {
      const r = await inProcess(args, s.dir);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expectNoStackTrace(r.stderr);
      expect(r.stdout).toBe('');
    } finally {
      s.cleanup();
    }
  });
});
