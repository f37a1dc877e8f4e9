/**
 * From the option table to commander and back: one commander Option per row (flag, help text,
 * a validating argParser), then the typed values with defaults applied and the set of options the
 * user gave explicitly (the JSON echo shows those, like fio's "job options").
 */
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { UsageError } from '../cli/errors.ts';
import { flagOf } from './def.ts';
import type { OptionDef, OptionsOf, SweepOf } from './def.ts';
import { bool } from './kinds.ts';
import { JOB_OPTIONS } from './table.ts';

/** Help text of a row: its help, the accepted values and the default. */
export function describeOption(d: OptionDef): string {
  const isFlag = d.kind.arg === '';
  const dflt = d.defaultText && !isFlag ? ` (default: ${d.defaultText})` : '';
  const values = d.kind.expect.startsWith('one of') && !d.kind.arg.includes('|') ? ` Values: ${d.kind.expect.slice(7)}.` : '';
  const list = d.list ? ' Comma-separated list: one job per value.' : '';
  return `${d.help}${values}${list}${dflt}`;
}

/** Parse one row's text: a single value, or for a list row the comma-separated values. */
export function parseValue(d: OptionDef, raw: string): unknown {
  try {
    if (!d.list) return d.kind.parse(raw);
    const parts = raw.split(',');
    if (parts.some((p) => p.trim() === '')) throw new UsageError(`empty item in the list '${raw}'`);
    return parts.map((p) => d.kind.parse(p.trim()));
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`${flagOf(d)}: ${e.message}`, e.code);
    throw e;
  }
}

function commanderOption(d: OptionDef): Option {
  const isFlag = d.kind.arg === '';
  // booleans take an optional value: a bare `--time-based` means 1, as in fio
  const arg = d.kind === bool ? `[${d.kind.arg.slice(1, -1)}]` : d.kind.arg;
  const o = new Option(isFlag ? flagOf(d) : `${flagOf(d)} ${arg}`, describeOption(d)).helpGroup(`${d.group} options:`);
  if (!isFlag) {
    o.argParser((raw: string) => {
      try {
        return parseValue(d, raw);
      } catch (e) {
        // commander prints "option '--bs <size>' argument '4q' is invalid." before this text
        if (e instanceof UsageError) throw new InvalidArgumentError(e.message.replace(`${flagOf(d)}: `, ''));
        throw e;
      }
    });
  }
  return o;
}

/** Add every row of `defs` to `cmd`; returns the mapping used by {@link readOptions}. */
export function addOptions(cmd: Command, defs: readonly OptionDef[]): Map<OptionDef, Option> {
  const m = new Map<OptionDef, Option>();
  for (const d of defs) {
    const o = commanderOption(d);
    cmd.addOption(o);
    m.set(d, o);
  }
  return m;
}

export interface ReadOptions<Ds extends readonly OptionDef[]> {
  values: SweepOf<Ds>;
  /** Names of the rows the user set on the command line. */
  explicit: Set<string>;
}

/** The typed values of `defs` after commander parsed `cmd`'s arguments, defaults applied. */
export function readOptions<const Ds extends readonly OptionDef[]>(cmd: Command, defs: Ds, m: Map<OptionDef, Option>): ReadOptions<Ds> {
  const values: Record<string, unknown> = {};
  const explicit = new Set<string>();
  for (const d of defs) {
    const v = cmd.getOptionValue(m.get(d)!.attributeName()) as unknown;
    if (v === undefined) values[d.name] = d.default;
    else {
      values[d.name] = v;
      explicit.add(d.name);
    }
  }
  return { values: values as SweepOf<Ds>, explicit };
}

/** Defaults of every row, as a sweep (list rows as lists). */
export function defaultsOf<const Ds extends readonly OptionDef[]>(defs: Ds): SweepOf<Ds> {
  return Object.fromEntries(defs.map((d) => [d.name, d.default])) as SweepOf<Ds>;
}

/**
 * `key=value` assignments (as in `biobench ab "release=unpin iodepth=64" ...`) applied over
 * `base`. Keys are option names in either spelling (`ramp_time`, `ramp-time`).
 */
export function applyAssignments<const Ds extends readonly OptionDef[]>(
  text: string, defs: Ds, base: SweepOf<Ds>, explicit: Set<string>,
): { values: SweepOf<Ds>; explicit: Set<string> } {
  const values: Record<string, unknown> = { ...base };
  const ex = new Set(explicit);
  for (const item of text.trim().split(/\s+/).filter(Boolean)) {
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)).replace(/^--/, '').replace(/-/g, '_');
    const d = defs.find((x) => x.name === key || x.aliases.includes(key));
    if (!d) throw new UsageError(`unknown option '${key}' in the configuration '${text}' (expected key=value pairs, e.g. "release=unpin iodepth=64")`);
    const isFlag = d.kind.arg === '' || d.kind === bool;
    if (eq < 0 && !isFlag) throw new UsageError(`'${key}' in the configuration '${text}' needs a value: ${key}=${d.kind.expect}`);
    values[d.name] = isFlag && eq < 0 ? true : parseValue(d, item.slice(eq + 1));
    ex.add(d.name);
  }
  return { values: values as SweepOf<Ds>, explicit: ex };
}

/** fio's other names for options (`filename` → `target`), from the table's `aliases`. */
const ALIASES: ReadonlyMap<string, string> = new Map(JOB_OPTIONS.flatMap((d) => d.aliases.map((a) => [a, d.name] as const)));

/**
 * `--ramp_time=1` → `--ramp-time=1`: fio's spellings are accepted for every long flag, and fio's
 * names for the table's aliases (`--filename` → `--target`, `--ioengine` → `--engine`).
 */
export function normalizeArgv(argv: readonly string[]): string[] {
  return argv.map((a) => {
    const m = /^--([a-z0-9_-]+)(=.*)?$/i.exec(a);
    if (!m) return a;
    const name = m[1]!.replace(/-/g, '_');
    return `--${(ALIASES.get(name) ?? name).replace(/_/g, '-')}${m[2] ?? ''}`;
  });
}

export type { OptionsOf };
