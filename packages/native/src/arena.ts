/**
 * The memory arena: memfd-backed shared memory in regions, named by IOVAs.
 *
 * Byte `off` of region `id` has the IOVA `id * 2**32 + off`. IOVAs are what SQEs and every other
 * native call carry; the native layer translates and bounds-checks each one, so JS never holds
 * a raw pointer and can never make the kernel touch memory outside a live region.
 *
 * Region ids are never reused in a process, so the IOVA of a freed region stays dead: IO naming
 * it fails with EFAULT even after new regions were created. An IOVA is a safe integer (< 2**53),
 * which leaves 21 bits of id: at most {@link ARENA_MAX_REGION_ID} regions per process (ENOSPC
 * after that; at most 4095 live at once), each at most {@link ARENA_MAX_REGION_SIZE} bytes.
 */
import { binding, callNative } from './binding.ts';
import { check } from './errors.ts';
import { boolArg, intArg, optsArg } from './args.ts';

export const IOVA_SHIFT = 32;
export const IOVA_REGION_SPAN = 2 ** IOVA_SHIFT;
export const ARENA_PAGE_SIZE = 4096;
/** Largest region: 4 GiB (the IOVA offset field, and the largest ArrayBuffer napi hands out). */
export const ARENA_MAX_REGION_SIZE = IOVA_REGION_SPAN;
/** Largest region id; ids count up from 1 and are never reused. */
export const ARENA_MAX_REGION_ID = 2 ** (53 - IOVA_SHIFT) - 1;

/** Argument checks shared by every arena-addressed native call (also used by ring and uffd). */
export const idArg = (where: string, v: unknown): number => intArg(where, v, 1, ARENA_MAX_REGION_ID);
export const iovaArg = (where: string, v: unknown): number => intArg(where, v, 0, Number.MAX_SAFE_INTEGER);
export const lenArg = (where: string, v: unknown): number => intArg(where, v, 0, ARENA_MAX_REGION_SIZE);

export interface ArenaRegion {
  /** Region id (1..{@link ARENA_MAX_REGION_ID}, never reused). */
  readonly id: number;
  /** IOVA of byte 0. */
  readonly iova: number;
  /** Size in bytes (a multiple of 4096). */
  readonly size: number;
  /** Region this one aliases (same pages mapped twice), or 0. */
  readonly aliasOf: number;
  /** The one ArrayBuffer over this memory. */
  readonly buffer: ArrayBuffer;
}

/**
 * Create a zero-filled region of `size` bytes. Guarantees: page-aligned, shared (MAP_SHARED
 * memfd, so an alias sees the same bytes), live until {@link arenaFree} and GC of `buffer`.
 * Throws EINVAL for a size that is not a positive multiple of 4096, ENOMEM/ENOSPC when refused.
 */
export function arenaCreate(size: number, opts?: { hugepage?: boolean }): ArenaRegion {
  intArg('arenaCreate(size)', size, ARENA_PAGE_SIZE, ARENA_MAX_REGION_SIZE);
  check(size % ARENA_PAGE_SIZE === 0, 'EINVAL', `arenaCreate(size): ${size} is not a multiple of ${ARENA_PAGE_SIZE}`);
  const hugepage = boolArg('arenaCreate(opts.hugepage)', optsArg<{ hugepage: boolean }>('arenaCreate(opts)', opts).hugepage, false);
  return callNative(() => binding.arenaCreate(size, hugepage)) as ArenaRegion;
}

/** Map region `id`'s pages a second time at new addresses. ENOENT if `id` is not live. */
export function arenaAlias(id: number): ArenaRegion {
  idArg('arenaAlias(id)', id);
  return callNative(() => binding.arenaAlias(id)) as ArenaRegion;
}

/**
 * Map `len` bytes of region `id` from byte `offset` a second time (same pages, new addresses): a
 * view of a slice, e.g. the linear run of page-cache frames behind an mmap'd file range.
 * ENOENT if `id` is not live; EINVAL for an empty, unaligned or out-of-region slice.
 */
export function arenaAliasRange(id: number, offset: number, len: number): ArenaRegion {
  idArg('arenaAliasRange(id)', id);
  intArg('arenaAliasRange(offset)', offset, 0, ARENA_MAX_REGION_SIZE);
  intArg('arenaAliasRange(len)', len, ARENA_PAGE_SIZE, ARENA_MAX_REGION_SIZE);
  check(offset % ARENA_PAGE_SIZE === 0, 'EINVAL', `arenaAliasRange(offset): ${offset} is not a page-aligned offset`);
  check(len % ARENA_PAGE_SIZE === 0, 'EINVAL',
    `arenaAliasRange(len): ${len} is not a positive multiple of ${ARENA_PAGE_SIZE}`);
  return callNative(() => binding.arenaAliasRange(id, offset, len)) as ArenaRegion;
}

/**
 * Drop the page-table entries of a page-aligned arena range (MADV_DONTNEED). The memory keeps its
 * contents; the next access faults again (MINOR where a userfaultfd watches). EINVAL/EFAULT.
 */
export function arenaZapRange(iova: number, len: number): void {
  iovaArg('arenaZapRange(iova)', iova);
  lenArg('arenaZapRange(len)', len);
  callNative(() => binding.arenaZapRange(iova, len));
}

/** Unregister region `id`; later IO naming it completes with EFAULT. ENOENT if not live. */
export function arenaFree(id: number): void {
  idArg('arenaFree(id)', id);
  callNative(() => binding.arenaFree(id));
}

/** memmove between two arena ranges inside native code. EFAULT if either leaves its region. */
export function arenaCopy(dstIova: number, srcIova: number, len: number): void {
  iovaArg('arenaCopy(dst)', dstIova);
  iovaArg('arenaCopy(src)', srcIova);
  lenArg('arenaCopy(len)', len);
  callNative(() => binding.arenaCopy(dstIova, srcIova, len));
}

/** Regions created and not yet freed in this process (leak checks compare it to a baseline). */
export function arenaLiveRegions(): number {
  return binding.arenaLiveRegions();
}

/** Region id of an IOVA. */
export function iovaRegion(iova: number): number {
  return Math.floor(iova / IOVA_REGION_SPAN);
}

/** Offset of an IOVA inside its region. */
export function iovaOffset(iova: number): number {
  return iova % IOVA_REGION_SPAN;
}
