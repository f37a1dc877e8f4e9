/**
 * Mapping a run's frames into an emulated process (`MmStruct`), so user-backed iterators over
 * that range reach the very cache folios: O_DIRECT into such a buffer pins them, and the DMA's
 * dirty unpin marks them dirty for writeback. mm has no file-backed VMAs, so this fills a shared
 * (shmem) VMA's page object with the frames, each holding a reference, like PTEs of a file mapping.
 * The frames are read first (MAP_POPULATE): the emulated process cannot fault through the cache.
 */
import { getPage, PAGE_SIZE, type MmStruct } from '@biopath/mm';
import type { AddressSpace } from './address-space.ts';
import { folioTestLocked, folioTrylock, folioWaitLocked } from './folio-wait.ts';
import { BiopathError } from './internal/native.ts';
import { runReadFolio } from './mmap-aops.ts';
import { RUN_NONE, RUN_STATE_MASK, type MmapRun } from './mmap-run.ts';

/** The part of mm's VMA this needs (mm exports no file-mapping API; see README "deviations"). */
interface ShmemVma {
  start: number;
  pgoff: number;
  shmem: { pages: Map<number, number> } | null;
}

/** Read every frame of `run` that holds nothing yet; rejects with EIO if one cannot be read. */
export async function populateRun(as: AddressSpace, run: MmapRun): Promise<void> {
  const pc = as.pc;
  const waits: Promise<void>[] = [];
  for (let k = 0; k < run.nrPages; k++) {
    const frame = run.firstPfn + k;
    if ((Atomics.load(run.state, k) & RUN_STATE_MASK) !== RUN_NONE) continue;
    if (!folioTestLocked(pc, frame) && folioTrylock(pc, frame)) runReadFolio(as, frame);
    waits.push(folioWaitLocked(pc, frame));
  }
  await Promise.all(waits);
  for (let k = 0; k < run.nrPages; k++) {
    if ((Atomics.load(run.state, k) & RUN_STATE_MASK) === RUN_NONE) {
      throw new BiopathError('EIO', `mmap: reading page ${run.firstIndex + k} to populate the mapping failed`);
    }
  }
}

/** Map `run`'s frames into `mm` (shared, read-write); returns the user address. */
export async function mapIntoMm(as: AddressSpace, run: MmapRun, mm: MmStruct): Promise<number> {
  await populateRun(as, run);
  const len = run.nrPages * PAGE_SIZE;
  const addr = mm.mmap(len, { shared: true });
  const vma = (mm as unknown as { vmas: ShmemVma[] }).vmas.find((v) => v.start === addr);
  if (vma === undefined || vma.shmem === null) {
    mm.munmap(addr, len);
    throw new BiopathError('ENOTSUP', 'mmap(opts.mm): the emulated mm has no shared VMA to fill');
  }
  const pfns = new Int32Array(run.nrPages);
  for (let k = 0; k < run.nrPages; k++) {
    const frame = run.firstPfn + k;
    getPage(as.pc.mem, frame);
    vma.shmem.pages.set(vma.pgoff + k, frame);
    pfns[k] = frame;
    as.gupExposed.add(frame);
  }
  as.userMaps.push({ mm, addr, firstIndex: run.firstIndex, pfns, run });
  return addr;
}

/** Remove `run`'s mapping from its emulated process (references drop; pins stay). */
export function unmapFromMm(as: AddressSpace, run: MmapRun): void {
  const i = as.userMaps.findIndex((u) => u.run === run);
  if (i < 0) return;
  const um = as.userMaps[i]!;
  as.userMaps.splice(i, 1);
  um.mm.munmap(um.addr, run.nrPages * PAGE_SIZE);
}
