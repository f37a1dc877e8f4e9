/**
 * Argument validation for every call that crosses into the native binding. napi would silently
 * truncate or wrap numbers (`1.5` → 1, `2**32 + 1` → 1, `NaN` → 0) and throw a code-less `Error`
 * for a wrong type; these checks run first and throw `BiopathError('EINVAL')` naming the function
 * and argument, e.g. `EINVAL: arenaFree(id): 1.5 is not an integer in 1..2097151`.
 */
import { BiopathError } from './errors.ts';

export const U32_MAX = 0xffff_ffff;
export const I32_MAX = 0x7fff_ffff;

/** A short, safe rendering of any JS value for an error message. */
function show(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (v === null) return 'null';
  if (typeof v === 'object') return Array.isArray(v) ? 'an array' : 'an object';
  if (typeof v === 'function') return 'a function';
  return String(v);
}

/** `v` as an integer in `min..max`; EINVAL naming `where` (`"fn(arg)"`) otherwise. */
export function intArg(where: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new BiopathError('EINVAL', `${where}: ${show(v)} is not an integer in ${min}..${max}`);
  }
  return v;
}

/** Like {@link intArg}, but `undefined` is allowed (an omitted optional argument). */
export function optIntArg(where: string, v: unknown, min: number, max: number): number | undefined {
  return v === undefined ? undefined : intArg(where, v, min, max);
}

/** An optional boolean: `undefined` gives `dflt`; anything but a boolean is EINVAL. */
export function boolArg(where: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new BiopathError('EINVAL', `${where}: ${show(v)} is not a boolean`);
  return v;
}

/** A required boolean. */
export function reqBoolArg(where: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new BiopathError('EINVAL', `${where}: ${show(v)} is not a boolean`);
  return v;
}

/** An options bag: `undefined` gives `{}`; anything but a plain object is EINVAL. */
export function optsArg<T extends object>(where: string, v: unknown): Partial<T> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new BiopathError('EINVAL', `${where}: ${show(v)} is not an options object`);
  }
  return v as Partial<T>;
}

/** A non-empty string without NUL bytes. */
export function pathArg(where: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.includes('\0')) {
    throw new BiopathError('EINVAL', `${where}: ${show(v)} is not a non-empty string without NUL bytes`);
  }
  return v;
}

/** An array of at most `max` entries (each checked by the caller). */
export function arrayArg(where: string, v: unknown, min: number, max: number): readonly unknown[] {
  if (!Array.isArray(v) || v.length < min || v.length > max) {
    throw new BiopathError('EINVAL', `${where}: ${show(v)} is not an array of ${min}..${max} entries`);
  }
  return v;
}
