/**
 * fio's job groups: which jobs run at once (a run group; a stonewall starts the next) and which are
 * reported together (a reporting group, fio's groupid; stonewall or new_group start the next), and
 * group_reporting's merge of a reporting group's results.
 */
import type { Plan } from '../commands/jobs.ts';
import type { JobOptions } from '../options/table.ts';
import { mergeGroup } from './merge.ts';
import type { JobResult } from './run-job.ts';

export type JobGroups = Map<JobOptions, { run: number; id: number }>;

/**
 * fio's groups of a job file: a `stonewall` (or `wait_for_previous`) starts a new run group (the
 * jobs before it have finished), it or `new_group` a new reporting group. With a command-line
 * sweep, variant k of every section of a run group runs together, variant after variant (never
 * two variants of one section at once); jobs come back in that order.
 */
export function fileGroups(plans: Plan[], ordering: string[][]): { ordered: JobOptions[]; groups: JobGroups } {
  const runs: { sections: number[]; ids: number[] }[] = [];
  let id = 0;
  plans.forEach((_p, i) => {
    const o = ordering[i]!;
    if (i > 0 && (o.includes('stonewall') || o.includes('new_group'))) id++;
    if (i === 0 || o.includes('stonewall') || o.includes('wait_for_previous')) runs.push({ sections: [], ids: [] });
    runs[runs.length - 1]!.sections.push(i);
    runs[runs.length - 1]!.ids.push(id);
  });
  const ordered: JobOptions[] = [];
  const groups: JobGroups = new Map();
  const ids = new Map<string, number>();
  let run = 0;
  for (const r of runs) {
    const variants = Math.max(...r.sections.map((i) => plans[i]!.jobs.length));
    for (let k = 0; k < variants; k++, run++) {
      r.sections.forEach((i, n) => {
        const job = plans[i]!.jobs[k];
        if (!job) return;
        const key = `${r.ids[n]!}/${k}`;
        if (!ids.has(key)) ids.set(key, ids.size);
        ordered.push(job);
        groups.set(job, { run, id: ids.get(key)! });
      });
    }
  }
  return { ordered, groups };
}

/** The plan's run groups in order: jobs that run at once, each with its reporting group id. */
export function runGroups(plan: Plan): { jobs: JobOptions[]; ids: number[] }[] {
  const out: { jobs: JobOptions[]; ids: number[]; run: number }[] = [];
  plan.jobs.forEach((job, i) => {
    const g = plan.groups?.get(job);
    const last = out[out.length - 1];
    if (g && last && last.run === g.run) {
      last.jobs.push(job);
      last.ids.push(g.id);
    } else out.push({ jobs: [job], ids: [g ? g.id : i], run: g ? g.run : -1 - i });
  });
  return out;
}

/** group_reporting: each reporting group whose jobs ask for it becomes one result (first-seen order). */
export function reportGroups(rs: JobResult[]): JobResult[] {
  const out: JobResult[] = [];
  const merged = new Map<number, JobResult[]>();
  for (const r of rs) {
    const members = rs.filter((x) => x.groupid === r.groupid);
    if (!members.some((x) => x.job.group_reporting)) out.push(r);
    else if (!merged.has(r.groupid)) {
      merged.set(r.groupid, members);
      out.push(mergeGroup(members));
    }
  }
  return out;
}
