/**
 * The memory arena: memfd-backed shared memory in regions, named by IOVAs.
 *
 * Byte `off` of region `id` has the IOVA `id * 2**40 + off`. IOVAs are what SQEs and every other
 * native call carry; the native layer translates and bounds-checks each one, so JS never holds
 * a raw pointer and can never make the kernel touch memory outside a live region.
 */
import { binding, callNative } from './binding.ts';
import { check } from './errors.ts';

export const IOVA_SHIFT = 40;
export const IOVA_REGION_SPAN = 2 ** IOVA_SHIFT;
export const ARENA_PAGE_SIZE = 4096;

export interface ArenaRegion {
  /** Region id (1..4095). */
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
export function arenaCreate(size: number, opts: { hugepage?: boolean } = {}): ArenaRegion {
  check(Number.isSafeInteger(size) && size > 0 && size % ARENA_PAGE_SIZE === 0, 'EINVAL',
    `arenaCreate(size): ${size} is not a positive multiple of ${ARENA_PAGE_SIZE}`);
  return callNative(() => binding.arenaCreate(size, opts.hugepage ?? false)) as ArenaRegion;
}

/** Map region `id`'s pages a second time at new addresses. ENOENT if `id` is not live. */
export function arenaAlias(id: number): ArenaRegion {
  return callNative(() => binding.arenaAlias(id)) as ArenaRegion;
}

/**
 * Map `len` bytes of region `id` from byte `offset` a second time (same pages, new addresses): a
 * view of a slice, e.g. the linear run of page-cache frames behind an mmap'd file range.
 * ENOENT if `id` is not live; EINVAL for an empty, unaligned or out-of-region slice.
 */
export function arenaAliasRange(id: number, offset: number, len: number): ArenaRegion {
  check(Number.isSafeInteger(offset) && offset >= 0 && offset % ARENA_PAGE_SIZE === 0, 'EINVAL',
    `arenaAliasRange(offset): ${offset} is not a page-aligned offset`);
  check(Number.isSafeInteger(len) && len > 0 && len % ARENA_PAGE_SIZE === 0, 'EINVAL',
    `arenaAliasRange(len): ${len} is not a positive multiple of ${ARENA_PAGE_SIZE}`);
  return callNative(() => binding.arenaAliasRange(id, offset, len)) as ArenaRegion;
}

/**
 * Drop the page-table entries of a page-aligned arena range (MADV_DONTNEED). The memory keeps its
 * contents; the next access faults again (MINOR where a userfaultfd watches). EINVAL/EFAULT.
 */
export function arenaZapRange(iova: number, len: number): void {
  callNative(() => binding.arenaZapRange(iova, len));
}

/** Unregister region `id`; later IO naming it completes with EFAULT. ENOENT if not live. */
export function arenaFree(id: number): void {
  callNative(() => binding.arenaFree(id));
}

/** memmove between two arena ranges inside native code. EFAULT if either leaves its region. */
export function arenaCopy(dstIova: number, srcIova: number, len: number): void {
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
