#!/usr/bin/env node
// Calibration campaign of `biobench ab` (issue 19, items 3-5), each run a fresh biobench process:
//   aa-null     A/A on the null driver (same configuration both sides): how often the primary metric
//               (CPU per IO) claims a difference, and the secondary (IOPS, Holm) too
//   effect-null A vs B, both spinning 2000 ns per IO in the driver (--null-cpu-nsec) and B δ more,
//               δ = 2 %, 5 %, 10 % of A's measured CPU per IO: how often the right sign is claimed
//   effect2-precision  the 2 % effect with --precision 0.8% in a 60 s budget
//   aa-loop     A/A on a loop device (root; attached here, detached by name in finally)
//   precision   --precision 1% on the null driver (budget 60 s), --precision 2% on a loop device (120 s)
//   aa-multi    A/A on the null driver with --processes 3 (the two-level design): false claims of the
//               combined interval, and how often a single process would have claimed
//   effect-multi B spins 5 % more CPU per IO than A (over the 2000 ns base), --processes 3
//   aa-auto     A/A with --precision P% (default 1) and --total S s of wall time (default 30) and the
//               processes `ab` chooses itself (two-level): on the null driver, or with --loop on a
//               loop device (iodepth 8; P default 2, S default 60)
//   effect-auto B spins 2 %, 5 %, 10 % more CPU per IO than A (over the 2000 ns base) at --precision
//               P% (default 1) in --total S s (default 30), processes chosen by `ab`
//   release     the release-mode table: pin+unpin against pin+unpin-batched, pin+deferred, get+put,
//               list+none, on the null driver and on a loop device
// Usage (from the repository root):
//   node apps/biobench/bench/ab-calibration.mjs [phase ...] [--runs N] [--budget S] > results.jsonl
// Each line of stdout is one run's JSON summary; stderr shows progress and, at the end, the tallies
// that BENCHMARKS.md quotes. Load averages are recorded per run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/biobench.mjs', import.meta.url));
const argv = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const phases = argv.filter((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1].startsWith('--')));

/** One `biobench ab` process; returns its biobench.ab JSON plus the load average around it. */
function ab(a, b, args) {
  const load0 = loadavg();
  const r = spawnSync(process.execPath, [BIN, 'ab', a, b, ...args, '--output-format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`biobench ab ${a} ${b} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  const doc = JSON.parse(r.stdout).biobench.ab;
  return { ...doc, load_before: load0, load_after: loadavg() };
}

function summary(phase, extra, doc) {
  const line = {
    phase, ...extra, design: doc.design, a: doc.a, b: doc.b, stop: doc.stop, measured_s: doc.measured_msec / 1000, groups: doc.groups,
    load: [doc.load_before[0], doc.load_after[0]],
    processes: doc.processes ?? 1,
    per_process: doc.per_process?.map((c) => ({ seed: c.seed, setup_first: c.setup_first, change_pct: c.metrics[0].change_pct, ci_pct: c.metrics[0].ci_pct, significant: c.metrics[0].significant })),
    metrics: doc.metrics.map((m) => ({ tau_pct: m.tau_pct, within_se_pct: m.within_se_pct, key: m.key, primary: m.primary, a: m.a.mean, b: m.b.mean, change_pct: m.change_pct, ci_pct: m.ci_pct, pm_pct: m.pm_pct, mde_pct: m.mde_pct, significant: m.significant, winner: m.winner, position_pct: m.position_pct })),
    verdict: doc.verdict,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  const p = line.metrics[0];
  process.stderr.write(`${phase} ${JSON.stringify(extra)}: ${doc.verdict} [${p.ci_pct.map((x) => x.toFixed(2)).join(', ')}] in ${line.measured_s.toFixed(1)} s, load ${line.load.map((x) => x.toFixed(1)).join('→')}\n`);
  return line;
}

/** A loop device over a fresh image, detached (by name) when `fn` is done. */
function withLoop(fn) {
  const dir = mkdtempSync(join(tmpdir(), 'ab-cal-'));
  const image = join(dir, 'img');
  execFileSync('truncate', ['-s', '256M', image]);
  const dev = execFileSync('losetup', ['--find', '--show', '--direct-io=on', image], { encoding: 'utf8' }).trim();
  try {
    return fn(dev);
  } finally {
    execFileSync('losetup', ['-d', dev]);
    rmSync(dir, { recursive: true, force: true });
  }
}

const runs = flag('--runs', 0);
const budget = `${flag('--budget', 10)}s`;
const NULL = ['--driver', 'null', '--engine', 'stack', '--budget', budget];
// aa-multi / effect-multi: --precision P (percent) is passed to every process of the run
const precisionArgs = flag('--precision', 0) > 0 ? ['--precision', `${flag('--precision', 0)}%`] : [];
const loopArgs = (dev) => ['--engine', 'stack', '--driver', 'bdev', '--target', dev, '--budget', budget, '--rw', 'randread', '--bs', '4k', '--iodepth', '8'];
const tallies = {};
const tally = (k, hit) => {
  tallies[k] ??= { runs: 0, hits: 0 };
  tallies[k].runs++;
  if (hit) tallies[k].hits++;
};

for (const phase of phases) {
  if (phase === 'aa-null') {
    for (let i = 0; i < (runs || 40); i++) {
      const l = summary(phase, { run: i, seed: i + 1 }, ab('release=unpin', 'release=unpin', [...NULL, '--seed', String(i + 1)]));
      tally('aa-null primary claims', l.metrics[0].significant);
      tally('aa-null any metric claims', l.metrics.some((m) => m.significant));
    }
  } else if (phase === 'effect-null') {
    // Both sides spin a base of 2000 ns per IO and B spins δ more: a spin of a few ns added to the
    // bare IO path is partly hidden by out-of-order execution (11 ns asked gave ≈ 4 ns), a longer
    // loop's extra iterations are not. δ = pct % of A's measured CPU per IO (A/A first, 5 s).
    const X = 2000;
    const base = ab(`null_cpu_nsec=${X}`, `null_cpu_nsec=${X}`, [...NULL, '--budget', '5s']).metrics[0].a.mean; // ns per IO
    for (const pct of [2, 5, 10]) {
      const ns = Math.max(1, Math.round((base * pct) / 100));
      for (let i = 0; i < (runs || 20); i++) {
        const l = summary(phase, { effect_pct: pct, null_cpu_nsec: [X, X + ns], base_ns: base, run: i }, ab(`null_cpu_nsec=${X}`, `null_cpu_nsec=${X + ns}`, [...NULL, '--budget', pct === 2 ? '20s' : budget, '--seed', String(i + 1)]));
        tally(`effect ${pct}% detected A<B`, l.metrics[0].significant && l.metrics[0].winner === 'A');
        tally(`effect ${pct}% wrong sign`, l.metrics[0].significant && l.metrics[0].winner === 'B');
      }
    }
  } else if (phase === 'effect2-precision') {
    // The 2 % effect at the precision that resolves it: --precision 0.8% within a 60 s budget.
    const X = 2000;
    const base = ab(`null_cpu_nsec=${X}`, `null_cpu_nsec=${X}`, [...NULL, '--budget', '5s']).metrics[0].a.mean;
    const ns = Math.max(1, Math.round(base * 0.02));
    for (let i = 0; i < (runs || 10); i++) {
      const l = summary(phase, { effect_pct: 2, null_cpu_nsec: [X, X + ns], base_ns: base, run: i }, ab(`null_cpu_nsec=${X}`, `null_cpu_nsec=${X + ns}`, [...NULL, '--budget', '60s', '--precision', '0.8%', '--seed', String(i + 1)]));
      tally('effect 2% (precision 0.8%) detected A<B', l.metrics[0].significant && l.metrics[0].winner === 'A');
      tally('effect 2% (precision 0.8%) wrong sign', l.metrics[0].significant && l.metrics[0].winner === 'B');
    }
  } else if (phase === 'aa-multi') {
    // the two-level design: 3 processes of --budget each (total 3×), combined with τ²
    const n = flag('--processes', 3);
    for (let i = 0; i < (runs || 20); i++) {
      const l = summary(phase, { run: i, seed: 1000 + i, processes: n }, ab('release=unpin', 'release=unpin', [...NULL, '--budget', `${n * flag('--budget', 10)}s`, '--processes', String(n), ...precisionArgs, '--seed', String(1000 + i)]));
      tally('aa-multi combined claims', l.metrics[0].significant);
      tally('aa-multi any metric claims', l.metrics.some((m) => m.significant));
      for (const c of l.per_process) tally('aa-multi single-process claims', c.significant);
    }
  } else if (phase === 'aa-auto') {
    // the default two-level design: `ab` picks the processes from the budget (one per 8 s, 5 to 12)
    const loop = argv.includes('--loop');
    const prec = flag('--precision', loop ? 2 : 1), total = flag('--total', loop ? 60 : 30);
    const one = (targetArgs, i) => {
      const l = summary(phase, { run: i, seed: 3000 + i, loop, precision_pct: prec, total_s: total }, ab('release=unpin', 'release=unpin', [...targetArgs, '--budget', `${total}s`, '--precision', `${prec}%`, '--seed', String(3000 + i)]));
      tally(`aa-auto${loop ? '-loop' : ''} combined claims`, l.metrics[0].significant);
      tally(`aa-auto${loop ? '-loop' : ''} any metric claims`, l.metrics.some((m) => m.significant));
      tally(`aa-auto${loop ? '-loop' : ''} precision reached`, l.metrics[0].pm_pct <= prec);
    };
    if (loop) withLoop((dev) => { for (let i = 0; i < (runs || 20); i++) one(loopArgs(dev), i); });
    else for (let i = 0; i < (runs || 40); i++) one(['--driver', 'null', '--engine', 'stack'], i);
  } else if (phase === 'effect-auto') {
    const X = 2000, prec = flag('--precision', 1), total = flag('--total', 30);
    const base = ab(`null_cpu_nsec=${X}`, `null_cpu_nsec=${X}`, [...NULL, '--budget', '5s', '--processes', '1']).metrics[0].a.mean;
    for (const pct of [2, 5, 10]) {
      const ns = Math.max(1, Math.round((base * pct) / 100));
      for (let i = 0; i < (runs || 10); i++) {
        const l = summary(phase, { effect_pct: pct, null_cpu_nsec: [X, X + ns], base_ns: base, run: i, precision_pct: prec, total_s: total }, ab(`null_cpu_nsec=${X}`, `null_cpu_nsec=${X + ns}`, ['--driver', 'null', '--engine', 'stack', '--budget', `${total}s`, '--precision', `${prec}%`, '--seed', String(4000 + i)]));
        tally(`effect-auto ${pct}% detected A<B`, l.metrics[0].significant && l.metrics[0].winner === 'A');
        tally(`effect-auto ${pct}% wrong sign`, l.metrics[0].significant && l.metrics[0].winner === 'B');
      }
    }
  } else if (phase === 'effect-multi') {
    const X = 2000, n = flag('--processes', 3);
    const base = ab(`null_cpu_nsec=${X}`, `null_cpu_nsec=${X}`, [...NULL, '--budget', '5s', '--processes', '1']).metrics[0].a.mean;
    const ns = Math.max(1, Math.round(base * 0.05));
    for (let i = 0; i < (runs || 10); i++) {
      const l = summary(phase, { effect_pct: 5, null_cpu_nsec: [X, X + ns], base_ns: base, run: i, processes: n }, ab(`null_cpu_nsec=${X}`, `null_cpu_nsec=${X + ns}`, [...NULL, '--budget', `${n * flag('--budget', 10)}s`, '--processes', String(n), ...precisionArgs, '--seed', String(2000 + i)]));
      tally('effect-multi 5% detected A<B', l.metrics[0].significant && l.metrics[0].winner === 'A');
      tally('effect-multi 5% wrong sign', l.metrics[0].significant && l.metrics[0].winner === 'B');
    }
  } else if (phase === 'aa-loop') {
    withLoop((dev) => {
      for (let i = 0; i < (runs || 20); i++) {
        const l = summary(phase, { run: i, seed: i + 1 }, ab('release=unpin', 'release=unpin', [...loopArgs(dev), '--seed', String(i + 1)]));
        tally('aa-loop primary claims', l.metrics[0].significant);
        tally('aa-loop any metric claims', l.metrics.some((m) => m.significant));
      }
    });
  } else if (phase === 'precision') {
    for (let i = 0; i < (runs || 3); i++) summary('precision-null', { run: i }, ab('release=unpin', 'release=unpin-batched', ['--driver', 'null', '--engine', 'stack', '--budget', '60s', '--precision', '1%', '--seed', String(i + 1)]));
    withLoop((dev) => {
      for (let i = 0; i < (runs || 3); i++) {
        for (const primary of ['cpu', 'iops']) summary('precision-loop', { run: i, primary }, ab('release=unpin', 'release=unpin-batched', [...loopArgs(dev), '--budget', '120s', '--precision', '2%', '--primary', primary, '--seed', String(i + 1)]));
      }
    });
  } else if (phase === 'release') {
    const sides = ['strategy=pin release=unpin-batched', 'strategy=pin release=deferred', 'strategy=get release=put', 'strategy=list release=none'];
    const base = 'strategy=pin release=unpin';
    for (const b of sides) summary('release-null', { b }, ab(base, b, [...NULL, '--budget', `${flag('--release-budget', 30)}s`]));
    withLoop((dev) => {
      for (const b of sides) summary('release-loop', { b }, ab(base, b, [...loopArgs(dev), '--budget', `${flag('--release-budget', 30)}s`]));
    });
  } else {
    throw new Error(`unknown phase '${phase}' (aa-null, effect-null, effect2-precision, aa-multi, effect-multi, aa-auto, effect-auto, aa-loop, precision, release)`);
  }
}
for (const [k, v] of Object.entries(tallies)) process.stderr.write(`${k}: ${v.hits}/${v.runs} (${((100 * v.hits) / v.runs).toFixed(1)}%)\n`);
