/**
 * Building one handle's stack, bottom to top: a MemMap (arena), an emulated process for user
 * buffers, the driver (faulty wrapping another when asked), a blk-mq queue and block device over
 * it, and for buffered handles a page cache and address space. Teardown gives it all back in
 * reverse; a failure half way gives back what was built.
 */
import { bdevCreate, blkFlushDeferredRelease, bioFlushDirtyWork, blkMqDestroyQueue, blkMqInitQueue } from '@biopath/block';
import type { BlockDevice, RequestQueue } from '@biopath/block';
import { MmStruct, createMemMap, destroyMemMap } from '@biopath/mm';
import type { MemMap } from '@biopath/mm';
import { createBdevDriver, createFaultyDriver, createNullDriver, createNvmeDriver } from '@biopath/nvme';
import type { BlkDriver } from '@biopath/nvme';
import { createAddressSpace, createPageCache, destroyAddressSpace } from '@biopath/page-cache';
import type { AddressSpace } from '@biopath/page-cache';
import type { ResolvedOptions } from '../options.ts';
import { BufferPool } from './buffers.ts';

export interface Stack {
  mem: MemMap;
  mm: MmStruct;
  driver: BlkDriver;
  /** The faulty driver's schedule (driver 'faulty'), else null. */
  faults: unknown;
  q: RequestQueue;
  bdev: BlockDevice;
  pool: BufferPool;
  as: AddressSpace | null;
}

function openInner(target: string | number, o: ResolvedOptions, mem: MemMap): BlkDriver {
  if (o.inner === 'null') {
    return createNullDriver({
      sizeBytes: target as number, queueDepth: o.queueDepth, irqmode: 'poll', memoryBacked: o.nullMemoryBacked, blockSize: o.nullBlockSize,
    });
  }
  if (o.inner === 'nvme') return createNvmeDriver({ path: target as string, mem, queueDepth: o.queueDepth });
  return createBdevDriver({ path: target as string, mem, queueDepth: o.queueDepth, readOnly: o.readOnly });
}

/** Open everything for `target`; throws (BiopathError from the layer that refused) with nothing left open. */
export function stackOpen(target: string | number, o: ResolvedOptions): Stack {
  const mem = createMemMap({ nrPages: o.memoryPages + o.cachePages + 64, profile: o.profile });
  const mm = new MmStruct(mem);
  let driver: BlkDriver | null = null;
  let q: RequestQueue | null = null;
  try {
    const inner = openInner(target, o, mem);
    driver = inner;
    let faults: unknown = null;
    if (o.faults !== null) {
      const f = createFaultyDriver(inner, o.faults);
      driver = f;
      faults = f.faults;
    }
    q = blkMqInitQueue(driver.set, driver.limits, mem);
    const bdev = bdevCreate(q, driver.sizeBytes, driver.name, o.readOnly);
    let as: AddressSpace | null = null;
    if (!o.direct) {
      const pc = createPageCache({ mem, capacityPages: o.cachePages });
      as = createAddressSpace({ pc, bdev, readAheadKb: o.readaheadKb });
    }
    return { mem, mm, driver, faults, q, bdev, pool: new BufferPool(mem, mm, o.strategy !== 'list'), as };
  } catch (e) {
    if (q !== null) blkMqDestroyQueue(q);
    driver?.close();
    mm.exit();
    destroyMemMap(mem);
    throw e;
  }
}

/** Give everything back; nothing may be in flight. Returns the error of a failed final writeback (0 or -errno). */
export async function stackClose(s: Stack, writeback: boolean): Promise<number> {
  let err = 0;
  try {
    if (s.as !== null && !s.as.dead) err = await destroyAddressSpace(s.as, { writeback });
  } finally {
    bioFlushDirtyWork();
    blkFlushDeferredRelease();
    blkMqDestroyQueue(s.q);
    s.driver.close();
    s.pool.destroy();
    s.mm.exit();
    destroyMemMap(s.mem);
  }
  return err;
}
