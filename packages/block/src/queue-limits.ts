/**
 * `struct queue_limits`: what a device accepts, validated and defaulted the kernel's way.
 * @kernel include/linux/blkdev.h struct queue_limits; block/blk-settings.c blk_validate_limits()
 */
import { PAGE_SIZE } from '@biopath/mm';
import { BiopathError, type DeviceInfo } from '@biopath/native';
import {
  BLK_DEF_MAX_SECTORS_CAP, BLK_MAX_SEGMENT_SIZE, BLK_MAX_SEGMENTS, BLK_SAFE_MAX_SECTORS, BLK_SEG_BOUNDARY_MASK,
  SECTOR_SHIFT, SECTOR_SIZE, UINT_MAX,
} from './blk-types.ts';

/** The device supports PCI peer-to-peer DMA pages. @kernel include/linux/blkdev.h BLK_FEAT_PCI_P2PDMA */
export const BLK_FEAT_PCI_P2PDMA = 1 << 0;
/** The device has a volatile write cache (flush needed). @kernel include/linux/blkdev.h BLK_FEAT_WRITE_CACHE */
export const BLK_FEAT_WRITE_CACHE = 1 << 1;
/** The device honours FUA. @kernel include/linux/blkdev.h BLK_FEAT_FUA */
export const BLK_FEAT_FUA = 1 << 2;

/** Largest logical block size accepted (BLK_MAX_BLOCK_SIZE). */
const BLK_MAX_BLOCK_SIZE = 65536;
const PAGE_SECTORS = PAGE_SIZE >> SECTOR_SHIFT;

/**
 * Queue limits, kernel field names; sizes in bytes, `*_sectors` in 512-byte sectors, masks as
 * numbers (compare with `%`/arithmetic, not 32-bit bit operators, where an address may exceed 2^32).
 */
export interface QueueLimits {
  features: number;
  logical_block_size: number;
  physical_block_size: number;
  io_min: number;
  io_opt: number;
  max_sectors: number;
  max_hw_sectors: number;
  max_dev_sectors: number;
  max_user_sectors: number;
  chunk_sectors: number;
  max_segments: number;
  max_segment_size: number;
  min_segment_size: number;
  seg_boundary_mask: number;
  virt_boundary_mask: number;
  dma_alignment: number;
  dma_pad_mask: number;
  max_write_zeroes_sectors: number;
  max_discard_sectors: number;
  max_hw_discard_sectors: number;
  discard_granularity: number;
  max_zone_append_sectors: number;
  atomic_write_max_bytes: number;
}

function blank(): QueueLimits {
  return {
    features: 0, logical_block_size: 0, physical_block_size: 0, io_min: 0, io_opt: 0, max_sectors: 0,
    max_hw_sectors: 0, max_dev_sectors: 0, max_user_sectors: 0, chunk_sectors: 0, max_segments: 0,
    max_segment_size: 0, min_segment_size: 0, seg_boundary_mask: 0, virt_boundary_mask: 0, dma_alignment: 0,
    dma_pad_mask: 0, max_write_zeroes_sectors: 0, max_discard_sectors: 0, max_hw_discard_sectors: 0,
    discard_granularity: 0, max_zone_append_sectors: 0, atomic_write_max_bytes: 0,
  };
}

function isPow2(n: number): boolean {
  return Number.isInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

function isMask(n: number): boolean {
  return n === 0 || isPow2(n + 1);
}

function bad(field: string, v: number, why: string): never {
  throw new BiopathError('EINVAL', `blkValidateLimits(${field}): ${v} ${why}`);
}

function checkNumbers(lim: QueueLimits): void {
  for (const [k, v] of Object.entries(lim)) {
    if (!Number.isInteger(v) || v < 0) bad(k, v as number, 'is not a non-negative integer');
  }
}

function validateBlockSizes(lim: QueueLimits): void {
  if (!lim.logical_block_size) lim.logical_block_size = SECTOR_SIZE;
  const lbs = lim.logical_block_size;
  if (!isPow2(lbs) || lbs < SECTOR_SIZE || lbs > BLK_MAX_BLOCK_SIZE) bad('logical_block_size', lbs, 'is not a power of two in 512..65536');
  if (lim.physical_block_size < lbs) lim.physical_block_size = lbs;
  else if (!isPow2(lim.physical_block_size)) bad('physical_block_size', lim.physical_block_size, 'is not a power of two');
  if (lim.io_min < lim.physical_block_size) lim.io_min = lim.physical_block_size;
}

function validateSectors(lim: QueueLimits): void {
  const lbsSectors = lim.logical_block_size >> SECTOR_SHIFT;
  if (!lim.max_hw_sectors) lim.max_hw_sectors = BLK_SAFE_MAX_SECTORS;
  if (lim.max_hw_sectors < PAGE_SECTORS) bad('max_hw_sectors', lim.max_hw_sectors, `is less than one page (${PAGE_SECTORS})`);
  lim.max_hw_sectors -= lim.max_hw_sectors % lbsSectors;
  let max = lim.max_hw_sectors;
  if (lim.max_dev_sectors) max = Math.min(max, lim.max_dev_sectors);
  if (lim.max_user_sectors) {
    if (lim.max_user_sectors < PAGE_SECTORS) bad('max_user_sectors', lim.max_user_sectors, 'is less than one page');
    max = Math.min(max, lim.max_user_sectors);
  } else if (lim.io_opt > BLK_DEF_MAX_SECTORS_CAP << SECTOR_SHIFT) {
    max = Math.min(max, lim.io_opt >> SECTOR_SHIFT);
  } else if (lim.io_min > BLK_DEF_MAX_SECTORS_CAP << SECTOR_SHIFT) {
    max = Math.min(max, lim.io_min >> SECTOR_SHIFT);
  } else {
    max = Math.min(max, BLK_DEF_MAX_SECTORS_CAP);
  }
  lim.max_sectors = max - (max % lbsSectors);
}

function validateSegments(lim: QueueLimits): void {
  if (!lim.max_segments) lim.max_segments = BLK_MAX_SEGMENTS;
  if (!lim.seg_boundary_mask) lim.seg_boundary_mask = BLK_SEG_BOUNDARY_MASK;
  if (!isMask(lim.seg_boundary_mask) || lim.seg_boundary_mask < PAGE_SIZE - 1) {
    bad('seg_boundary_mask', lim.seg_boundary_mask, 'is not a mask of at least one page');
  }
  if (!isMask(lim.virt_boundary_mask)) bad('virt_boundary_mask', lim.virt_boundary_mask, 'is not a mask');
  if (lim.virt_boundary_mask) {
    if (lim.max_segment_size && lim.max_segment_size !== UINT_MAX) {
      bad('max_segment_size', lim.max_segment_size, 'must be unset with a virt_boundary_mask');
    }
    lim.max_segment_size = UINT_MAX;
  } else {
    if (!lim.max_segment_size) lim.max_segment_size = BLK_MAX_SEGMENT_SIZE;
    if (lim.max_segment_size < PAGE_SIZE) bad('max_segment_size', lim.max_segment_size, 'is less than a page');
  }
  lim.min_segment_size = lim.virt_boundary_mask
    ? PAGE_SIZE
    : Math.min(lim.max_segment_size, lim.seg_boundary_mask + 1, PAGE_SIZE);
  if (!lim.dma_alignment) lim.dma_alignment = SECTOR_SIZE - 1;
  if (!isMask(lim.dma_alignment) || lim.dma_alignment >= PAGE_SIZE) bad('dma_alignment', lim.dma_alignment, 'is not a mask below a page');
  if (!isMask(lim.dma_pad_mask)) bad('dma_pad_mask', lim.dma_pad_mask, 'is not a mask');
}

/**
 * Fill defaults and validate; throws EINVAL naming the field on an impossible limit.
 * @kernel block/blk-settings.c blk_validate_limits()
 */
export function blkValidateLimits(partial: Partial<QueueLimits> = {}): QueueLimits {
  const lim = blank();
  for (const k of Object.keys(lim) as (keyof QueueLimits)[]) {
    const v = partial[k];
    if (v !== undefined) lim[k] = v;
  }
  checkNumbers(lim);
  validateBlockSizes(lim);
  validateSectors(lim);
  validateSegments(lim);
  if (lim.max_hw_discard_sectors) lim.max_discard_sectors ||= lim.max_hw_discard_sectors;
  return lim;
}

/**
 * The limits a real device reports (what `@biopath/native` `deviceInfo()` read from its ioctls and sysfs),
 * as a `QueueLimits` input. Drivers call this; block itself never touches the device.
 */
export function queueLimitsFromDeviceInfo(info: DeviceInfo): Partial<QueueLimits> {
  const maxHw = info.maxHwSectorsKb ? info.maxHwSectorsKb * 2 : 0;
  return {
    logical_block_size: info.logicalBlockSize || SECTOR_SIZE,
    physical_block_size: info.physicalBlockSize || 0,
    max_hw_sectors: maxHw,
    max_user_sectors: info.maxSectorsKb ? Math.max(info.maxSectorsKb * 2, PAGE_SECTORS) : 0,
    max_segments: Math.min(info.maxSegments || BLK_MAX_SEGMENTS, 0xffff),
    max_segment_size: info.virtBoundaryMask ? 0 : info.maxSegmentSize || 0,
    virt_boundary_mask: info.virtBoundaryMask || 0,
    dma_alignment: info.dmaAlignment || SECTOR_SIZE - 1,
  };
}

/** Sectors one request may carry for op-less reads/writes. @kernel block/blk.h blk_queue_get_max_sectors() */
export function queueMaxSectors(lim: QueueLimits): number {
  return lim.max_sectors;
}
