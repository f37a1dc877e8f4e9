/**
 * Value kinds of the option table: each parses the user's text into a typed value (throwing a
 * UsageError that says what was expected) and formats it back for the JSON echo and the docs.
 * Sizes are binary (4k = 4096, 1m = 1 MiB) whatever the case or a trailing b/ib, like fio's
 * default kb_base=1024; durations without a unit are seconds, like fio's `runtime`.
 */
import { UsageError } from '../cli/errors.ts';

export interface Kind<T> {
  /** Placeholder in `--help` (`<size>`). */
  readonly arg: string;
  /** What a valid value looks like, for error messages and the docs. */
  readonly expect: string;
  parse(raw: string): T;
  show(v: T): string;
}

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };
const SIZE_RE = /^(\d+(?:\.\d+)?|0x[0-9a-f]+)\s*([kmgtp]?)(?:i?b)?$/i;

/** Parse `4k`, `1.5M`, `512`, `0x1000`, `64KiB` into bytes; throws on anything else. */
export function parseSize(raw: string): number {
  const m = SIZE_RE.exec(raw.trim());
  if (!m) throw new UsageError(`bad size '${raw}': expected a number with an optional k/m/g/t/p suffix (binary: 4k = 4096), e.g. 4k, 1m, 512`);
  const n = m[1]!.startsWith('0x') || m[1]!.startsWith('0X') ? Number.parseInt(m[1]!, 16) : Number(m[1]);
  const v = n * UNITS[m[2]!.toLowerCase()]!;
  if (!Number.isSafeInteger(v)) throw new UsageError(`bad size '${raw}': ${v} is not a whole number of bytes`);
  return v;
}

/** Bytes as the shortest exact binary-suffixed text (4096 → `4k`, 1536 → `1536`). */
export function showSize(v: number): string {
  for (const u of ['p', 't', 'g', 'm', 'k'] as const) {
    const f = UNITS[u]!;
    if (v >= f && v % f === 0) return `${v / f}${u}`;
  }
  return String(v);
}

export const size: Kind<number> = { arg: '<size>', expect: 'a size like 4k, 1m, 512', parse: parseSize, show: showSize };

export interface SizeRange { min: number; max: number }

export const sizeRange: Kind<SizeRange> = {
  arg: '<size[-size]>',
  expect: 'a size or a range like 4k-64k',
  parse(raw) {
    const parts = raw.split(/[-:]/);
    if (parts.length > 2 || parts.some((p) => p.trim() === '')) {
      throw new UsageError(`bad size range '${raw}': expected a size or min-max, e.g. 4k or 4k-64k`);
    }
    const min = parseSize(parts[0]!), max = parseSize(parts[1] ?? parts[0]!);
    if (max < min) throw new UsageError(`bad size range '${raw}': the maximum ${showSize(max)} is below the minimum ${showSize(min)}`);
    return { min, max };
  },
  show: (v) => (v.min === v.max ? showSize(v.min) : `${showSize(v.min)}-${showSize(v.max)}`),
};

const TIME_UNITS: Record<string, number> = { us: 1e-3, ms: 1, s: 1000, '': 1000, m: 60_000, h: 3_600_000 };

/** Durations in milliseconds. */
export const duration: Kind<number> = {
  arg: '<time>',
  expect: 'a duration like 3, 500ms, 2s, 1m (no unit = seconds)',
  parse(raw) {
    const m = /^(\d+(?:\.\d+)?)\s*(us|ms|s|m|h)?$/i.exec(raw.trim());
    if (!m) throw new UsageError(`bad duration '${raw}': expected ${duration.expect}`);
    return Number(m[1]) * TIME_UNITS[(m[2] ?? '').toLowerCase()]!;
  },
  show: (v) => (v % 1000 === 0 ? `${v / 1000}s` : `${v}ms`),
};

export function int(min: number, max: number): Kind<number> {
  const expect = `a whole number from ${min} to ${max}`;
  return {
    arg: '<n>',
    expect,
    parse(raw) {
      const t = raw.trim();
      const v = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t, 16) : /^-?\d+$/.test(t) ? Number(t) : Number.NaN;
      if (!Number.isSafeInteger(v) || v < min || v > max) throw new UsageError(`bad number '${raw}': expected ${expect}`);
      return v;
    },
    show: String,
  };
}

export function real(min: number, max: number): Kind<number> {
  const expect = `a number from ${min} to ${max}`;
  return {
    arg: '<x>',
    expect,
    parse(raw) {
      const v = /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : Number.NaN;
      if (!(v >= min && v <= max)) throw new UsageError(`bad number '${raw}': expected ${expect}`);
      return v;
    },
    show: String,
  };
}

/** One of `choices` (or an alias); `argName` replaces the `<a|b|c>` placeholder for long lists. */
export function oneOf<const C extends readonly string[]>(choices: C, aliases: Record<string, C[number]> = {}, argName = ''): Kind<C[number]> {
  const expect = `one of ${choices.join(', ')}`;
  return {
    arg: argName ? `<${argName}>` : `<${choices.join('|')}>`,
    expect,
    parse(raw) {
      const t = raw.trim();
      if ((choices as readonly string[]).includes(t)) return t as C[number];
      if (t in aliases) return aliases[t]!;
      throw new UsageError(`bad value '${raw}': expected ${expect}`);
    },
    show: String,
  };
}

export const bool: Kind<boolean> = {
  arg: '<0|1>',
  expect: '1 or 0 (also true/false, yes/no, on/off)',
  parse(raw) {
    const t = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(t)) return true;
    if (['0', 'false', 'no', 'off'].includes(t)) return false;
    throw new UsageError(`bad value '${raw}': expected ${bool.expect}`);
  },
  show: (v) => (v ? '1' : '0'),
};

/** A presence flag (`--allow-destructive`): no argument. */
export const flag: Kind<boolean> = { arg: '', expect: 'no value (a flag)', parse: () => true, show: (v) => (v ? '1' : '0') };

export const text: Kind<string> = {
  arg: '<text>',
  expect: 'text',
  parse(raw) {
    if (raw.trim() === '') throw new UsageError('bad value: expected non-empty text');
    return raw;
  },
  show: String,
};

export const path: Kind<string> = { ...text, arg: '<path>', expect: 'a path' };

/** A percentage, `1%` or `1` (the `%` is optional), from `min` to `max`. */
export function percent(min: number, max: number): Kind<number> {
  const expect = `a percentage from ${min}% to ${max}%, like 1% or 0.5%`;
  return {
    arg: '<pct>',
    expect,
    parse(raw) {
      const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(raw.trim());
      const v = m ? Number(m[1]) : Number.NaN;
      if (!(v >= min && v <= max)) throw new UsageError(`bad percentage '${raw}': expected ${expect}`);
      return v;
    },
    show: (v) => `${v}%`,
  };
}
