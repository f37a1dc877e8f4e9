/**
 * The one module of `@biopath/mm` that imports `@biopath/native`.
 *
 * It validates arguments before anything crosses into the native arena, and re-exports the
 * error helpers the rest of the package uses, so no other file depends on the binding.
 */
import {
  arenaCreate,
  arenaFree,
  BiopathError,
  errno,
  errnoName,
  warnOnOnce,
  warnOnOnceCount,
} from '@biopath/native';

import { PAGE_SIZE } from './constants.ts';
export { BiopathError, errno, errnoName, warnOnOnce, warnOnOnceCount };

/** The part of a native arena region that mm needs: its id, DMA address of byte 0, size and memory. */
export interface ArenaMemory {
  id: number;
  iova: number;
  size: number;
  buffer: ArrayBuffer;
}

/**
 * Map a memfd-backed arena region of exactly `size` bytes for page frames.
 * Throws BiopathError('EINVAL') for a bad size and whatever the native layer throws on failure.
 */
export function arenaMap(size: number, hugepage: boolean): ArenaMemory {
  if (!Number.isSafeInteger(size) || size <= 0 || size % PAGE_SIZE !== 0) {
    throw new BiopathError('EINVAL', `createMemMap(nrPages): arena size ${size} is not a positive multiple of ${PAGE_SIZE}`);
  }
  const r = arenaCreate(size, { hugepage });
  if (!(r.buffer instanceof ArrayBuffer) || r.buffer.byteLength < size) {
    arenaFree(r.id);
    throw new BiopathError('ENOMEM', `createMemMap(nrPages): arena region ${r.id} is smaller than ${size} bytes`);
  }
  return { id: r.id, iova: r.iova, size: r.size, buffer: r.buffer };
}

/** Release an arena region mapped by {@link arenaMap}. */
export function arenaUnmap(id: number): void {
  arenaFree(id);
}
