/** A page cache over a RAM disk for colocated unit tests; `teardown` checks the mapping is clean. */
import { createMemMap, destroyMemMap, type MemMap } from '@biopath/mm';
import type { AddressSpace } from '../address-space.ts';
import { __createAddressSpace, destroyAddressSpace } from '../lifecycle.ts';
import { createPageCache, type PageCache } from '../page-cache.ts';
import { createRamIo, type RamIo } from './ram-io.ts';

export interface RamStack {
  mem: MemMap;
  pc: PageCache;
  io: RamIo;
  as: AddressSpace;
  teardown(): Promise<void>;
}

export function ramStack(opts: { pages?: number; capacity?: number; raKb?: number; diskBytes?: number; maxPages?: number } = {}): RamStack {
  const mem = createMemMap({ nrPages: opts.pages ?? 1024 });
  const pc = createPageCache({ mem, capacityPages: opts.capacity ?? 512 });
  const io = createRamIo(mem, opts.diskBytes ?? 4 << 20, { maxPages: opts.maxPages ?? 64 });
  const as = __createAddressSpace({ pc, io, readAheadKb: opts.raKb ?? 128 });
  return {
    mem, pc, io, as,
    async teardown() {
      io.failWrites = false;
      io.failReads = false;
      if (!as.dead) await destroyAddressSpace(as, { writeback: false });
      destroyMemMap(mem);
    },
  };
}
