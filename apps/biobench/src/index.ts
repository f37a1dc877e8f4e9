/**
 * @biopath/biobench — the benchmark app's public surface, for scripts that drive it in-process:
 * the CLI entry, the option table, the job runner and engines, fio-layout output, A/B statistics.
 */
export { main } from './main.ts';
export type { CmdIo } from './cli/cmd-io.ts';
export { UsageError, RunError, EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from './cli/errors.ts';
export { OPTION_TABLE, JOB_OPTIONS, AB_OPTIONS, COMPARE_OPTIONS, REPORT_OPTIONS, DOCTOR_OPTIONS } from './options/table.ts';
export type { JobOptions, JobSweep, CommandName } from './options/table.ts';
export type { OptionDef } from './options/def.ts';
export { defaultsOf, applyAssignments } from './options/parse.ts';
export { expandSweep } from './options/sweep.ts';
export { optionsMarkdown } from './options/docs.ts';
export type { IoEngine, EngineSetup, EngineInfo, PageCounters } from './engine/engine.ts';
export { IoU, FIO_Q_COMPLETED, FIO_Q_QUEUED, FIO_Q_BUSY } from './engine/io-unit.ts';
export { uringEngine } from './engine/uring-engine.ts';
export { selectEngine, stackAvailability } from './engine/registry.ts';
export { runJob } from './job/run-job.ts';
export type { JobResult } from './job/run-job.ts';
export { resolveTarget } from './job-target/target.ts';
export type { Target } from './job-target/target.ts';
export { jobJson, fioDocument } from './output/fio-json.ts';
export { jobMetrics } from './output/metrics.ts';
export { compareMetric } from './ab/stats.ts';
export type { Comparison, MetricSpec } from './ab/stats.ts';
