/**
 * `biobench ab A B`: two configurations (key=value lists over the common options) on one target.
 * Where they can share a process (same engine, no page cache, no verify) they are set up side by
 * side and alternate in short blocks, balanced ABBA/BAAB, until the declared primary metric's
 * always-valid interval reaches --precision or --budget runs out (ab/blocks.ts, ab/block-stats.ts,
 * ab/confseq.ts). Otherwise whole runs alternate in balanced order (A B, B A, ...), with the
 * position effect estimated (ab/stats.ts, ab/noise.ts). Secondary metrics are Holm-adjusted.
 */
import type { CmdIo } from '../cli/cmd-io.ts';
import { RunError, UsageError } from '../cli/errors.ts';
import { loadavg } from 'node:os';
import { blkFlushDeferredRelease } from '@biopath/block';
import { cpuTimes, judgeNoise, load1 } from '../ab/noise.ts';
import type { NoiseReport } from '../ab/noise.ts';
import { compareMetric, holmSecondaries, positionEffect } from '../ab/stats.ts';
import type { Comparison, PositionEffect } from '../ab/stats.ts';
import { runBlocks } from '../ab/blocks.ts';
import { clipsOf, compareBlocks, halfWidthPct } from '../ab/block-stats.ts';
import { blocksJson, blocksText } from '../ab/blocks-report.ts';
import type { BlocksMeta } from '../ab/blocks-report.ts';
import { csRho } from '../ab/confseq.ts';
import { childArgv, childSeeds, runChild } from '../ab/processes.ts';
import type { ChildAb } from '../ab/processes.ts';
import { compareProcesses, multiJson, multiText } from '../ab/processes-report.ts';
import type { MultiMeta } from '../ab/processes-report.ts';
import type { IoEngine } from '../engine/engine.ts';
import type { JobResult } from '../job/run-job.ts';
import { jobFileSweeps } from '../jobfile/options.ts';
import { applyAssignments } from '../options/parse.ts';
import type { SweepOf } from '../options/def.ts';
import { JOB_OPTIONS, OPTION_TABLE } from '../options/table.ts';
import type { JobSweep } from '../options/table.ts';
import { fioDocument, jobJson } from '../output/fio-json.ts';
import { AB_METRICS, jobMetrics } from '../output/metrics.ts';
import { fixed, kilo, renderTable } from '../output/format.ts';
import { describeTarget } from '../job-target/target.ts';
import { emit } from './run.ts';
import { mergeGroup } from '../job/merge.ts';
import { failureOf, openTarget, planJobs, runPlan } from './jobs.ts';
import type { Plan } from './jobs.ts';

type AbValues = SweepOf<typeof OPTION_TABLE.ab>;

/** Engines other than stack defer nothing past a block. */
function noFlush(): void {
  // nothing to flush
}

/** Warm-up of the block design unless --ramp-time is given: both sides' IO paths reach the JIT's top tier. */
const BLOCKS_WARMUP_MS = 2000;

/** A job file for ab: exactly one job, the base A and B are applied over. */
function oneFileJob(file: string, cli: AbValues, cliExplicit: Set<string>): { values: AbValues; explicit: Set<string> } {
  const jobs = jobFileSweeps(file, cli, cliExplicit);
  if (jobs.length !== 1) throw new UsageError(`${file}: ab takes a job file with one job (the base of A and B); it has ${jobs.length}: ${jobs.map((j) => j.section).join(', ')}`);
  return jobs[0]!;
}

async function side(text: string, base: AbValues, explicit: Set<string>, name: string): Promise<Plan> {
  const { values, explicit: ex } = applyAssignments(text, JOB_OPTIONS, base as JobSweep, explicit);
  const plan = await planJobs(values, ex);
  if (plan.jobs.length !== 1) throw new UsageError(`configuration ${name} ('${text}') makes ${plan.jobs.length} jobs; A and B must each be one job (no comma lists)`);
  plan.jobs[0]!.name = name;
  return plan;
}

export async function cmdAb(aText: string, bText: string, cli: AbValues, cliExplicit: Set<string>, io: CmdIo, jobFile?: string): Promise<number> {
  const { values, explicit } = jobFile === undefined ? { values: cli, explicit: cliExplicit } : oneFileJob(jobFile, cli, cliExplicit);
  const a = await side(aText, values, explicit, 'A'), b = await side(bText, values, explicit, 'B');
  const ja = a.jobs[0]!, jb = b.jobs[0]!;
  if (ja.target !== jb.target) throw new UsageError('A and B must run on the same target: set --target outside the configurations');
  const why = whyNotOneProcess(a, b);
  if (values.design === 'blocks' && why) throw new UsageError(`--design blocks: A and B cannot share one process: ${why}; use --design process`);
  if ((values.design === 'process' || why) && values.processes > 1) throw new UsageError(`--processes ${values.processes} needs the block design (A and B in one process${why ? `; here: ${why}` : ''}); the process design already runs every pair in fresh runs`);
  if (values.design !== 'process' && !why) {
    const n = processesOf(values);
    if (n > 1) return abProcesses(aText, bText, n, values, explicit, io);
    return abBlocks(aText, bText, a, b, { ...values, ramp_time: explicit.has('ramp_time') ? values.ramp_time : BLOCKS_WARMUP_MS }, io);
  }
  return abProcess(aText, bText, a, b, values, io, values.design === 'auto' && why ? `whole runs per side (not blocks in one process: ${why})` : '');
}

/**
 * Processes of the block design: --processes, or auto (0): one when no precision is asked; with
 * --precision as many as the budget holds at {@link MIN_PROCESS_WALL_MS} of wall time each, at least
 * {@link MIN_AUTO_PROCESSES} and at most {@link MAX_AUTO_PROCESSES}.
 */
export function processesOf(values: { processes: number; precision: number; budget: number }): number {
  if (values.processes > 0) return values.processes;
  if (!(values.precision > 0)) return 1;
  return Math.min(MAX_AUTO_PROCESSES, Math.max(MIN_AUTO_PROCESSES, Math.floor(values.budget / MIN_PROCESS_WALL_MS)));
}

/**
 * The fewest processes chosen for --precision: a Student t with 4 degrees of freedom (2.78) over
 * √5 process means makes a ±1 % combined interval reachable with a between-process offset of
 * ≈ 0.4 %; with 3 processes (t₂ = 4.30 over √3) it is not. The interval narrows with the number of
 * processes, not with time per process (time shrinks only the within-process part), so a longer
 * budget buys more processes rather than longer ones.
 */
const MIN_AUTO_PROCESSES = 5;
const MAX_AUTO_PROCESSES = 12;
/** Wall time one process needs to reach a precision stop: start-up (≈ 1.5 s), 2 s of warm-up, the 200-group minimum (4 s of 5 ms blocks). */
const MIN_PROCESS_WALL_MS = 8000;
/** Measuring time a child gets at least, whatever is left of the budget. */
const MIN_CHILD_MEASURE_MS = 500;

/**
 * The block design in `n` child processes, one after the other, combined with the between-process
 * variance. `--budget` is the wall time of the whole run: each child's measuring budget is its
 * share of what is left, less the start-up and warm-up the children before it were seen to take.
 */
async function abProcesses(aText: string, bText: string, n: number, values: AbValues, explicit: Set<string>, io: CmdIo): Promise<number> {
  const loadBefore = loadavg(), children: ChildAb[] = [];
  const t0 = performance.now();
  let overheadMs = 1500 + BLOCKS_WARMUP_MS; // start-up + warm-up, until a child has shown its own
  if (values.output_format === 'normal') io.err(`biobench ab: block design in ${n} processes, one after the other, ${(values.budget / 1000).toFixed(1)} s of wall time in all`);
  const seeds = childSeeds(values.seed, n);
  for (let i = 0; i < n; i++) {
    const seed = seeds[i]!;
    const left = values.budget - (performance.now() - t0);
    const per = Math.max(MIN_CHILD_MEASURE_MS, left / (n - i) - overheadMs);
    const c0 = performance.now();
    const c = await runChild(childArgv(io.argv, seed, per), `process ${i + 1}/${n}`);
    overheadMs = Math.max(0, performance.now() - c0 - c.measured_msec);
    if (values.output_format === 'normal') io.err(`  process ${i + 1}/${n} (seed ${seed}, ${(c.measured_msec / 1000).toFixed(1)} s measured): ${c.verdict}`);
    children.push(c);
  }
  const wallMs = performance.now() - t0;
  const cs = compareProcesses(children, values.primary, 1 - values.confidence);
  const meta: MultiMeta = {
    a: aText, b: bText, confidence: values.confidence, seed: values.seed, processes: n, budgetMs: values.budget, wallMs, precisionPct: values.precision,
    blockMs: values.block_msec, loadBefore, loadAfter: loadavg(), notes: explicit.has('processes') ? [] : values.precision > 0 ? [`${n} processes (chosen from --budget with --precision; --processes N to fix it)`] : [],
  };
  const text = values.output_format === 'normal' ? multiText(children, cs, meta)
    : `${JSON.stringify(fioDocument([], values.output_format === 'json+', { command: 'ab', argv: io.argv, notes: meta.notes }, { ab: multiJson(children, cs, meta) }), null, 2)}\n`;
  emit(values, text, io);
  return 0;
}

/** Why A and B cannot be set up side by side in one process ('' when they can). */
function whyNotOneProcess(a: Plan, b: Plan): string {
  const ja = a.jobs[0]!, jb = b.jobs[0]!;
  if (a.engine !== b.engine) return `they run on different engines (${a.engine.name}, ${b.engine.name})`;
  if (a.engine.async) return 'buffered IO through the page cache runs whole jobs';
  if (ja.verify !== 'none' || jb.verify !== 'none') return '--verify needs whole jobs';
  return '';
}

async function abBlocks(aText: string, bText: string, a: Plan, b: Plan, values: AbValues, io: CmdIo): Promise<number> {
  const ja = a.jobs[0]!, jb = b.jobs[0]!;
  const target = openTarget([ja, jb], a.engine);
  const alpha = 1 - values.confidence;
  const rho = csRho(alpha, values.budget / (4 * values.block_msec));
  const flush = a.engine.name === 'stack' ? blkFlushDeferredRelease : noFlush;
  const loadBefore = loadavg(), before = cpuTimes();
  let r;
  try {
    if (values.output_format === 'normal') io.err(`biobench ab: blocks of ${values.block_msec} ms in one process, ABBA/BAAB, ${a.engine.name} engine, on ${describeTarget(target)}, up to ${values.budget / 1000} s`);
    r = runBlocks({
      jobs: [ja, jb], engine: a.engine as IoEngine<unknown>, target, blockMs: values.block_msec, rampMs: values.ramp_time, budgetMs: values.budget,
      precisionPct: values.precision, primary: values.primary, seed: values.seed, flush,
      halfWidthPct: (log, warm, m) => halfWidthPct(log, m, alpha, rho, clipsOf(warm)),
    });
  } finally {
    target.release();
  }
  if (r.failure) {
    const e = r.failure;
    throw new RunError(`${e.ddir ? 'write' : 'read'} of ${e.len} bytes at offset ${e.offset} failed (${e.res})`);
  }
  const after = cpuTimes(), dt = after.total - before.total;
  const cs = compareBlocks(r.log, values.primary, alpha, rho, clipsOf(r.warm));
  const meta: BlocksMeta = {
    a: aText, b: bText, confidence: values.confidence, seed: values.seed, blockMs: values.block_msec, rampMs: values.ramp_time, budgetMs: values.budget,
    precisionPct: values.precision, loadBefore, loadAfter: loadavg(), stealPct: dt > 0 ? ((after.steal - before.steal) / dt) * 100 : 0, notes: [...new Set([...a.notes, ...b.notes])],
  };
  const text = values.output_format === 'normal' ? blocksText(r, cs, meta)
    : `${JSON.stringify(fioDocument([], values.output_format === 'json+', { command: 'ab', argv: io.argv, notes: meta.notes }, { ab: blocksJson(r, cs, meta, values.output_format === 'json+') }), null, 2)}\n`;
  emit(values, text, io);
  return 0;
}

/** Whole runs per side, pairs in balanced order (A B, B A, A B, ...): the design for what cannot share a process. */
async function abProcess(aText: string, bText: string, a: Plan, b: Plan, values: AbValues, io: CmdIo, why: string): Promise<number> {
  const ja = a.jobs[0]!, jb = b.jobs[0]!;
  const target = openTarget([ja, jb], a.engine);
  const runs: { A: JobResult[]; B: JobResult[] } = { A: [], B: [] };
  const order = Array.from({ length: values.pairs }, (_, i) => (i % 2 === 0 ? 'AB' : 'BA')).join('');
  const before = cpuTimes(), load = load1();
  try {
    if (values.output_format === 'normal') io.err(`biobench ab: ${values.pairs} pairs, order ${order}, ${a.engine.name} engine, on ${describeTarget(target)}`);
    for (let i = 0; i < values.pairs; i++) {
      // one result per run: numjobs clones as fio's group_reporting would
      for (const s of i % 2 === 0 ? ['A', 'B'] as const : ['B', 'A'] as const) runs[s].push(mergeGroup(await runPlan(s === 'A' ? a : b, target, `${s} ${i + 1}/${values.pairs}`)));
    }
  } finally {
    target.release();
  }
  const f = failureOf([...runs.A, ...runs.B]);
  if (f) throw f;
  const ma = runs.A.map((r) => jobMetrics(jobJson(r, false))), mb = runs.B.map((r) => jobMetrics(jobJson(r, false)));
  const opts = { confidence: values.confidence, resamples: values.resamples, seed: values.seed };
  const metrics = orderedMetrics(values.primary);
  const comparisons = holmSecondaries(metrics.map((m) => compareMetric(m, ma.map((x) => x[m.key]), mb.map((x) => x[m.key]), opts)), 1 - values.confidence);
  const positions = metrics.map((m) => positionEffect(ma.map((x) => x[m.key]), mb.map((x) => x[m.key]), order, values.confidence));
  const noise = judgeNoise(ma.map((x) => x.iops), mb.map((x) => x.iops), values.noise_threshold, before, cpuTimes(), load);
  const all = [...a.notes, ...b.notes, ...(why ? [why] : [])];
  const text = values.output_format === 'normal'
    ? abText(aText, bText, comparisons, noise, values.confidence, order, positions[0]!, all)
    : `${JSON.stringify(fioDocument([...runs.A, ...runs.B], values.output_format === 'json+', { command: 'ab', argv: io.argv, notes: all },
      { ab: abJson(aText, bText, comparisons, positions, noise, values, order) }), null, 2)}\n`;
  emit(values, text, io);
  return 0;
}

/** The metrics, primary first. */
function orderedMetrics(primary: 'cpu' | 'iops'): typeof AB_METRICS {
  const key = primary === 'cpu' ? 'cpu_us_per_io' : 'iops';
  return [...AB_METRICS.filter((m) => m.key === key), ...AB_METRICS.filter((m) => m.key !== key)];
}

function fmt(v: number, unit: string): string {
  if (unit === 'MiB/s') return fixed(v / 2 ** 20, 1);
  return unit === '' ? kilo(v) : fixed(v, v < 100 ? 2 : 0);
}

export function abText(aText: string, bText: string, cs: Comparison[], noise: NoiseReport, conf: number, order: string, pos: PositionEffect | null, notes: string[]): string {
  const rows = cs.map((c, i) => [
    `${c.metric.label}${c.metric.unit ? ` (${c.metric.unit})` : ''}${i === 0 ? ' [primary]' : ''}`, fmt(c.a.mean, c.metric.unit), fmt(c.b.mean, c.metric.unit),
    `${c.changePct >= 0 ? '+' : ''}${c.changePct.toFixed(1)}%`, `[${c.ciPct[0].toFixed(1)}%, ${c.ciPct[1].toFixed(1)}%]`, c.verdict,
  ]);
  const p = cs[0]!;
  const sg = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)}%`;
  const lines = [
    `A: ${aText}`, `B: ${bText}`, `${order.length / 2} pairs of whole runs, balanced order ${order}; intervals: ${Math.round(conf * 100)}% (wider of paired bootstrap and Student t on log-ratios); secondary metrics Holm-adjusted`, '',
    renderTable(['metric', 'A mean', 'B mean', 'A vs B', 'CI', 'verdict'], rows), '',
    `verdict: ${p.verdict}`,
    pos ? `position effect (${p.metric.label} of the run made first vs second): ${sg(pos.pct)} [${sg(pos.ciPct[0])}, ${sg(pos.ciPct[1])}] (cancelled by the balanced order)` : 'position effect: not estimated (needs 2+ pairs in each order)',
    noise.noisy ? `WARNING: noisy machine — ${noise.reasons.join('; ')}. Treat the verdict with care; rerun on a quiet machine or with more --pairs.`
      : `machine: quiet enough (IOPS CV A ${noise.cvPct.a.toFixed(1)}%, B ${noise.cvPct.b.toFixed(1)}%; steal ${noise.stealPct.toFixed(1)}%; load ${noise.load.toFixed(2)})`,
    ...notes.map((n) => `note: ${n}`),
  ];
  return `${lines.join('\n')}\n`;
}

function abJson(aText: string, bText: string, cs: Comparison[], pos: (PositionEffect | null)[], noise: NoiseReport, v: AbValues, order: string): Record<string, unknown> {
  return {
    design: 'process', a: aText, b: bText, pairs: v.pairs, confidence: v.confidence, resamples: v.resamples, order,
    verdict: cs[0]!.verdict, primary: cs[0]!.metric.key, noise,
    metrics: cs.map((c, i) => ({
      key: (c.metric as { key?: string }).key, label: c.metric.label, unit: c.metric.unit, better: c.metric.better, primary: i === 0,
      a: c.a, b: c.b, change_pct: c.changePct, ci_pct: c.ciPct, significant: c.significant, winner: c.winner,
      by_pct: c.byPct, pm_pct: c.pmPct, verdict: c.verdict, position_pct: pos[i]?.pct ?? null, position_ci_pct: pos[i]?.ciPct ?? null,
    })),
  };
}
