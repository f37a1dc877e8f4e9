/**
 * `biobench run`: run the job (or each job of a sweep) and print fio-style text or JSON; a sweep
 * ends with a table comparing its jobs. Exit 1 after printing when an IO failed or verify found
 * a bad block.
 */
import { writeFileSync } from 'node:fs';
import type { CmdIo } from '../cli/cmd-io.ts';
import { fioDocument } from '../output/fio-json.ts';
import { jobText, summaryTable } from '../output/normal.ts';
import type { JobSweep } from '../options/table.ts';
import type { JobResult } from '../job/run-job.ts';
import { describeTarget } from '../job-target/target.ts';
import { failureOf, openTarget, planJobFile, planJobs, runPlan } from './jobs.ts';
import type { Plan } from './jobs.ts';

export async function cmdRun(sweep: JobSweep, explicit: Set<string>, io: CmdIo, jobFile?: string): Promise<number> {
  const plan = jobFile === undefined ? await planJobs(sweep, explicit) : await planJobFile(jobFile, sweep, explicit);
  const target = openTarget(plan.jobs, plan.engine);
  let results: JobResult[];
  try {
    if (sweep.output_format === 'normal') io.err(header(plan, describeTarget(target)));
    results = await runPlan(plan, target);
  } finally {
    target.release();
  }
  emit(sweep, render(sweep, plan, results, io.argv), io);
  const f = failureOf(results);
  if (f) throw f;
  return 0;
}

function header(plan: Plan, where: string): string {
  const lines = plan.notes.map((n) => `note: ${n}`);
  lines.push(`biobench run: ${plan.jobs.length} job(s) on ${where}, engine ${plan.engine.name}`);
  return lines.join('\n');
}

export function render(sweep: JobSweep, plan: Plan, results: JobResult[], argv: string[], command = 'run'): string {
  if (sweep.output_format !== 'normal') {
    return `${JSON.stringify(fioDocument(results, sweep.output_format === 'json+', { command, argv, notes: plan.notes, global: plan.global ?? null }), null, 2)}\n`;
  }
  const parts = results.map(jobText);
  if (results.length > 1) parts.push(`\nSummary (${plan.engine.name} engine):\n${summaryTable(results, plan.axes)}`);
  return `${parts.join('\n\n')}\n`;
}

/** Print to stdout, or to --output. */
export function emit(sweep: { output: string | null }, text: string, io: CmdIo): void {
  if (sweep.output) {
    writeFileSync(sweep.output, text);
    io.err(`results written to ${sweep.output}`);
  } else io.out(text);
}
