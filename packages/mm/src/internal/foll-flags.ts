/**
 * FOLL_* gup flags. The exported values are the 6.2 `#define`s, which every GUP function here takes
 * whatever the profile; {@link FOLL_V8} and {@link FOLL_CURRENT} are the other two numberings, with
 * converters, for code and tests about the renumbering (docs/KERNEL-SEMANTICS.md §2.5).
 * @kernel include/linux/mm.h FOLL_WRITE
 */
export const FOLL_WRITE = 0x01;
export const FOLL_TOUCH = 0x02;
export const FOLL_GET = 0x04;
export const FOLL_DUMP = 0x08;
export const FOLL_FORCE = 0x10;
export const FOLL_NOWAIT = 0x20;
export const FOLL_NOFAULT = 0x80;
export const FOLL_HWPOISON = 0x100;
export const FOLL_TRIED = 0x800;
export const FOLL_REMOTE = 0x2000;
export const FOLL_ANON = 0x8000;
export const FOLL_LONGTERM = 0x10000;
export const FOLL_SPLIT_PMD = 0x20000;
export const FOLL_PIN = 0x40000;
export const FOLL_FAST_ONLY = 0x80000;
export const FOLL_PCI_P2PDMA = 0x100000;
export const FOLL_INTERRUPTIBLE = 0x200000;

/** The FOLL names, in the order the tables below list them. */
export type FollName =
  | 'WRITE' | 'TOUCH' | 'GET' | 'DUMP' | 'FORCE' | 'NOWAIT' | 'NOFAULT' | 'HWPOISON' | 'TRIED' | 'REMOTE'
  | 'ANON' | 'LONGTERM' | 'SPLIT_PMD' | 'PIN' | 'FAST_ONLY' | 'PCI_P2PDMA' | 'INTERRUPTIBLE';

/** 6.2 numbering (the one the GUP API uses). */
export const FOLL_6_2: Readonly<Record<FollName, number>> = Object.freeze({
  WRITE: FOLL_WRITE, TOUCH: FOLL_TOUCH, GET: FOLL_GET, DUMP: FOLL_DUMP, FORCE: FOLL_FORCE, NOWAIT: FOLL_NOWAIT,
  NOFAULT: FOLL_NOFAULT, HWPOISON: FOLL_HWPOISON, TRIED: FOLL_TRIED, REMOTE: FOLL_REMOTE, ANON: FOLL_ANON,
  LONGTERM: FOLL_LONGTERM, SPLIT_PMD: FOLL_SPLIT_PMD, PIN: FOLL_PIN, FAST_ONLY: FOLL_FAST_ONLY,
  PCI_P2PDMA: FOLL_PCI_P2PDMA, INTERRUPTIBLE: FOLL_INTERRUPTIBLE,
});

/** The v8 10/10 renumbering: FOLL_PIN bit 0 and FOLL_GET bit 1, to coincide with BIO_PAGE_PINNED/REFFED. */
export const FOLL_V8: Readonly<Record<FollName, number>> = Object.freeze({
  PIN: 0x01, GET: 0x02, WRITE: 0x04, TOUCH: 0x08, DUMP: 0x10, FORCE: 0x20, NOWAIT: 0x40, NOFAULT: 0x80,
  HWPOISON: 0x100, TRIED: 0x200, REMOTE: 0x400, ANON: 0x800, LONGTERM: 0x1000, SPLIT_PMD: 0x2000,
  FAST_ONLY: 0x4000, PCI_P2PDMA: 0x8000, INTERRUPTIBLE: 0x10000,
});

/** Current upstream: public enum in mm_types.h plus the internal flags of mm/internal.h (DUMP etc. as listed). */
export const FOLL_CURRENT: Readonly<Record<FollName, number>> = Object.freeze({
  WRITE: 1 << 0, GET: 1 << 1, DUMP: 1 << 2, FORCE: 1 << 3, NOWAIT: 1 << 4, NOFAULT: 1 << 5, HWPOISON: 1 << 6,
  ANON: 1 << 7, LONGTERM: 1 << 8, SPLIT_PMD: 1 << 9, PCI_P2PDMA: 1 << 10, INTERRUPTIBLE: 1 << 11,
  TOUCH: 1 << 16, TRIED: 1 << 17, REMOTE: 1 << 18, PIN: 1 << 19, FAST_ONLY: 1 << 20,
});

const FOLL_NAMES = Object.keys(FOLL_6_2) as FollName[];

function renumber(flags: number, from: Readonly<Record<FollName, number>>, to: Readonly<Record<FollName, number>>): number {
  let out = 0;
  for (const name of FOLL_NAMES) if (flags & from[name]) out |= to[name];
  return out >>> 0;
}

/** Convert 6.2-numbered flags to the v8 numbering. */
export function follToV8(flags: number): number {
  return renumber(flags, FOLL_6_2, FOLL_V8);
}

/** Convert v8-numbered flags to the 6.2 numbering the GUP API takes. */
export function follFromV8(flags: number): number {
  return renumber(flags, FOLL_V8, FOLL_6_2);
}

/** Convert 6.2-numbered flags to current upstream numbering. */
export function follToCurrent(flags: number): number {
  return renumber(flags, FOLL_6_2, FOLL_CURRENT);
}

/**
 * Flags a caller may pass to the gup-fast entry points (FOLL_PIN is added by the pin variants, never by
 * the caller). @kernel mm/gup.c gup_fast_fallback()
 */
const GUP_FAST_CALLER_FLAGS = FOLL_WRITE | FOLL_LONGTERM | FOLL_FORCE | FOLL_GET | FOLL_FAST_ONLY | FOLL_NOFAULT
  | FOLL_PCI_P2PDMA;
/** The slow entry points take the same set minus FOLL_FAST_ONLY (internal there). */
const GUP_SLOW_CALLER_FLAGS = GUP_FAST_CALLER_FLAGS & ~FOLL_FAST_ONLY;

/**
 * Validate caller-supplied flags and add `toSet` (FOLL_PIN or FOLL_GET). Returns the full flags,
 * or -1 for an invalid combination (the kernel WARNs and returns -EINVAL): flags outside the allowed
 * set (including FOLL_PIN from a caller), FOLL_GET|FOLL_PIN, FOLL_LONGTERM without FOLL_PIN,
 * FOLL_LONGTERM|FOLL_PCI_P2PDMA, or a get or pin without a pages array.
 * @kernel mm/gup.c is_valid_gup_args()
 */
export function isValidGupArgs(gupFlags: number, toSet: number, fast: boolean, hasPages: boolean): number {
  const allowed = fast ? GUP_FAST_CALLER_FLAGS : GUP_SLOW_CALLER_FLAGS;
  if (!Number.isInteger(gupFlags) || gupFlags < 0 || (gupFlags & ~allowed) !== 0) return -1;
  const flags = (gupFlags | toSet) >>> 0;
  if ((flags & (FOLL_PIN | FOLL_GET)) === (FOLL_PIN | FOLL_GET)) return -1;
  if ((flags & FOLL_LONGTERM) !== 0 && (flags & FOLL_PIN) === 0) return -1;
  if ((flags & (FOLL_LONGTERM | FOLL_PCI_P2PDMA)) === (FOLL_LONGTERM | FOLL_PCI_P2PDMA)) return -1;
  if ((flags & (FOLL_PIN | FOLL_GET)) !== 0 && !hasPages) return -1;
  return flags;
}
