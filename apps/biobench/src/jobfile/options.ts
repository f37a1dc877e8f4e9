/**
 * A job file's sections onto the option table: each entry's name is a row's name or the fio name in
 * the row's `fio:` column (`filename` → target, `randseed` → seed, `bsrange` → bs, `fixedbufs` →
 * buffers), and its value goes through the row's own kind, as on the command line. Options the
 * table lacks are refused by name and line — never ignored. Command-line options given with the
 * job file override the file's, for every job (as a last word after each section).
 */
import { UsageError } from '../cli/errors.ts';
import type { OptionDef } from '../options/def.ts';
import { bool } from '../options/kinds.ts';
import { JOB_OPTIONS } from '../options/table.ts';
import type { JobSweep } from '../options/table.ts';
import { parseJobFile, where } from './parse.ts';
import type { Entry, JobSection } from './parse.ts';

/** Rows a job file may not set: where results go, and the permission to write (command line only). */
const CLI_ONLY = new Set(['output_format', 'output', 'progress', 'allow_destructive', 'status_interval']);

/** fio's group boundaries: stonewall (and wait_for_previous) waits for the jobs before, new_group only starts a reporting group. */
const ORDERING = new Set(['stonewall', 'new_group', 'wait_for_previous']);

/** Options fio has that biobench does not (for the message only: every name not accepted is refused). */
const FIO_ONLY = new Set([
  'filesize', 'nrfiles', 'directory',
  'invalidate', 'cpus_allowed', 'cpumask',
  'log_offset', 'log_max_value', 'log_compression', 'log_prio', 'log_unix_epoch', 'clat_percentiles',
  'rate_min', 'zonemode', 'zonesize', 'hipri', 'registerfiles', 'nonvectored',
  'end_fsync_on_close', 'sync', 'blocksize_unaligned', 'ba', 'blockalign', 'io_size', 'number_ios',
  'verify_backlog', 'verify_interval', 'verify_fatal', 'trim_percentage', 'unlink',
  'create_on_open', 'allow_file_create', 'overwrite', 'fallocate', 'file_service_type', 'exitall', 'per_job_logs',
  'percentage_random', 'scramble_buffers', 'buffer_compress_percentage',
  'ioscheduler', 'nice', 'prio', 'prioclass', 'cgroup', 'uid', 'gid', 'flow', 'significant_figures', 'description',
  'kb_base', 'unit_base', 'disable_lat', 'disable_clat', 'disable_slat', 'gtod_reduce', 'clocksource', 'ramp_size',
]);

/** Log rows: a bare `write_bw_log` names its files after the job, as in fio. */
const LOGS = new Set(['write_bw_log', 'write_iops_log', 'write_lat_log', 'write_hist_log']);

export interface FileJob {
  /** The section name (the job's jobname unless the file or command line sets `name`). */
  section: string;
  values: JobSweep;
  /** Rows set by the file or the command line (the JSON's "job options"). */
  explicit: Set<string>;
  /** `stonewall` / `new_group` / `wait_for_previous` given for this job. */
  ordering: string[];
  /**
   * What fio's JSON echoes: rows the section itself set ("job options") and rows its `[global]`
   * set ("global options"), each without bare flags (fio lists only options given a value).
   */
  echoOwn: Set<string>;
  echoGlobal: Set<string>;
}

/** The table's rows a job file may name, by row name and by each fio name in its `fio:` column. */
function names(): Map<string, OptionDef> {
  const m = new Map<string, OptionDef>();
  for (const d of JOB_OPTIONS) {
    if (CLI_ONLY.has(d.name)) continue;
    m.set(d.name, d);
    for (const a of d.aliases) m.set(a, d);
    for (const part of d.fio.split(/\s+[/+]\s+/)) {
      const f = /^[a-z_]+$/.exec(part.trim())?.[0];
      if (f) m.set(f, d);
    }
  }
  return m;
}

const ROWS = names();

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length]![b.length]!;
}

function refuse(e: Entry, key: string): never {
  const base = `${where(e.at)}: option '${e.key}' is not supported by biobench`;
  if (CLI_ONLY.has(key) || CLI_ONLY.has(ROWS.get(key)?.name ?? '') || key === 'output_format' || key === 'eta') {
    throw new UsageError(`${where(e.at)}: option '${e.key}' belongs on the command line, not in a job file`);
  }
  if (FIO_ONLY.has(key)) throw new UsageError(`${base} (see apps/biobench/OPTIONS.md for what it supports)`);
  const all = [...ROWS.keys(), ...ORDERING];
  const best = all.map((n) => ({ n, d: editDistance(key, n) })).sort((x, y) => x.d - y.d)[0]!;
  const hint = best.d <= Math.max(1, Math.floor(key.length / 4)) ? `; did you mean '${best.n}'?` : '';
  throw new UsageError(`${base}${hint}`);
}

/** A bare flag or a boolean value: `time_based`, `direct=1`, `buffered=0`. */
function boolOf(e: Entry): boolean {
  return e.value === null ? true : parseAt(e, () => bool.parse(e.value!));
}

function parseAt<T>(e: Entry, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`${where(e.at)}: ${e.key}=${e.value ?? ''}: ${err.message}`, err.code);
    throw err;
  }
}

/** One section's entries as row values, later entries winning. */
function sectionValues(job: JobSection): { set: Map<string, { v: unknown; e: Entry }>; ordering: string[]; echo: [Set<string>, Set<string>] } {
  const set = new Map<string, { v: unknown; e: Entry }>();
  const ordering: string[] = [];
  const echo: [Set<string>, Set<string>] = [new Set(), new Set()]; // [own, global]
  for (const [i, e] of job.entries.entries()) {
    const key = e.key.replace(/-/g, '_');
    if (ORDERING.has(key)) {
      if (boolOf(e)) ordering.push(key);
      continue;
    }
    const d = ROWS.get(key);
    if (!d) refuse(e, key);
    if (key === 'ioengine' && !['io_uring', 'uring', 'stack', 'biobench-stack', 'biobench-uring', 'auto'].includes(e.value ?? '')) {
      throw new UsageError(`${where(e.at)}: ioengine=${e.value ?? ''}: biobench runs io_uring (its uring engine) or its own stack engine: ioengine=io_uring, stack (biobench-stack) or auto`);
    }
    let v: unknown;
    if (LOGS.has(d.name) && e.value === null) v = job.name; // fio: a bare write_*_log uses the job's name
    else if (key === 'fixedbufs') v = boolOf(e) ? 'registered' : 'per-io';
    else if (d.kind.arg === '' || d.kind === bool) v = boolOf(e); // flags and booleans: bare means 1, as in fio
    else if (e.value === null || e.value === '') throw new UsageError(`${where(e.at)}: option '${e.key}' needs a value: ${e.key}=${d.kind.expect}`);
    else if (d.list && e.value.includes(',')) {
      throw new UsageError(`${where(e.at)}: ${e.key}=${e.value}: one value per job in a job file (biobench's comma lists are a command-line sweep): write one section per value`);
    } else v = parseAt(e, () => d.kind.parse(e.value!));
    set.set(d.name, { v: d.list && !Array.isArray(v) ? [v] : v, e });
    for (const x of echo) x.delete(d.name);
    if (e.value !== null) echo[i < job.globals ? 1 : 0].add(d.name);
  }
  return { set, ordering, echo };
}

/**
 * The jobs of the job file `file`, in file order, each as a sweep: the command line's values (its
 * defaults and what it set), the file's entries over them, then what the command line set again.
 */
export function jobFileSweeps<V extends JobSweep>(file: string, cli: V, cliExplicit: ReadonlySet<string>, env: NodeJS.ProcessEnv = process.env): (FileJob & { values: V })[] {
  return parseJobFile(file, env).map((job) => {
    const { set, ordering, echo } = sectionValues(job);
    const values: Record<string, unknown> = { ...cli };
    const explicit = new Set(cliExplicit);
    for (const [name, { v }] of set) {
      if (cliExplicit.has(name)) continue;
      values[name] = v;
      explicit.add(name);
    }
    // fio's defaults in a job file: size based (time_based=0), and runtime only caps it (0 = no cap)
    if (!cliExplicit.has('time_based') && !set.has('time_based')) values.time_based = false;
    if (!cliExplicit.has('runtime') && !set.has('runtime')) values.runtime = 0;
    if (!cliExplicit.has('name') && !set.has('name')) values.name = job.name;
    explicit.add('name');
    const echoOwn = new Set([...echo[0], ...cliExplicit]);
    return { section: job.name, values: values as V, explicit, ordering, echoOwn, echoGlobal: echo[1] };
  });
}
