/**
 * The null driver's calibration knobs (`--null-completion-nsec`, `--null-cpu-nsec`) only mean
 * something on the stack engine's null driver; any other job with one set is refused before it
 * runs rather than silently ignoring it. No runtime imports: the uring engine checks this too.
 */
import type { JobOptions } from '../options/table.ts';

/** The null driver's calibration knobs set on a job that does not run the null driver, or ''. */
export function nullKnobsProblem(job: Pick<JobOptions, 'driver' | 'null_completion_nsec' | 'null_cpu_nsec'>, engine = 'stack'): string {
  const set = [job.null_completion_nsec > 0 ? '--null-completion-nsec' : '', job.null_cpu_nsec > 0 ? '--null-cpu-nsec' : ''].filter(Boolean);
  if (set.length === 0) return '';
  const apply = `${set.join(', ')} ${set.length > 1 ? 'apply' : 'applies'} to the null driver only`;
  if (engine !== 'stack') return `${apply}: use --engine stack --driver null (the ${engine} engine has no null driver)`;
  if (job.driver !== 'null') return `${apply}: use --driver null (this job has --driver ${job.driver})`;
  return '';
}
