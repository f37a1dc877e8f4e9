/**
 * fio job files (INI): `[global]` and job sections, `key=value` and bare boolean flags, `;` / `#`
 * comments, `include FILE` (relative to the including file, cycles refused) and `${VAR}` from the
 * environment. The result is, per job section in file order, the (option, value, place) entries
 * that apply to it: the `[global]` entries seen before the section, then its own — later entries
 * win, as in fio. Nothing here knows biobench's options: `options.ts` maps the entries onto the
 * option table. Every error names the file and line (`job.fio:12: …`) and is a UsageError (exit 2).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { UsageError } from '../cli/errors.ts';

/** Where an entry came from, for messages: `job.fio:12`. */
export interface Place {
  file: string;
  line: number;
}

export interface Entry {
  /** The option name as written (no normalization beyond trimming). */
  key: string;
  /** The value after `${VAR}` expansion; null for a bare flag (`time_based`). */
  value: string | null;
  at: Place;
}

export interface JobSection {
  /** The section's name: the job's `jobname`. */
  name: string;
  at: Place;
  /** `[global]` entries in force when the section began, then the section's own, in order. */
  entries: Entry[];
  /** How many of `entries` came from `[global]` (the first ones). */
  globals: number;
}

export const where = (p: Place): string => `${p.file}:${p.line}`;

interface Line {
  text: string;
  at: Place;
}

/** The lines of `file` with includes spliced in; `stack` holds the real paths being read (cycle check). */
function readLines(file: string, stack: string[], env: NodeJS.ProcessEnv, from: { at: Place; name: string } | null): Line[] {
  let real: string, text: string;
  try {
    real = realpathSync(file);
    text = readFileSync(real, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'EIO';
    const what = from ? `${where(from.at)}: include ${from.name}` : `job file ${file}`;
    throw new UsageError(`${what}: cannot read it (${code})`, code);
  }
  if (stack.includes(real)) {
    throw new UsageError(`${where(from!.at)}: include ${from!.name} makes a cycle (${[...stack, real].join(' → ')})`, 'ELOOP');
  }
  const out: Line[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const at = { file, line: i + 1 };
    const t = stripComment(raw).trim();
    if (t === '') return;
    const inc = /^include\s+(.+)$/.exec(t);
    if (inc) {
      const name = expandEnv(inc[1]!.trim(), at, env);
      out.push(...readLines(isAbsolute(name) ? name : join(dirname(file), name), [...stack, real], env, { at, name }));
      return;
    }
    out.push({ text: t, at });
  });
  return out;
}

/** A whole line starting with `;` or `#`, or a comment after whitespace (`bs=4k  # small`). */
function stripComment(line: string): string {
  const t = line.trimStart();
  if (t.startsWith(';') || t.startsWith('#')) return '';
  const m = /\s[;#]/.exec(line);
  return m ? line.slice(0, m.index) : line;
}

/** `${VAR}` → its value; an unset variable is an error naming it and the line. */
function expandEnv(text: string, at: Place, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\{([^}]*)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) throw new UsageError(`${where(at)}: environment variable '${name}' is not set (used as \${${name}})`);
    return v;
  });
}

/** Parse the job file at `file` into its job sections, in file order. */
export function parseJobFile(file: string, env: NodeJS.ProcessEnv = process.env): JobSection[] {
  const lines = readLines(file, [], env, null);
  const jobs: JobSection[] = [];
  const global: Entry[] = [];
  let current: { entries: Entry[]; job: JobSection | null } | null = null;
  for (const { text, at } of lines) {
    const sec = /^\[(.*)\]$/.exec(text);
    if (sec) {
      const name = sec[1]!.trim();
      if (name === '') throw new UsageError(`${where(at)}: a section needs a name: [global] or [jobname]`);
      if (name === 'global') current = { entries: global, job: null };
      else {
        const job: JobSection = { name, at, entries: [...global], globals: global.length };
        jobs.push(job);
        current = { entries: job.entries, job };
      }
      continue;
    }
    if (!current) throw new UsageError(`${where(at)}: '${text}' is outside a section: start with [global] or [jobname]`);
    const eq = text.indexOf('=');
    const key = (eq < 0 ? text : text.slice(0, eq)).trim();
    if (!/^[A-Za-z_][\w-]*$/.test(key)) throw new UsageError(`${where(at)}: '${text}' is not an option: expected key=value or a bare flag`);
    const value = eq < 0 ? null : expandEnv(text.slice(eq + 1).trim(), at, env);
    current.entries.push({ key, value, at }); // into [global] itself: later jobs copy it as it is then
  }
  if (jobs.length === 0) throw new UsageError(`job file ${file}: no job section (a [jobname] after [global])`);
  return jobs;
}
