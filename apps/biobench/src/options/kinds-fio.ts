/**
 * Value kinds for fio's compound option values: per-direction pairs (`bs=4k,64k`, `rate=1m,2m`),
 * `bssplit`, `random_distribution`, patterns (`verify_pattern`, `buffer_pattern`),
 * `percentile_list`, sizes as a percentage of the target and microsecond times (`thinktime`).
 * Each parses the text as fio documents it (fio(1), section "JOB PARAMETERS") and shows it back
 * in the same form; anything fio accepts that biobench does not is refused by name here.
 */
import { UsageError } from '../cli/errors.ts';
import type { Kind, SizeRange } from './kinds.ts';
import { parseSize, showSize, sizeRange } from './kinds.ts';

/** fio's block size per direction: `bs=4k` (both), `bs=4k,64k` (read, write), `bs=,8k`. */
export interface BlockSizes extends SizeRange {
  /** min/max over both directions (buffers, alignment, verify units); then each direction's own. */
  read: SizeRange;
  write: SizeRange;
}

const DEFAULT_BS: SizeRange = { min: 4096, max: 4096 };

/** Both directions with the same range. */
export function sameBs(r: SizeRange): BlockSizes {
  return { min: r.min, max: r.max, read: r, write: r };
}

export function blockSizes(read: SizeRange, write: SizeRange): BlockSizes {
  return { min: Math.min(read.min, write.min), max: Math.max(read.max, write.max), read, write };
}

const sameRange = (a: SizeRange, b: SizeRange): boolean => a.min === b.min && a.max === b.max;

export const bsPair: Kind<BlockSizes> = {
  arg: '<size[-size][,size[-size]]>',
  expect: 'a size, a range min-max, or read,write (e.g. 4k, 4k-64k, 4k,64k)',
  parse(raw) {
    const parts = raw.split(',').map((p) => p.trim());
    if (parts.length > 3) throw new UsageError(`bad block size '${raw}': expected at most read,write,trim`);
    if (parts.length === 3 && parts[2] !== '') throw new UsageError(`bad block size '${raw}': a trim block size (third value) is not supported; biobench has no trim`);
    if (parts.length === 1) return sameBs(sizeRange.parse(parts[0]!));
    const r = parts[0] === '' ? DEFAULT_BS : sizeRange.parse(parts[0]!);
    const w = parts[1] === '' ? DEFAULT_BS : sizeRange.parse(parts[1]!);
    return blockSizes(r, w);
  },
  show: (v) => (sameRange(v.read, v.write) ? sizeRange.show(v.read) : `${sizeRange.show(v.read)},${sizeRange.show(v.write)}`),
};

/** fio's `rate` / `rate_iops`: a limit per direction, 0 = none. */
export interface RatePair {
  read: number;
  write: number;
}

/** `1m` (both), `1m,2m` (read, write), `,2m` (write only), `1m,` (read only). */
export function ratePair(unit: 'bytes' | 'ios'): Kind<RatePair> {
  const one = (t: string): number => {
    if (t === '') return 0;
    if (unit === 'bytes') return parseSize(t);
    if (!/^\d+$/.test(t)) throw new UsageError(`bad rate '${t}': expected a whole number of IOs per second`);
    return Number(t);
  };
  const show = (n: number): string => (unit === 'bytes' ? showSize(n) : String(n));
  return {
    arg: unit === 'bytes' ? '<size[,size]>' : '<n[,n]>',
    expect: unit === 'bytes' ? 'bytes per second, or read,write (e.g. 10m, 10m,5m, ,5m)' : 'IOs per second, or read,write (e.g. 1000, 1000,500)',
    parse(raw) {
      const parts = raw.split(',').map((p) => p.trim());
      if (parts.length > 2) throw new UsageError(`bad rate '${raw}': expected one value or read,write (a trim rate is not supported)`);
      if (parts.length === 1) {
        const v = one(parts[0]!);
        return { read: v, write: v };
      }
      return { read: one(parts[0]!), write: one(parts[1]!) };
    },
    show: (v) => (v.read === v.write ? show(v.read) : `${v.read ? show(v.read) : ''},${v.write ? show(v.write) : ''}`),
  };
}

/** One direction's `bssplit`: block sizes with their share of the IOs, percentages summing to 100. */
export interface SplitEntry {
  bs: number;
  pct: number;
}

export interface BsSplit {
  read: SplitEntry[];
  write: SplitEntry[];
}

function parseSplit(text: string): SplitEntry[] {
  const items = text.split(':').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError(`bad bssplit '${text}': expected bs/percentage items separated by ':', e.g. 4k/10:64k/90`);
  const out = items.map((it) => {
    const [b, p] = it.split('/');
    const bs = parseSize(b!);
    if (bs === 0) throw new UsageError(`bad bssplit item '${it}': a block size must be at least 1 byte`);
    if (p === undefined || p.trim() === '') return { bs, pct: -1 };
    const pct = Number(p);
    if (!(pct >= 0 && pct <= 100)) throw new UsageError(`bad bssplit item '${it}': the percentage must be from 0 to 100`);
    return { bs, pct };
  });
  const given = out.filter((e) => e.pct >= 0).reduce((a, e) => a + e.pct, 0);
  const blank = out.filter((e) => e.pct < 0);
  if (given > 100 + 1e-9) throw new UsageError(`bad bssplit '${text}': the percentages add up to ${given}, more than 100`);
  for (const e of blank) e.pct = (100 - given) / blank.length; // fio: the rest is shared equally
  const total = out.reduce((a, e) => a + e.pct, 0);
  if (Math.abs(total - 100) > 1e-6) throw new UsageError(`bad bssplit '${text}': the percentages add up to ${total}, not 100`);
  return out;
}

const showSplit = (s: SplitEntry[]): string => s.map((e) => `${showSize(e.bs)}/${+e.pct.toFixed(4)}`).join(':');

export const bssplit: Kind<BsSplit> = {
  arg: '<bs/pct:...[,bs/pct:...]>',
  expect: 'bs/percentage items joined by \':\', optionally read,write (e.g. 4k/10:64k/90)',
  parse(raw) {
    const parts = raw.split(',').map((p) => p.trim());
    if (parts.length > 2) throw new UsageError(`bad bssplit '${raw}': a trim split (third part) is not supported`);
    const read = parseSplit(parts[0]!);
    return { read, write: parts.length === 2 && parts[1] !== '' ? parseSplit(parts[1]!) : read };
  },
  show: (v) => (showSplit(v.read) === showSplit(v.write) ? showSplit(v.read) : `${showSplit(v.read)},${showSplit(v.write)}`),
};

/** fio's `random_distribution`. */
export interface Distribution {
  type: 'random' | 'zipf' | 'pareto' | 'normal';
  /** zipf θ, pareto h, normal σ in % of the region; 0 for random. */
  param: number;
}

export const distribution: Kind<Distribution> = {
  arg: '<random|zipf:θ|pareto:h|normal:σ%>',
  expect: 'random, zipf:θ (θ > 0, ≠ 1), pareto:h (0 < h < 1), normal:σ (% of the region, > 0)',
  parse(raw) {
    const [type, p, centre] = raw.trim().split(':');
    if (centre !== undefined) throw new UsageError(`bad random_distribution '${raw}': a centre (third value) is not supported`);
    if (type === 'random' && p === undefined) return { type, param: 0 };
    const param = Number(p);
    if ((type === 'zipf' && param > 0 && param !== 1) || (type === 'pareto' && param > 0 && param < 1) || (type === 'normal' && param > 0 && param <= 100)) {
      return { type, param };
    }
    if (type === 'gauss' && param > 0) return { type: 'normal', param };
    throw new UsageError(`bad random_distribution '${raw}': expected ${distribution.expect}`);
  },
  show: (v) => (v.type === 'random' ? 'random' : `${v.type}:${v.param}`),
};

/** A byte pattern as fio writes it: `0xdeadbeef` (bytes in order), `"text"` / `'text'`, or a decimal u32 (little-endian). */
export interface Pattern {
  text: string;
  bytes: Uint8Array;
}

export const pattern: Kind<Pattern> = {
  arg: '<pattern>',
  expect: 'a pattern: 0x hex bytes (0xdeadbeef), a quoted string ("abc"), or a decimal number',
  parse(raw) {
    const t = raw.trim();
    let bytes: number[];
    if (/^0x([0-9a-f]{2})+$/i.test(t)) bytes = t.slice(2).match(/../g)!.map((h) => Number.parseInt(h, 16));
    else if (/^0x[0-9a-f]$|^0x([0-9a-f]{2})*[0-9a-f]$/i.test(t)) bytes = `0${t.slice(2)}`.match(/../g)!.map((h) => Number.parseInt(h, 16));
    else if (/^(["']).+\1$/.test(t)) bytes = [...Buffer.from(t.slice(1, -1), 'utf8')];
    else if (/^\d+$/.test(t) && Number(t) <= 0xffffffff) {
      const n = Number(t);
      bytes = n <= 0xff ? [n] : n <= 0xffff ? [n & 0xff, n >>> 8] : [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
    } else throw new UsageError(`bad pattern '${raw}': expected ${pattern.expect} (fio's %o offset format and pattern lists are not supported)`);
    return { text: t, bytes: Uint8Array.from(bytes) };
  },
  show: (v) => v.text,
};

/** fio's `percentile_list`: percentiles joined by ':' (`99:99.9:99.99`). */
export const percentileList: Kind<number[]> = {
  arg: '<p:p:...>',
  expect: 'percentiles from 0 to 100 joined by \':\' (e.g. 50:99:99.9), at most 20',
  parse(raw) {
    const ps = raw.split(':').map((s) => s.trim());
    const vs = ps.map(Number);
    if (ps.length > 20 || ps.some((s) => s === '') || vs.some((v) => !(v >= 0 && v <= 100))) {
      throw new UsageError(`bad percentile_list '${raw}': expected ${percentileList.expect}`);
    }
    return vs;
  },
  show: (v) => v.join(':'),
};

/** A size in bytes, or a share of the target (`50%`): fio's `size=` accepts both. */
export type SizeOrPercent = number | { pct: number };

export const sizeOrPercent: Kind<SizeOrPercent> = {
  arg: '<size|n%>',
  expect: 'a size like 4k, 1m, 512, or a percentage of the target like 50%',
  parse(raw) {
    const m = /^(\d+(?:\.\d+)?)\s*%$/.exec(raw.trim());
    if (!m) return parseSize(raw);
    const pct = Number(m[1]);
    if (!(pct > 0 && pct <= 100)) throw new UsageError(`bad size '${raw}': a percentage must be above 0 and at most 100`);
    return { pct };
  },
  show: (v) => (typeof v === 'number' ? showSize(v) : `${v.pct}%`),
};

/** Bytes of `v` on a region of `avail` bytes (a percentage rounded down to `align`). */
export function resolveSize(v: SizeOrPercent, avail: number, align: number): number {
  if (typeof v === 'number') return v;
  return Math.floor((avail * v.pct) / 100 / align) * align;
}

const US_UNITS: Record<string, number> = { '': 1, us: 1, ms: 1000, s: 1_000_000 };

/** Microseconds, as fio's `thinktime` (no unit = µs). */
export const usec: Kind<number> = {
  arg: '<time>',
  expect: 'a time in microseconds, or with a unit us/ms/s (e.g. 100, 2ms)',
  parse(raw) {
    const m = /^(\d+(?:\.\d+)?)\s*(us|ms|s)?$/i.exec(raw.trim());
    if (!m) throw new UsageError(`bad time '${raw}': expected ${usec.expect}`);
    return Math.round(Number(m[1]) * US_UNITS[(m[2] ?? '').toLowerCase()]!);
  },
  show: (v) => (v % 1000 === 0 && v > 0 ? `${v / 1000}ms` : `${v}us`),
};

/** `kind`, but the values in `refused` (fio's, which biobench lacks) are refused with `why`. */
export function refusing<T>(kind: Kind<T>, refused: readonly string[], why: string): Kind<T> {
  return {
    ...kind,
    parse(raw) {
      if (refused.includes(raw.trim())) throw new UsageError(`'${raw.trim()}' is not supported by biobench: ${why}`);
      return kind.parse(raw);
    },
  };
}
