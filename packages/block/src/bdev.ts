/**
 * Block devices over a request queue.
 * @kernel block/bdev.c; include/linux/blkdev.h bdev_logical_block_size(), bdev_dma_alignment(), bdev_nr_sectors()
 */
import { BiopathError } from '@biopath/native';
import type { BlockDevice } from './bio-types.ts';
import type { RequestQueue } from './blk-mq-driver.ts';
import { SECTOR_SHIFT } from './blk-types.ts';

/** A block device of `sizeBytes` (rounded down to the logical block size) on queue `q`. */
export function bdevCreate(q: RequestQueue, sizeBytes: number, name = 'bdev', readOnly = false): BlockDevice {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) {
    throw new BiopathError('EINVAL', `bdevCreate(sizeBytes): ${sizeBytes} is not a byte count`);
  }
  const lbs = q.limits.logical_block_size;
  const bytes = sizeBytes - (sizeBytes % lbs);
  return { bd_queue: q, bd_nr_sectors: bytes / (1 << SECTOR_SHIFT), bd_read_only: readOnly, bd_name: name };
}

/** @kernel include/linux/blkdev.h bdev_logical_block_size() */
export function bdevLogicalBlockSize(bdev: BlockDevice): number {
  return bdev.bd_queue.limits.logical_block_size;
}

/** @kernel include/linux/blkdev.h bdev_dma_alignment() */
export function bdevDmaAlignment(bdev: BlockDevice): number {
  return bdev.bd_queue.limits.dma_alignment;
}

/** @kernel include/linux/blkdev.h bdev_nr_sectors() */
export function bdevNrSectors(bdev: BlockDevice): number {
  return bdev.bd_nr_sectors;
}

/** Capacity in bytes. @kernel include/linux/blkdev.h bdev_nr_bytes() */
export function bdevNrBytes(bdev: BlockDevice): number {
  return bdev.bd_nr_sectors * (1 << SECTOR_SHIFT);
}
