import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { biobench, expectNoStackTrace, expectUsageFailure, inProcess, scratch } from './helpers.ts';

const s = scratch();
afterAll(() => s.cleanup());

// The null driver needs no device; a short budget keeps the test short. The effect is a known
// one: B's driver busy-spins 2000 ns per request on top of the same IO path (null_cpu_nsec), so
// B's CPU per IO is far above A's on any machine however loaded — the thread CPU clock counts
// only the time the thread ran.
const common = ['--driver', 'null', '--engine', 'stack', '--budget', '1500ms', '--ramp-time', '300ms', '--block-msec', '5'];

describe('biobench ab, design blocks', () => {
  it('sets A and B up side by side, alternates ABBA/BAAB groups in a seeded order and finds B\'s injected CPU cost', async () => {
    const out = join(s.dir, 'blocks.json');
    const r = await biobench(['ab', 'null_cpu_nsec=0', 'null_cpu_nsec=2000', ...common, '--output-format', 'json+', '--output', out, '--seed', '7'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    const ab = JSON.parse(readFileSync(out, 'utf8')).biobench.ab;
    expect(ab).toMatchObject({ design: 'blocks', a: 'null_cpu_nsec=0', b: 'null_cpu_nsec=2000', seed: 7, block_msec: 5, ramp_msec: 300, budget_msec: 1500, primary: 'cpu', stop: 'budget' });
    expect(ab.order).toMatch(/^(ABBA|BAAB)+$/);
    expect(['A', 'B']).toContain(ab.setup_first);
    expect(ab.order.length / 4).toBe(ab.groups + ab.warmup_groups);
    expect(ab.blocks.side).toHaveLength(4 * ab.groups);
    expect(ab.blocks.side.map((x: number) => 'AB'[x]).join('')).toBe(ab.order.slice(4 * ab.warmup_groups));
    for (const side of ab.sides) expect(side.pins_balanced).toBe(true);
    const [cpu, iops] = ab.metrics;
    expect(cpu).toMatchObject({ key: 'cpu', primary: true, significant: true, winner: 'A' });
    expect(iops).toMatchObject({ key: 'iops', primary: false });
    expect(cpu.change_pct).toBeLessThan(0);
    expect(cpu.ci_pct[0]).toBeLessThanOrEqual(cpu.change_pct);
    expect(cpu.ci_pct[1]).toBeGreaterThanOrEqual(cpu.change_pct);
    expect(cpu.mde_pct).toBeGreaterThan(cpu.pm_pct);
    expect(ab.verdict).toMatch(/^A uses less CPU per IO by [\d.]+% ± [\d.]+%$/);
    expectNoStackTrace(r.stderr);
    const rep = await biobench(['report', out, '--out-dir', join(s.dir, 'report')], { tmp: s.dir });
    expect(rep.code, rep.stderr).toBe(0);
    expect(readFileSync(join(s.dir, 'report', 'report.html'), 'utf8')).toMatch(/\d+ groups of blocks in one process \(ABBA\/BAAB\)/);
  });

  it('prints the design, the verdict, position effect, MDE and load (text)', async () => {
    const r = await biobench(['ab', 'release=unpin', 'release=unpin-batched', ...common, '--budget', '500ms', '--precision', '50%', '--processes', '1', '--seed', '7'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^A: release=unpin\nB: release=unpin-batched\ndesign: blocks in one process, 5 ms each, groups ABBA\/BAAB in seeded random order \(seed 7\); \d+ groups measured in [\d.]+ s, \d+ warm-up groups discarded; (A|B) set up first; stopped: (precision ±50% reached|time budget 0\.5 s \(precision ±50% not reached\))$/m);
    expect(r.stdout).toMatch(/^CPU per IO \(ns\) \[primary\]\s/m);
    expect(r.stdout).toMatch(/^verdict: (A|B) uses less CPU per IO by |^verdict: no difference detected/m);
    expect(r.stdout).toMatch(/^position effect \(CPU per IO of a side's block run first vs second\): [+−][\d.]+% \[/m);
    expect(r.stdout).toMatch(/^minimum detectable effect \(80% power\) on CPU per IO: ±[\d.]+%$/m);
    expect(r.stdout).toMatch(/^machine: load average [\d.]+ [\d.]+ [\d.]+ at start, /m);
    expectNoStackTrace(r.stderr);
  });

  it('refuses --design blocks for what cannot share a process, and a bad --precision', async () => {
    expectUsageFailure(await inProcess(['ab', 'bs=4k', 'bs=8k', '--design', 'blocks', '--verify', 'crc32c', '--size', '1m'], s.dir), /--design blocks: A and B cannot share one process: --verify needs whole jobs; use --design process/);
    expectUsageFailure(await inProcess(['ab', 'bs=4k', 'bs=8k', '--precision', '1x'], s.dir), /bad percentage '1x'/);
  });
});
