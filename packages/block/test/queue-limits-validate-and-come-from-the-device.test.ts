// Queue limits (docs/KERNEL-SEMANTICS.md §3.7): defaults and validation the kernel's way, and the limits of
// a real loop device read through native (512-byte blocks, dma_alignment 511, 128 × 64 KiB).
import { describe, expect, it } from 'vitest';
import { BLK_DEF_MAX_SECTORS_CAP, blkValidateLimits, queueLimitsFromDeviceInfo } from '@biopath/block';
import { closeFd, deviceInfo, openDevice } from '@biopath/native';
import { probe, withLoopDevice } from '@biopath/testing';

const loop = probe.loop();

describe.skipIf(!loop.ok)('blkValidateLimits', () => {
  it('fills the kernel defaults', () => {
    const l = blkValidateLimits({});
    expect(l).toMatchObject({
      logical_block_size: 512, physical_block_size: 512, max_hw_sectors: 255, max_sectors: 255, max_segments: 128,
      max_segment_size: 65536, seg_boundary_mask: 0xffffffff, dma_alignment: 511, min_segment_size: 4096,
    });
  });

  it('caps max_sectors at BLK_DEF_MAX_SECTORS_CAP and rounds to the logical block size', () => {
    expect(blkValidateLimits({ max_hw_sectors: 1 << 16 }).max_sectors).toBe(BLK_DEF_MAX_SECTORS_CAP);
    expect(blkValidateLimits({ max_hw_sectors: 1000, logical_block_size: 4096 }).max_sectors).toBe(1000 - (1000 % 8));
  });

  it('a virt boundary implies an unlimited segment size', () => {
    const l = blkValidateLimits({ virt_boundary_mask: 4095 });
    expect(l.max_segment_size).toBe(0xffffffff);
  });

  it.each([
    ['logical_block_size', 1000], ['logical_block_size', 256], ['seg_boundary_mask', 1023], ['max_hw_sectors', 4],
    ['dma_alignment', 4096], ['max_segment_size', 1024], ['virt_boundary_mask', 1000], ['max_segments', -1],
  ] as const)('refuses %s = %d with EINVAL naming the field', (field, v) => {
    expect(() => blkValidateLimits({ [field]: v })).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining(field) }));
  });
});

describe.skipIf(!loop.ok)('limits of a real loop device', () => {
  it('come from native deviceInfo', () =>
    withLoopDevice(1 << 20, (dev) => {
      const fd = openDevice(dev, { direct: true });
      try {
        const info = deviceInfo(fd);
        const l = blkValidateLimits(queueLimitsFromDeviceInfo(info));
        expect(l.logical_block_size).toBe(info.logicalBlockSize);
        expect(l.dma_alignment).toBe(info.dmaAlignment);
        expect(l.max_segments).toBe(info.maxSegments);
        expect(l.max_sectors).toBe(Math.min(info.maxSectorsKb * 2, info.maxHwSectorsKb * 2));
        expect(l.max_segment_size).toBe(info.maxSegmentSize);
      } finally {
        closeFd(fd);
      }
    }));
});
