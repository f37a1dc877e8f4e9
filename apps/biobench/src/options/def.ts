/**
 * The shape of one row of the option table, and the types derived from a table: the parsed
 * options of a command (`OptionsOf`) and, for sweepable rows, their lists (`SweepOf`).
 */
import type { Kind } from './kinds.ts';

export type Group = 'Target' | 'Workload' | 'Stack engine' | 'Page cache' | 'Verify' | 'Logs' | 'Output' | 'Safety' | 'A/B' | 'Compare' | 'Report';

export interface OptionDef<N extends string = string, T = unknown, L extends boolean = boolean, Z extends boolean = boolean> {
  /** fio-style name: the JSON echo key and, with `_` → `-`, the long flag (`ramp_time` → `--ramp-time`). */
  readonly name: N;
  readonly kind: Kind<T>;
  /** Accepts a comma-separated list; each combination of list values is one job of a sweep. */
  readonly list: L;
  /** Value when not given; null means "decided at run time" (documented in `defaultText`). */
  readonly default: Dflt<T, L> | null;
  /** Whether the parsed value may be null (no default). */
  readonly nullable: Z;
  /** How the default reads in `--help` and OPTIONS.md. */
  readonly defaultText: string;
  readonly help: string;
  readonly group: Group;
  /** The fio option it maps to in `biobench compare`, or why there is none. */
  readonly fio: string;
  /** Other names of the option (fio's): accepted as flags (`--filename`) and job-file keys. */
  readonly aliases: readonly string[];
}

/** A default: one value, or for a list row the list. */
export type Dflt<T, L extends boolean> = L extends true ? readonly T[] : T;

interface Spec<L extends boolean> {
  list?: L;
  defaultText?: string;
  help: string;
  group: Group;
  fio?: string;
  aliases?: readonly string[];
}

export function opt<const N extends string, T, const L extends boolean = false, const D extends Dflt<T, L> | null = Dflt<T, L>>(
  name: N, kind: Kind<T>, spec: Spec<L> & { default: D },
): OptionDef<N, T, L, null extends D ? true : false> {
  return {
    name,
    kind,
    list: (spec.list ?? false) as L,
    default: spec.default,
    nullable: (spec.default === null) as null extends D ? true : false,
    defaultText: spec.defaultText ?? showDefault(kind, spec.default as Dflt<T, L> | null),
    help: spec.help,
    group: spec.group,
    fio: spec.fio ?? '—',
    aliases: spec.aliases ?? [],
  };
}

type ValueOf<D> = D extends OptionDef<string, infer T, boolean, boolean> ? T : never;
type Maybe<D, V> = D extends OptionDef<string, unknown, boolean, true> ? V | null : V;

/** Parsed options of a table, one value per row (a sweep's list rows as a single value). */
export type OptionsOf<Ds extends readonly OptionDef[]> = {
  -readonly [D in Ds[number] as D['name']]: Maybe<D, ValueOf<D>>;
};

/** Parsed options of a table with list rows as arrays: a sweep before expansion. */
export type SweepOf<Ds extends readonly OptionDef[]> = {
  -readonly [D in Ds[number] as D['name']]: D['list'] extends true ? ValueOf<D>[] : Maybe<D, ValueOf<D>>;
};

/** `ramp_time` → `--ramp-time`. */
export function flagOf(d: OptionDef): string {
  return `--${d.name.replace(/_/g, '-')}`;
}

function showDefault<T>(kind: Kind<T>, d: T | readonly T[] | null): string {
  if (d === null) return '';
  return Array.isArray(d) ? d.map((v: T) => kind.show(v)).join(',') : kind.show(d as T);
}
