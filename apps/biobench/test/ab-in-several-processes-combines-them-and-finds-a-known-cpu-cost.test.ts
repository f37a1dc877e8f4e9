import { afterAll, describe, expect, it } from 'vitest';
import { biobench, expectNoStackTrace, expectUsageFailure, inProcess, scratch } from './helpers.ts';

const s = scratch();
afterAll(() => s.cleanup());

// Three fresh processes of the block design on the null driver, short budgets. The effect is a
// known one: both sides' driver busy-spins per request, B 1500 ns more than A's 2000 (over half
// of A's CPU per IO on any machine, however loaded: the thread CPU clock counts only the time the
// thread ran), so the combined interval must put A below B.
const common = ['--driver', 'null', '--engine', 'stack', '--budget', '1500ms', '--ramp-time', '300ms', '--block-msec', '5'];

describe('biobench ab --processes', () => {
  it('runs the block design in 3 processes with their own seeds, combines them and finds B\'s injected CPU cost', async () => {
    const r = await biobench(['ab', 'null_cpu_nsec=2000', 'null_cpu_nsec=3500', ...common, '--processes', '3', '--seed', '7', '--output-format', 'json'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    const ab = JSON.parse(r.stdout).biobench.ab;
    expect(ab).toMatchObject({ design: 'blocks', processes: 3, seed: 7, primary: 'cpu', budget_msec: 1500 });
    expect(ab.per_process).toHaveLength(3);
    // --budget is the wall time of all three, start-up and warm-up included: 1.5 s cannot hold three
    // processes' 300 ms warm-ups and start-ups and 500 ms each, so each gets the 500 ms floor
    expect(ab.wall_msec).toBeGreaterThan(3 * 500);
    expect(new Set(ab.per_process.map((p: { seed: number }) => p.seed)).size).toBe(3);
    for (const p of ab.per_process) {
      expect(p).toMatchObject({ design: 'blocks', budget_msec: 500, primary: 'cpu' });
      expect(['A', 'B']).toContain(p.setup_first);
      expect(p.order).toMatch(/^(ABBA|BAAB)+$/);
      for (const side of p.sides) expect(side.pins_balanced).toBe(true);
      expect(p.metrics[0].se_log).toBeGreaterThan(0);
    }
    // the side set up first alternates from process to process
    expect(ab.per_process.map((p: { setup_first: string }) => p.setup_first).join('')).toMatch(/^(ABA|BAB)$/);
    expect(typeof ab.metrics[0].setup_order_pct).toBe('number');
    expect(ab.groups).toBe(ab.per_process.reduce((t: number, p: { groups: number }) => t + p.groups, 0));
    const [cpu, iops] = ab.metrics;
    expect(cpu).toMatchObject({ key: 'cpu', primary: true, n_processes: 3, significant: true, winner: 'A' });
    expect(iops).toMatchObject({ key: 'iops', primary: false, n_processes: 3 });
    // the combined estimate is the random-effects mean of the processes' estimates: inside their range
    const logs = ab.per_process.map((p: { metrics: { mean_log: number }[] }) => p.metrics[0]!.mean_log);
    expect(cpu.mean_log).toBeGreaterThanOrEqual(Math.min(...logs) - 1e-12);
    expect(cpu.mean_log).toBeLessThanOrEqual(Math.max(...logs) + 1e-12);
    expect(cpu.change_pct).toBeLessThan(-25);
    expect(cpu.ci_pct[0]).toBeLessThanOrEqual(cpu.change_pct);
    expect(cpu.ci_pct[1]).toBeLessThan(0);
    expect(cpu.tau_pct).toBeGreaterThanOrEqual(0);
    expect(cpu.within_se_pct).toBeGreaterThan(0);
    expect(ab.verdict).toMatch(/^A uses less CPU per IO by [\d.]+% ± [\d.]+%$/);
    expectNoStackTrace(r.stderr);
  }, 180_000);

  it('refuses a bad --processes', async () => {
    expectUsageFailure(await inProcess(['ab', 'bs=4k', 'bs=8k', '--processes', '101'], s.dir), /processes/);
    expectUsageFailure(await inProcess(['ab', 'bs=4k', 'bs=8k', '--processes', 'x'], s.dir), /processes/);
    expectUsageFailure(await inProcess(['ab', 'bs=4k', 'bs=8k', '--design', 'process', '--processes', '3'], s.dir), /--processes 3 needs the block design/);
  });
});
