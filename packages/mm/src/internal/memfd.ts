/**
 * memfd_create(): an open shmem file that processes map MAP_SHARED (they share its pages) or
 * MAP_PRIVATE (reads see its pages, writes get private anonymous copies).
 * @kernel mm/memfd.c memfd_create()
 */
import { BiopathError } from './arena.ts';
import type { MemMap } from './mem-map.ts';
import { shmemPut } from './mmap.ts';
import type { ShmemObject } from './vma.ts';

/** An open memfd: the file's reference on its shmem object until {@link memfdClose}. */
export interface MemfdFile {
  readonly mem: MemMap;
  /** @internal the shmem object its mappings share */
  readonly obj: ShmemObject;
  closed: boolean;
}

/** A new, empty memfd (pages appear zeroed on first fault). Throws EINVAL for a destroyed MemMap. @kernel mm/memfd.c memfd_create() */
export function memfdCreate(mem: MemMap): MemfdFile {
  if (mem.destroyed) throw new BiopathError('EINVAL', 'memfdCreate(mem): the MemMap was destroyed');
  return { mem, obj: { pages: new Map(), users: 1, p2pdma: false }, closed: false };
}

/** close(2): drop the file's reference; the pages go when no mapping is left either. Idempotent. */
export function memfdClose(file: MemfdFile): void {
  if (file.closed) return;
  file.closed = true;
  shmemPut(file.mem, file.obj);
}
